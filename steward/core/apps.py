from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Steward core"

    def ready(self) -> None:
        from . import auth_events, mfa_secrets, outbox, ratelimit, scheduler  # noqa: F401  (ratelimit registers its system check)

        auth_events.connect()
        mfa_secrets.connect()
        # Every worker delivers; the rows themselves are claimed one at a time (core.outbox).
        scheduler.every("outbox.dispatch", seconds=0.5, function=outbox.dispatch, exclusive=False)
