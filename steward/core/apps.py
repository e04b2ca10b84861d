from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Steward core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from . import auth_events, crypto, mfa_secrets, navigation, ratelimit  # noqa: F401  (crypto and ratelimit register system checks)

        auth_events.connect()
        mfa_secrets.connect()
        navigation.register(navigation.Page("mfa_index", _("Sign-in security"), None), order=100)
