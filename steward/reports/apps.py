from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "steward.reports"
    label = "reports"

    def ready(self) -> None:
        from . import permissions

        permissions.register()
