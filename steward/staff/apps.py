from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "steward.staff"
    label = "staff"
    verbose_name = "Steward staff"

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (registers its outbox handlers)
