from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "steward.decisions"
    label = "decisions"

    def ready(self) -> None:
        from steward.cases import timeline

        from . import permissions
        from .models import Outcome

        permissions.register()

        timeline.register_labels("outcome", Outcome.choices)  # "Decision recorded: Warning", not "warning"
