from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "steward.training"
    label = "training"
    verbose_name = "Steward training"

    def ready(self) -> None:
        from . import permissions

        permissions.register()
        from . import assign_notifications  # noqa: F401  (outbox handlers, the hourly job, the profile subscriber)
