from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Steward core"

    def ready(self) -> None:
        from . import auth_events, crypto, mfa_secrets, ratelimit  # noqa: F401  (crypto and ratelimit register system checks)

        auth_events.connect()
        mfa_secrets.connect()
