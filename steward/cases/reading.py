"""What a staff member may see of a case: one read model, built by one service that checks
access, leaves out every part the reader may not see, and audits the read once.

Pages (and the API) render a `CaseView`; they never decide parts themselves. A part the reader
may not see is absent (None or empty), not hidden by the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from steward.core import access

from . import providers, services
from .models import Case, CaseConflict, Consultation, Note, Part, Party, TimelineEvent, Triage
from .permissions import CaseAction


@dataclass(frozen=True)
class MessageLine:
    """One message with a reporter; its files only when the evidence is shared."""

    message: Any
    files: tuple[Any, ...]


@dataclass(frozen=True)
class ReportPart:
    """One report of the case. `details` (the report's own text and facts) and `messages` are
    there when the reports are shared, `evidence` when the evidence is."""

    pk: int
    reference: str
    details: Any | None
    evidence: tuple[Any, ...]
    messages: tuple[MessageLine, ...]


@dataclass(frozen=True)
class TimelineLine:
    event: TimelineEvent
    detail: str  # the free text beside the event (a reason), only with the notes


@dataclass(frozen=True)
class CaseView:
    """A case as one staff member may see it."""

    case: Case  # reference, status and erasure: what every reader of the page is shown
    parts: frozenset[str]
    full: bool  # read through a role or the assignment, not a consultation
    allowed: frozenset[str]
    summary: Case | None  # priority, status, title, dates, assignee, decision summary
    report_parts: tuple[ReportPart, ...]
    timeline: tuple[TimelineLine, ...] | None
    notes: tuple[Note, ...] | None
    triages: tuple[Triage, ...]
    parties: tuple[Party, ...] | None
    consultations: tuple[Consultation, ...]  # all of them for full readers; a consultant's own otherwise
    conflicts: tuple[CaseConflict, ...]
    possible_conflicts: tuple[CaseConflict, ...]
    decision_rows: tuple[Any, ...]  # the decisions app's rows (see cases.providers), for full readers only

    @property
    def can(self) -> dict[str, bool]:
        """Every action registered on cases (by any app), for the page's `can.<action>` checks."""
        return {str(action): action in self.allowed for action in access.actions_of(Case)}


def _case_rows() -> Any:
    return Case.objects.select_related("space", "assignee", "data_key", "merged_into")


def read_case(by: User, case_id: object, *, ip: str | None) -> CaseView:
    """The case page's content for `by`: `access.Hidden` when the case is missing or hidden from
    them, `access.Denied` when they may not read it. Audited once ("case.view"); whoever is shown
    the reporters' messages has read them."""
    case = access.fetch(by, CaseAction.VIEW, _case_rows(), case_id)
    services.view_case(case, by=by, ip=ip, messages_shown=True)
    return build(case, by=by)


def build(case: Case, *, by: User) -> CaseView:
    """The read model of a case `by` was already allowed to read (no audit: the caller audits)."""
    parts = access.parts(by, case)
    full = access.reads_everything(by, case)
    allowed = access.actions(by, case)
    consultations = case.consultations.select_related("consultant", "requested_by", "case__data_key")
    if not full:
        consultations = consultations.filter(consultant=by)
    return CaseView(
        case=case, parts=parts, full=full, allowed=allowed,
        summary=case if Part.SUMMARY in parts else None,
        report_parts=_reports(case, parts),
        timeline=tuple(TimelineLine(event, event.detail if Part.NOTES in parts and event.detail_sealed else "")
                       for event in case.timeline.select_related("actor"))
        if Part.SUMMARY in parts else None,
        notes=tuple(case.notes.select_related("author")) if Part.NOTES in parts else None,
        triages=tuple(case.triages.select_related("by")) if Part.NOTES in parts else (),
        parties=tuple(case.parties.select_related("person").prefetch_related("person__identities__data_key"))
        if Part.PARTIES in parts else None,
        consultations=tuple(consultations),
        conflicts=tuple(case.conflicts.filter(status=CaseConflict.Status.CONFIRMED)
                        .select_related("user")) if full else (),
        possible_conflicts=tuple(case.conflicts.filter(status=CaseConflict.Status.POSSIBLE)
                                 .select_related("user")) if CaseAction.RESOLVE_CONFLICT in allowed else (),
        decision_rows=tuple(providers.decisions().for_page(case.pk)) if full else (),
    )


def _reports(case: Case, parts: frozenset[str]) -> tuple[ReportPart, ...]:
    """The case's reports (from the reports app, see cases.providers) with only the shared parts."""
    texts, files = Part.REPORTS in parts, Part.EVIDENCE in parts
    if not (texts or files):
        return ()
    found = []
    for report in providers.reports().for_page(case.pk):
        messages = tuple(MessageLine(message, tuple(message.files.all()) if files else ())
                         for message in report.messages.all()) if texts else ()
        found.append(ReportPart(pk=report.pk, reference=report.reference, details=report if texts else None,
                                evidence=tuple(report.evidence.all()) if files else (), messages=messages))
    return tuple(found)


def read_reports(case: Case, *, by: User, ip: str | None) -> tuple[ReportPart, ...]:
    """The reports of a case as `by` may read them, for pages beside the case page (triage).
    Reading them is audited like the case page; nothing is audited when nothing is shown."""
    parts = access.parts(by, case)
    if Part.REPORTS not in parts:
        return ()
    services.view_case(case, by=by, ip=ip)
    return _reports(case, parts)
