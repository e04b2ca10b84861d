from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "steward.decisions"
    label = "decisions"

    def ready(self) -> None:
        from steward.cases import providers
        from steward.cases import services as cases

        from . import notifications, permissions  # noqa: F401  (notifications registers outbox handlers)
        from .models import LEGACY_OUTCOMES, InterimMeasure, InterimRestriction, Outcome
        from .services import DecisionsForCases

        permissions.register()

        # "Decision recorded: Warning", not "warning": a level reads by the name it was decided with
        # (stored in the event), the other outcomes and the old fixed ones by these labels.
        cases.register_timeline_labels("outcome", [*Outcome.choices, *LEGACY_OUTCOMES])
        providers.provide_decisions(DecisionsForCases())  # the case page shows its decisions

        # Interim measures, the end of bans, return and check-ins (decisions/interim.py, returns.py).
        import datetime

        from django.conf import settings

        from steward.core import events, scheduler

        from . import interim, return_notifications, returns  # noqa: F401  (return_notifications registers outbox handlers)
        from .events import DecisionRecorded

        events.subscribe(DecisionRecorded, interim.end_for_decision)
        # The registry keeps the violation record (steward/registry/records.py).
        from .events import AppealDecided
        from .services import keep_violation_record, set_aside_violation_record

        events.subscribe(DecisionRecorded, keep_violation_record)
        events.subscribe(AppealDecided, set_aside_violation_record)
        events.subscribe(DecisionRecorded, returns.close_breaches)
        from steward.training.events import CoursePassed

        events.subscribe(CoursePassed, returns.course_passed)  # the onboarding course completes its step
        scheduler.daily("decisions.returns", function=returns.run_daily, at=datetime.time(settings.STEWARD_RETURNS_HOUR))
        cases.register_timeline_labels("restriction", InterimRestriction.choices)
        cases.register_timeline_labels("interim_ended", InterimMeasure.Ended.choices)
        # Appeals: who decides them, what the follow-up page asks, their emails and timeline labels.
        from django.utils.translation import gettext_lazy as _

        from .appeals import AppealsForCases
        from .models import Appeal

        permissions.register_appeals()
        providers.provide_appeals(AppealsForCases())
        cases.register_timeline_labels("appellant", [(Appeal.Appellant.REPORTER, _("reporter")),
                                                     (Appeal.Appellant.REPORTED, _("person it applies to"))])
        cases.register_timeline_labels("appeal_outcome", Appeal.Status.choices)
        # The reporters told the proposed outcome: what their follow-up page shows and records.
        from .reporter_feedback import ProposalFeedbackForCases

        providers.provide_proposal_feedback(ProposalFeedbackForCases())
