"""Recording a decision: one function checks who may, validates, moves the case to
"decided", seals the texts, writes the timeline and the audit log, in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, Party, Status
from steward.core import access, audit, events
from steward.core.errors import DomainError
from steward.registry.models import Person

from .events import DecisionRecorded
from .models import BANS, Decision, Outcome
from .permissions import DecisionAction


class DecisionError(DomainError):
    """A refused decision; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def _validate(case: Case, *, outcome: str, subject: Person | None, ban_until: datetime.date | None,
              reporter_summary: str, rationale: str, today: datetime.date) -> None:
    if outcome not in Outcome.values:
        raise DecisionError("outcome", _("Choose an outcome from the consequence ladder."))
    if outcome == Outcome.TEMPORARY_BAN:
        if ban_until is None:
            raise DecisionError("ban_until", _("A temporary ban needs the date it ends."))
        if ban_until <= today:
            raise DecisionError("ban_until", _("The end of a temporary ban must be a date in the future."))
    elif ban_until is not None:
        raise DecisionError("ban_until", _("Only a temporary ban has an end date; leave it empty for this outcome."))
    if outcome in BANS and subject is None:
        raise DecisionError("subject", _("Choose the person the ban applies to."))
    if subject is not None and not Party.objects.filter(case=case, person=subject).exists():
        raise DecisionError("subject", _("The person must be one of the people involved in this case."))
    if not reporter_summary.strip():
        raise DecisionError("reporter_summary", _("Write the decision summary the reporter will see."))
    if not rationale.strip():
        raise DecisionError("rationale", _("Write the reasons for the decision."))


def read_for_decision(case: Case, *, by: User, ip: str | None) -> None:
    """The decision page shows who is involved in the case: a read of its content, audited."""
    access.require(by, DecisionAction.DECIDE, case)
    audit.record(by, "case.view", case, ip=ip, detail={"page": "decision"})


@transaction.atomic
def record_decision(case: Case, *, by: User, outcome: str, reporter_summary: str, rationale: str,
                    subject: Person | None = None, ban_until: datetime.date | None = None,
                    ip: str | None = None) -> Decision:
    case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
    access.require(by, DecisionAction.DECIDE, case)
    if case.erased_at is not None:
        raise DecisionError("__all__", _("This case was erased: nothing can be added to it."))
    if case.status != Status.AWAITING_DECISION:
        raise DecisionError("__all__", _("Only a case awaiting a decision can be decided; this one is “%(status)s”.") % {
            "status": case.get_status_display()})
    _validate(case, outcome=outcome, subject=subject, ban_until=ban_until, reporter_summary=reporter_summary,
              rationale=rationale, today=timezone.localdate())
    case = cases.decide_case(case, by=by, authority=DecisionAction.DECIDE, decision_summary=reporter_summary, ip=ip)
    decision = Decision(case=case, subject=subject, outcome=outcome, ban_until=ban_until, decided_by=by)
    decision.reporter_summary, decision.rationale = reporter_summary, rationale
    decision.save(force_insert=True)
    cases.record_event(case, "decided", by, outcome=outcome,
                       ban_until=ban_until.isoformat() if ban_until else None)
    audit.record(by, "decision.record", decision, ip=ip, detail={
        "case": case.pk, "outcome": outcome, "subject": subject.pk if subject else None,
        "ban_until": ban_until.isoformat() if ban_until else None})
    events.publish(DecisionRecorded(decision=decision.pk, case=case.pk, outcome=outcome,
                                    subject=subject.pk if subject else None, ban_until=ban_until, by=by.pk))
    return decision


class DecisionsForCases:
    """What the cases app may ask of a case's decisions (`steward.cases.providers`)."""

    def for_page(self, case_id: int) -> list[Decision]:
        return list(Decision.objects.filter(case_id=case_id).select_related("subject", "decided_by", "case__data_key")
                    .prefetch_related("subject__identities__data_key").order_by("decided_at", "pk"))


def history(people: list[Person], *, by: User, exclude_case: Case | None = None) -> list[Decision]:
    """Earlier decisions about these people, for the ladder (the outcome and dates only).

    A case hidden from `by` by a conflict of interest is left out entirely: its reference, its
    outcome and its weight in the count are not theirs to see."""
    decisions = (Decision.objects.filter(subject__in=people).exclude(case__in=cases.hidden_case_ids(by))
                 .select_related("case").order_by("-decided_at"))
    if exclude_case is not None:
        decisions = decisions.exclude(case=exclude_case)
    return list(decisions)


def active_bans(person: Person, today: datetime.date | None = None) -> list[Decision]:
    return list(Decision.objects.filter(subject=person).active_bans(today))


@dataclass(frozen=True)
class KeptBans:
    """What an erasure leaves linked to people: the bans still in force (count) and their subjects."""

    decisions: int
    people: frozenset[int]


def forget_subjects(case: Case, *, by: access.Actor, authority: StrEnum, today: datetime.date | None = None) -> KeptBans:
    """Erasure of `case`: its decisions stay as counts, no longer linked to anyone, except a ban
    still in force, which keeps its subject so it can go on being enforced. `authority` is the
    retention app's action that allows erasing."""
    access.require(by, authority, case)
    today = today or timezone.localdate()
    decisions = list(Decision.objects.select_for_update().filter(case=case))
    kept = [d for d in decisions if d.subject_id is not None and d.is_active_ban(today)]
    Decision.objects.filter(pk__in=[d.pk for d in decisions if d not in kept]).update(subject=None)
    return KeptBans(decisions=len(kept), people=frozenset(d.subject_id for d in kept if d.subject_id is not None))
