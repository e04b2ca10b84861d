from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PolicyConfig(AppConfig):
    name = "steward.policy"
    label = "policy"

    def ready(self) -> None:
        from . import notifications, permissions, services  # noqa: F401  (notifications registers its outbox handlers)
        from .models import BehaviourCategory, GuidelineTranslation, GuidelineVersion

        permissions.register()

        # Whatever writes them (the services, the demo, a data fix), the report form's cached categories follow.
        for model in (GuidelineVersion, BehaviourCategory, GuidelineTranslation):
            post_save.connect(services.forget_categories, sender=model, dispatch_uid=f"categories-{model.__name__}")
            post_delete.connect(services.forget_categories, sender=model, dispatch_uid=f"categories-{model.__name__}-gone")
