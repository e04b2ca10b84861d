from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "steward.policy"
    label = "policy"

    def ready(self) -> None:
        from . import permissions

        permissions.register()
