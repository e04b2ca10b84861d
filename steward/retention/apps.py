from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "steward.retention"
    label = "retention"

    def ready(self) -> None:
        from . import jobs, permissions

        jobs.register()
        permissions.register()
