from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "steward.training"
    label = "training"
    verbose_name = "Steward training"

    def ready(self) -> None:
        import datetime

        from steward.core import scheduler

        from . import permissions, progress, sign_in

        permissions.register()
        sign_in.register_single_sign_on()  # contributor learners may sign in through Steward's SSO too
        progress.connect()  # the dashboard's read model follows every assignment, completion, read and attempt
        scheduler.daily("training.progress_rebuild", function=progress.rebuild, at=datetime.time(3, 30))
        from . import assign_notifications  # noqa: F401  (outbox handlers, the hourly job, the profile subscriber)
