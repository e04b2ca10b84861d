"""Interim measures: while a case is open, whoever may decide it can protect the people involved
with a temporary measure (who, where, what, until when, and why, sealed). A measure ends on its
date (the daily job, `end_due_measures`) or when the case's decision is recorded
(`end_for_decision`, subscribed to `DecisionRecorded`). Each change publishes an event, so the
enforcement work can roll the measure out and back."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, Party, Space, Status
from steward.core import access, audit, events
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.registry.models import Person, System

from .events import DecisionRecorded, InterimMeasureEnded, InterimMeasureImposed
from .models import InterimMeasure, InterimRestriction
from .permissions import ReturnAction

# The daily job ends measures in Steward's own name.
INTERIM_JOB = SystemActor("interim measures")

# A case that is decided, closed or being reopened has no room for an interim measure.
OPEN_STATUSES = frozenset({Status.NEW, Status.TRIAGED, Status.INVESTIGATING, Status.AWAITING_DECISION})


class InterimError(DomainError):
    """A refused interim measure; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def _validate(case: Case, *, subject: Person | None, restriction: str, systems: Sequence[str],
              ends_on: datetime.date | None, reason: str, today: datetime.date) -> Person:
    if case.erased_at is not None:
        raise InterimError("__all__", _("This case was erased: nothing can be added to it."))
    if case.status not in OPEN_STATUSES:
        raise InterimError("__all__", _("Interim measures are for open cases; this one is “%(status)s”.") % {
            "status": case.get_status_display()})
    if subject is None or not Party.objects.filter(case=case, person=subject).exists():
        raise InterimError("subject", _("Choose one of the people involved in this case."))
    if restriction not in InterimRestriction.values:
        raise InterimError("restriction", _("Choose the restriction from the list."))
    unknown = [system for system in systems if system not in System.values]
    if unknown:
        raise InterimError("systems", _("Unknown system: %(system)s.") % {"system": ", ".join(unknown)})
    if ends_on is None or ends_on <= today:
        raise InterimError("ends_on", _("An interim measure ends on a date in the future."))
    if not reason.strip():
        raise InterimError("reason", _("Write why the measure is needed."))
    return subject


@transaction.atomic
def impose(case: Case, *, by: User, subject: Person | None, restriction: str, ends_on: datetime.date | None,
           reason: str, spaces: Sequence[Space] = (), systems: Sequence[str] = (),
           ip: str | None = None) -> InterimMeasure:
    """Impose a measure on one person involved in an open case; empty `spaces`/`systems` mean everywhere."""
    case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
    access.require(by, ReturnAction.IMPOSE_INTERIM, case)
    today = timezone.localdate()
    subject = _validate(case, subject=subject, restriction=restriction, systems=systems, ends_on=ends_on,
                        reason=reason, today=today)
    if ends_on is None:  # _validate refused it already; this tells the type checker
        raise InterimError("ends_on", _("An interim measure ends on a date in the future."))
    measure = InterimMeasure(case=case, subject=subject, restriction=restriction, systems=sorted(set(systems)),
                             starts_on=today, ends_on=ends_on, imposed_by=by)
    measure.reason = reason.strip()
    measure.save(force_insert=True)
    measure.spaces.set(spaces)
    cases.record_event(case, "interim_imposed", by, restriction=restriction, ends_on=ends_on.isoformat())
    audit.record(by, "decision.interim_impose", case, ip=ip, detail={
        "measure": measure.pk, "subject": subject.pk, "restriction": restriction, "ends_on": ends_on.isoformat()})
    events.publish(InterimMeasureImposed(
        measure=measure.pk, case=case.pk, subject=subject.pk, restriction=restriction,
        spaces=tuple(sorted(space.pk for space in spaces)), systems=tuple(measure.systems), starts_on=today,
        ends_on=ends_on, by=by.pk))
    return measure


def _end(measure: InterimMeasure, because: str, by: access.Actor | None) -> None:
    measure.ended_at, measure.ended_because = timezone.now(), because
    measure.save(update_fields=["ended_at", "ended_because"])
    cases.record_event(measure.case, "interim_ended", by if isinstance(by, User) else None,
                       restriction=measure.restriction, because=because)
    events.publish(InterimMeasureEnded(measure=measure.pk, case=measure.case_id, subject=measure.subject_id,
                                       because=because))


@transaction.atomic
def end_due_measures(today: datetime.date | None = None) -> int:
    """The daily job: end the measures whose date has come (a measure runs through the day
    before its end date). Returns how many ended."""
    today = today or timezone.localdate()
    due = list(InterimMeasure.objects.select_for_update().select_related("case")
               .filter(ended_at__isnull=True, ends_on__lte=today))
    for measure in due:
        _end(measure, InterimMeasure.Ended.DATE, INTERIM_JOB)
        audit.record(INTERIM_JOB, "decision.interim_end", measure.case, detail={
            "measure": measure.pk, "because": InterimMeasure.Ended.DATE})
    return len(due)


def end_for_decision(event: DecisionRecorded) -> None:
    """The decision replaces the case's interim measures: they end with it (same transaction)."""
    measures = list(InterimMeasure.objects.select_for_update().select_related("case")
                    .filter(case_id=event.case, ended_at__isnull=True))
    for measure in measures:
        _end(measure, InterimMeasure.Ended.DECISION, None)


def for_case(case_id: int) -> list[InterimMeasure]:
    return list(InterimMeasure.objects.filter(case_id=case_id).select_related("imposed_by", "case__data_key")
                .prefetch_related("subject__identities__data_key", "spaces").order_by("imposed_at", "pk"))
