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

from . import consultation_rules, providers, services
from .consultation_rules import ConsultationNeeds
from .models import Case, CaseConflict, Consultation, Note, Part, Party, TimelineEvent, Triage
from .permissions import CaseAction


@dataclass(frozen=True)
class MessageLine:
    """One message with a reporter; its files only when the evidence is shared."""

    message: Any
    files: tuple[Any, ...]


class WithoutReporterIdentity:
    """A report read by someone the consultation does not tell who reported: its contact details
    read as empty, whatever the page or the API asks of it."""

    HIDDEN = frozenset({"contact_name", "contact_email", "contact_name_sealed", "contact_email_sealed",
                        "contact_email_index"})

    def __init__(self, report: Any) -> None:
        self._report = report

    def __getattr__(self, name: str) -> Any:
        if name in self.HIDDEN:
            return ""
        return getattr(self._report, name)


@dataclass(frozen=True)
class ReportPart:
    """One report of the case. `details` (the report's own text and facts) and `messages` are
    there when the reports are shared, `evidence` when the evidence is; the reporter's contact
    details only with the reporter's identity."""

    pk: int
    reference: str
    details: Any | None
    evidence: tuple[Any, ...]
    messages: tuple[MessageLine, ...]
    reporter_identity: bool = True


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
    consultation_needs: ConsultationNeeds | None  # the decision-making policy's verdict, for readers who may consult
    return_rows: Any = None  # interim measures, returns, check-ins, breaches (see cases.providers), full readers only
    rollout_rows: Any = None  # the enforcement app's rollout summaries (see cases.providers), full readers only

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
        timeline=_timeline(case, parts),
        notes=tuple(case.notes.select_related("author")) if Part.NOTES in parts else None,
        triages=tuple(case.triages.select_related("by")) if Part.NOTES in parts else (),
        parties=_parties(case, parts),
        consultations=tuple(consultations),
        conflicts=tuple(case.conflicts.filter(status=CaseConflict.Status.CONFIRMED)
                        .select_related("user")) if full else (),
        possible_conflicts=tuple(case.conflicts.filter(status=CaseConflict.Status.POSSIBLE)
                                 .select_related("user")) if CaseAction.RESOLVE_CONFLICT in allowed else (),
        decision_rows=tuple(providers.decisions().for_page(case.pk)) if full else (),
        consultation_needs=consultation_rules.consultation_needs(case) if CaseAction.CONSULT in allowed else None,
        return_rows=providers.decisions().returns_for_page(case.pk) if full else None,
        rollout_rows=rollout_provider.for_page(case.pk) if full and (rollout_provider := providers.rollouts()) else None,
    )


# Conflict events name a staff member found among the parties (or matching a reporter's email):
# they can tell who reported.
CONFLICT_EVENTS = ("conflict", "possible_conflict", "conflict_confirmed", "conflict_dismissed")


def _timeline(case: Case, parts: frozenset[str]) -> tuple[TimelineLine, ...] | None:
    if Part.SUMMARY not in parts:
        return None
    events = case.timeline.select_related("actor")
    if Part.REPORTER_IDENTITY not in parts:
        events = events.exclude(kind__in=CONFLICT_EVENTS)
    return tuple(TimelineLine(event, event.detail if Part.NOTES in parts and event.detail_sealed else "")
                 for event in events)


def _parties(case: Case, parts: frozenset[str]) -> tuple[Party, ...] | None:
    """The people involved; the reporters among them only with the reporter's identity."""
    if Part.PARTIES not in parts:
        return None
    parties = case.parties.select_related("person").prefetch_related("person__identities__data_key")
    if Part.REPORTER_IDENTITY not in parts:
        parties = parties.exclude(role=Party.Role.REPORTER)
    return tuple(parties)


def _reports(case: Case, parts: frozenset[str]) -> tuple[ReportPart, ...]:
    """The case's reports (from the reports app, see cases.providers) with only the shared parts."""
    texts, files, identity = Part.REPORTS in parts, Part.EVIDENCE in parts, Part.REPORTER_IDENTITY in parts
    if not (texts or files):
        return ()
    found = []
    for report in providers.reports().for_page(case.pk):
        messages = tuple(MessageLine(message, tuple(message.files.all()) if files else ())
                         for message in report.messages.all()) if texts else ()
        details = (report if identity else WithoutReporterIdentity(report)) if texts else None
        found.append(ReportPart(pk=report.pk, reference=report.reference, details=details,
                                evidence=tuple(report.evidence.all()) if files else (), messages=messages,
                                reporter_identity=identity))
    return tuple(found)


def read_reports(case: Case, *, by: User, ip: str | None) -> tuple[ReportPart, ...]:
    """The reports of a case as `by` may read them, for pages beside the case page (triage).
    Reading them is audited like the case page; nothing is audited when nothing is shown."""
    parts = access.parts(by, case)
    if Part.REPORTS not in parts:
        return ()
    services.view_case(case, by=by, ip=ip)
    return _reports(case, parts)
