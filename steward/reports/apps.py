from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "steward.reports"
    label = "reports"

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (registers its outbox handlers)
