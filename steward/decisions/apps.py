from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "steward.decisions"
    label = "decisions"

    def ready(self) -> None:
        from steward.cases import providers
        from steward.cases import services as cases

        from .models import Outcome
        from .services import DecisionsForCases

        cases.register_timeline_labels("outcome", Outcome.choices)
        providers.provide_decisions(DecisionsForCases())  # the case page shows its decisions  # "Decision recorded: Warning", not "warning"
