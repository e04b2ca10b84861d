"""Retention: how long a closed case is kept, by outcome, and the purge that erases
the cases past it. Periods come from settings (see docs/operator-guide.md, Retention)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from steward.cases.models import Case, ErasureReason, Status
from steward.core.errors import DomainError
from steward.decisions.models import Ban, Decision, Outcome
from steward.reports import services as reports

from .erasure import erase_case
from .permissions import PURGE

# A stored file with no evidence row is left over from a failed upload or an interrupted
# erasure; younger ones may belong to an upload still being saved.
ORPHAN_FILE_AGE = datetime.timedelta(days=1)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def decision_keep_until(decision: Decision, closed: datetime.datetime) -> datetime.datetime | None:
    """Until when one decision requires its case to be kept; None while it must be kept for good."""
    if decision.ban == Ban.PERMANENT:
        return None
    if decision.ban == Ban.TEMPORARY:
        if decision.ends_on is None:  # cannot be recorded so; if it ever is, keep the case rather than guess
            return None
        end = _add_years(max(decision.ends_on, timezone.localdate(closed)), settings.STEWARD_RETENTION_BAN_YEARS_AFTER)
        return datetime.datetime.combine(end, datetime.time.min, tzinfo=closed.tzinfo) + datetime.timedelta(days=1)
    if decision.outcome == Outcome.NO_VIOLATION:
        return closed + datetime.timedelta(days=settings.STEWARD_RETENTION_NO_VIOLATION_DAYS)
    return closed + datetime.timedelta(days=settings.STEWARD_RETENTION_RESOLVED_DAYS)


def keep_until(case: Case) -> datetime.datetime | None:
    """Until when a closed case is kept: the longest period any of its decisions asks for.

    None when it is kept for good (a permanent ban) or not closed at all."""
    if case.status != Status.CLOSED or case.closed_at is None:
        return None
    decisions = list(case.decisions.all())
    if not decisions:
        return case.closed_at + datetime.timedelta(days=settings.STEWARD_RETENTION_UNDECIDED_CLOSED_DAYS)
    ends = [decision_keep_until(decision, case.closed_at) for decision in decisions]
    if any(end is None for end in ends):
        return None
    return max(end for end in ends if end is not None)


@dataclass
class Purged:
    reference: str
    outcomes: list[str]


def expired_cases(now: datetime.datetime | None = None) -> list[Case]:
    now = now or timezone.now()
    closed = (Case.objects.filter(status=Status.CLOSED, erased_at__isnull=True, closed_at__isnull=False)
              .prefetch_related(Prefetch("decisions", queryset=Decision.objects.order_by("pk"))).order_by("pk"))
    expired = []
    for case in closed.iterator(chunk_size=500):
        until = keep_until(case)
        if until is not None and until <= now:
            expired.append(case)
    return expired


def purge_expired(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[Purged]:
    """Erase every closed case past its retention period (as the system, not a person)."""
    purged = []
    for case in expired_cases(now):
        outcomes = [decision.code for decision in case.decisions.all()]
        if not dry_run:
            try:
                erase_case(case, by=PURGE, reason=ErasureReason.RETENTION)
            except DomainError:  # erased meanwhile (by a person, or a purge running at the same time)
                continue
        purged.append(Purged(reference=case.reference, outcomes=outcomes))
    if not dry_run:
        remove_orphan_files()  # files an erasure interrupted after its commit left behind
        reports.purge_held(now)  # files of forms never sent again, receipt codes past their day
    return purged


def remove_orphan_files() -> int:
    """Delete stored files no row points at (an erasure interrupted after its commit, an upload whose
    process died before it could clean up), in whichever storage is configured."""
    return reports.remove_orphan_files(older_than=timezone.now() - ORPHAN_FILE_AGE)
