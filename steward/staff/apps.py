from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "steward.staff"
    label = "staff"
    verbose_name = "Steward staff"

    def ready(self) -> None:
        from . import notifications, permissions  # noqa: F401  (notifications registers its outbox handlers)

        permissions.register()
