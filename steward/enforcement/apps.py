from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "steward.enforcement"
    label = "enforcement"

    def ready(self) -> None:
        from steward.cases import providers
        from steward.core import events, scheduler
        from steward.decisions.events import (
            AppealDecided,
            DecisionEnded,
            DecisionRecorded,
            InterimMeasureEnded,
            InterimMeasureImposed,
        )

        from . import execution, notifications, permissions, services  # noqa: F401  (notifications registers outbox handlers)

        permissions.register()
        # Planned inside the decision's own transaction: a decision never exists without its rollout.
        events.subscribe(DecisionRecorded, services.plan_for_decision)
        events.subscribe(InterimMeasureImposed, services.plan_for_interim_measure)
        events.subscribe(DecisionEnded, services.reverse_for_decision_end)
        events.subscribe(AppealDecided, services.reverse_for_appeal)
        events.subscribe(InterimMeasureEnded, services.reverse_for_interim_end)
        # Executed in every worker, one thread per system: actions are claimed one at a time with a
        # lease, so several workers share the work without doing anything twice.
        scheduler.every("enforcement.rollouts", function=execution.start, seconds=2, exclusive=False)
        providers.provide_rollouts(services.RolloutsForCases())
