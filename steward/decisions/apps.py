from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "steward.decisions"
    label = "decisions"

    def ready(self) -> None:
        from steward.cases import providers
        from steward.cases import services as cases

        from . import permissions
        from .models import Outcome
        from .services import DecisionsForCases

        permissions.register()

        cases.register_timeline_labels("outcome", Outcome.choices)  # "Decision recorded: Warning", not "warning"
        providers.provide_decisions(DecisionsForCases())  # the case page shows its decisions
