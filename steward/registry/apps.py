from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "steward.registry"
    label = "registry"

    def ready(self) -> None:
        import datetime

        from django.conf import settings

        from steward.core import crypto, scheduler

        from . import notifications, people, permissions, records  # noqa: F401  (notifications registers outbox handlers)

        permissions.register()
        # People first seen at intake are indexed for screening and suggestions here, not while a report is filed.
        scheduler.every("registry.index", function=people.index_pending, seconds=30)
        scheduler.daily("registry.expired_records", function=records.forget_expired,
                        at=datetime.time(settings.STEWARD_RETENTION_PURGE_HOUR))
        # Screening keys are hashed from several sealed values: rebuilt by the registry when the key rotates.
        crypto.register_derived_index(crypto.DerivedIndex("Screening index (registry people)", behind=people.keys_behind,
                                                          rebuild=people.rebuild_keys))
