from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "steward.registry"
    label = "registry"

    def ready(self) -> None:
        from steward.core import scheduler

        from . import notifications, people, permissions  # noqa: F401  (notifications registers outbox handlers)

        permissions.register()
        # People first seen at intake are indexed for screening and suggestions here, not while a report is filed.
        scheduler.every("registry.index", function=people.index_pending, seconds=30)
