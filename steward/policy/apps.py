from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "steward.policy"
    label = "policy"

    def ready(self) -> None:
        from . import notifications, permissions  # noqa: F401  (notifications registers its outbox handlers)

        permissions.register()
