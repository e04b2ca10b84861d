"""Every change to a case goes through one function here: it checks who may do it,
writes, adds the timeline event, audits and writes its emails to the outbox, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, crypto, events, outbox
from steward.core.actors import SystemActor
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import DataKey
from steward.policy import services as policy
from steward.registry import services as registry

from . import conflicts, consultation_rules, providers, sla, timeline
from .conflicts import hidden_case_ids as hidden_case_ids  # for the apps above: cases hidden from a staff member
from .consultation_rules import RequiredConsultation as RequiredConsultation  # the decision-making policy, for decisions
from .consultation_rules import RequirementState as RequirementState
from .consultation_rules import required_consultations as required_consultations
from .events import CasesMerged, ReportSplitOff
from .messages import AssigneeNotice, SecurityAlert
from .models import RANK, Case, CaseReading, ErasureReason, Note, Part, Party, Priority, Space, Status, TimelineEvent, Triage
from .permissions import CaseAction, may_be_assigned
from .spaces import active_space as active_space  # for the report form: the spaces offered, cached
from .spaces import space_choices as space_choices
from .timeline import staff_name as staff_name  # part of this module's interface for the apps above
from .triage import TriageAnswers as TriageAnswers
from .triage import propose_priority as propose_priority

# Which status may follow which. Closing is possible from any open state (e.g. no violation).
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.TRIAGED, Status.CLOSED},
    Status.TRIAGED: {Status.INVESTIGATING, Status.AWAITING_DECISION, Status.CLOSED},
    Status.INVESTIGATING: {Status.AWAITING_DECISION, Status.CLOSED},
    Status.AWAITING_DECISION: {Status.DECIDED, Status.INVESTIGATING, Status.CLOSED},
    Status.DECIDED: {Status.CLOSED},
    Status.CLOSED: {Status.REOPENED},
    Status.REOPENED: {Status.TRIAGED, Status.INVESTIGATING, Status.AWAITING_DECISION, Status.CLOSED},
}


def record_event(case: Case, kind: str, by: access.Actor | None = None, detail: str = "", **data: object) -> None:
    """Add an event to the case's timeline (for the apps above, which write their events through here);
    `by` is the staff member shown beside it (none for system work)."""
    TimelineEvent.add(case, kind, by, detail, **data)


def open_case(*, space: Space | None, danger: bool, ongoing: bool | None, language: str, channel: str,
              opened_at: datetime | None = None, data_key: DataKey | None = None) -> Case:
    """Called by intake, inside its transaction. A report of danger is P1 from the first second.

    `data_key`: a case key the caller has just made along with its own (crypto.new_data_keys), never one in use:
    destroying a case's key erases that case alone."""
    opened_at = opened_at or timezone.now()
    priority = Priority.P1 if danger else None
    if data_key is not None and (data_key.purpose != DataKey.Purpose.CASE or data_key.pk is None):
        raise ValueError("open_case needs a fresh, stored case data key")
    case = Case(space=space, danger=danger, ongoing=ongoing, language=language, opened_at=opened_at,
                data_key=data_key or crypto.new_data_key(DataKey.Purpose.CASE), due_at=sla.due(priority, start=opened_at))
    case.set_priority(priority)
    case.save()
    record_event(case, "opened", channel=channel)
    audit.record(None, "case.open", case, actor_kind="reporter" if channel == "web" else "staff")
    if danger:
        record_event(case, "safety_alert")
        outbox.send(SecurityAlert(case=case.pk))
    return case


# Timeline events that mean a reporter wrote to us (a message, files, or both).
REPORTER_MESSAGE_EVENTS = ("message_from_reporter", "evidence_added")
TITLE_MAX_LENGTH = 120


def view_case(case: Case, *, by: User, ip: str | None, messages_shown: bool = False) -> Case:
    """Reading a case's content is itself audited. Whoever is shown the reporters' messages has read them."""
    access.require(by, CaseAction.VIEW, case)
    audit.record(by, "case.view", case, ip=ip)
    if messages_shown and Part.REPORTS in access.parts(by, case):
        CaseReading.objects.update_or_create(case=case, user=by, defaults={"messages_seen_at": timezone.now()})
    return case


@transaction.atomic
def set_case_title(case: Case, *, by: User, title: str, ip: str | None = None) -> Case:
    """Give the case a short neutral title for the queue (empty: untitled). Sealed with the case's key."""
    access.require(by, CaseAction.NOTE, case)
    case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
    title = " ".join(title.split())
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(_("The title is longer than %(limit)s characters.") % {"limit": TITLE_MAX_LENGTH})
    if title == case.title:
        return case
    case.title = title
    case.save(update_fields=["title_sealed"])
    record_event(case, "titled" if title else "untitled", by, title)
    audit.record(by, "case.title", case, ip=ip)
    return case


@transaction.atomic
def triage_case(case: Case, *, by: User, answers: TriageAnswers, priority: str, reason: str,
                ip: str | None = None) -> Case:
    access.require(by, CaseAction.TRIAGE, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in {Status.NEW, Status.TRIAGED, Status.REOPENED}:
        raise InvalidTransition(case.get_status_display(), Status.TRIAGED.label)
    proposed = propose_priority(answers)
    if priority != proposed and not reason.strip():
        raise DomainError(_("Explain why the priority differs from the proposed %(proposed)s.") % {"proposed": proposed})
    now = timezone.now()
    old_status = case.status
    case.set_priority(priority)
    case.status, case.triaged_at = Status.TRIAGED, now
    case.danger = case.danger or answers.danger
    case.ongoing = answers.ongoing
    case.due_at = sla.due(priority, start=now)
    case.save(update_fields=["priority", "rank", "status", "triaged_at", "danger", "ongoing", "due_at"])
    triage = Triage(case=case, by=by, proposed=proposed, priority=priority)
    triage.answers_json, triage.reason = json.dumps(asdict(answers)), reason
    triage.save(force_insert=True)
    record_event(case, "triaged", by, reason, priority=priority, proposed=str(proposed))
    if old_status != Status.TRIAGED:
        record_event(case, "status", by, old=old_status, new=Status.TRIAGED)
    audit.record(by, "case.triage", case, ip=ip, detail={"priority": priority, "proposed": str(proposed)})
    if priority == Priority.P1:
        record_event(case, "safety_alert", by)
        outbox.send(SecurityAlert(case=case.pk))
    return case


def notify_assignee(case: Case, reason: str) -> None:
    """Email the case's assignee that something needs them (an outbox row in the caller's transaction)."""
    outbox.send(AssigneeNotice(case=case.pk, reason=reason))


@transaction.atomic
def assign_case(case: Case, *, by: User, assignee: User | None, ip: str | None = None) -> Case:
    access.require(by, CaseAction.ASSIGN, case)
    if assignee is not None and not may_be_assigned(assignee):
        raise DomainError(_("%(name)s cannot be assigned cases.") % {"name": assignee.get_username()})
    if assignee is not None and access.facts(assignee, case).conflicted:
        raise DomainError(_("%(name)s has a conflict of interest on this case and cannot be assigned.") % {
            "name": assignee.get_username()})
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    if assignee is None:
        record_event(case, "unassigned", by)
    else:
        record_event(case, "assigned", by, assignee=staff_name(assignee))
        notify_assignee(case, AssigneeNotice.ASSIGNED)
    audit.record(by, "case.assign", case, ip=ip, detail={"assignee": assignee.pk if assignee else None})
    return case


@transaction.atomic
def move_case(case: Case, *, by: User, to: str, reason: str = "", ip: str | None = None) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require(by, CaseAction.TRANSITION, case)
    if to == Status.DECIDED:  # one way to "decided": recording the decision (decisions.services.record_decision)
        raise DomainError(_("A case is decided only by recording the decision, on its decision page."))
    _check_move(case, to)
    if to == Status.TRIAGED:
        raise DomainError(_("Use the triage form to triage a case."))
    return _change_status(case, by=by, to=to, reason=reason, ip=ip)


def decide_case(case: Case, *, by: User, authority: StrEnum, decision_summary: str, ip: str | None = None,
                again: bool = False) -> Case:
    """Move a case to "decided". Only `decisions.services.record_decision` calls this, inside the
    transaction in which it writes the Decision row, so no decided case is without its decision.
    `authority` is the decisions app's action that allows deciding (cases sits below it and does
    not name it); it is checked again here. `again`: a decided case whose decision an appeal
    changed stays decided, with the new decision's summary for the reporter."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require(by, authority, case)
    if not decision_summary.strip():
        raise DomainError(_("Write the decision summary the reporter will see."))
    if again and case.status == Status.DECIDED and case.erased_at is None:
        case.decision_summary = decision_summary
        case.save(update_fields=["decision_summary_sealed"])
        return case
    _check_move(case, Status.DECIDED)
    case.decision_summary = decision_summary
    return _change_status(case, by=by, to=Status.DECIDED, reason="", ip=ip)


def _check_move(case: Case, to: str) -> None:
    if case.erased_at is not None:
        raise DomainError(_("This case was erased: its status can no longer change."))
    if to not in TRANSITIONS.get(case.status, set()):
        raise InvalidTransition(case.get_status_display(), Status(to).label if to in Status.values else to)


def _change_status(case: Case, *, by: User, to: str, reason: str, ip: str | None) -> Case:
    old = case.status
    case.status = to
    case.closed_at = timezone.now() if to == Status.CLOSED else None
    if to == Status.REOPENED:
        case.due_at = sla.due(case.priority, start=timezone.now())
    case.save(update_fields=["status", "closed_at", "due_at", "decision_summary_sealed"])
    record_event(case, "status", by, reason, old=old, new=to)
    audit.record(by, "case.status", case, ip=ip, detail={"from": old, "to": to})
    return case


@transaction.atomic
def add_note(case: Case, *, by: User, body: str, ip: str | None = None) -> Note:
    access.require(by, CaseAction.NOTE, case)
    if not body.strip():
        raise DomainError(_("The note is empty."))
    note = Note(case=case, author=by)
    note.body = body
    note.save(force_insert=True)
    record_event(case, "note", by)
    audit.record(by, "case.note", case, ip=ip, detail={"note": note.pk})
    return note


@transaction.atomic
def add_party(case: Case, *, system: str, handle: str, role: str, by: User | SystemActor,
              ip: str | None = None) -> Party:
    """Record a person involved; one transaction with the conflict check it triggers. Intake acts
    as `INTAKE` (the reporter named the account), staff as themselves."""
    access.require(by, CaseAction.RECORD_PARTY, case)
    if role not in Party.Role.values:
        raise DomainError(_("Unknown role."))
    if not handle.strip():
        raise DomainError(_("Give the account name."))
    person = registry.identify(system, handle)
    party, created = Party.objects.get_or_create(case=case, person=person, role=role)
    if created:
        record_event(case, "party_added", by, role=str(Party.Role(role).label))
        audit.record(by, "case.party", case, ip=ip, detail={"person": person.pk, "role": role})
        conflicts.detect(case, by=by, ip=ip)  # a staff member among the parties loses the case now
    return party


def detect_conflicts(case: Case, *, by: access.Actor, ip: str | None = None) -> None:
    """Record the conflicts of interest the case's data now shows (intake, after its parties are in)."""
    conflicts.detect(case, by=by, ip=ip)


def check_consultations_before_decision(case: Case, *, by: User, authority: StrEnum, override_reason: str = "",
                                        ip: str | None = None) -> tuple[RequiredConsultation, ...]:
    """For `decisions.services.record_decision`, inside its transaction: refuses (DomainError naming
    them) while a required consultation is open or not asked, unless `override_reason` is given,
    which is sealed on the timeline and audited as "decision.consultation_override"."""
    return consultation_rules.check_before_decision(case, by=by, authority=authority, override_reason=override_reason,
                                                    ip=ip)


def register_timeline_labels(field: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Apps above add how their stored codes read on the timeline (decisions: outcomes)."""
    timeline.register_labels(field, choices)


def erase_case_data(case: Case, *, by: access.Actor, authority: StrEnum, reason: str,
                    keep_reported: Iterable[int] = ()) -> set[int]:
    """Crypto-erasure of the case's own content, inside the erasure's transaction (`retention`):
    its data key is destroyed (notes, triage reasons, titles, decision texts become unreadable), the
    people involved are removed except the reported people in `keep_reported` (a ban still in force),
    and the case is marked erased. Returns the ids of the people no longer party to it.
    `authority` is the retention app's action that allows erasing (cases does not name it)."""
    access.require(by, authority, case)
    if reason not in ErasureReason.values:
        raise DomainError(_("Choose why the case is erased."))
    if case.erased_at is not None:
        raise DomainError(_("This case was already erased."))
    kept = set(keep_reported)
    crypto.destroy(case.data_key)
    parties = Party.objects.filter(case=case)
    people = set(parties.values_list("person_id", flat=True))
    parties.exclude(person_id__in=kept, role=Party.Role.REPORTED).delete()
    case.erased_at, case.erasure_reason = timezone.now(), reason
    case.save(update_fields=["erased_at", "erasure_reason"])
    record_event(case, "erased", by, reason=reason)
    return people - set(Party.objects.filter(case=case).values_list("person_id", flat=True))


def _no_case(ids: Iterable[int]) -> str:
    return _("No case %(refs)s.") % {"refs": ", ".join(f"C-{pk:05d}" for pk in sorted(ids))}


def merge_cases_by_id(target: Case, case_ids: Iterable[int], *, by: User, ip: str | None = None) -> Case:
    """Merge the cases with these ids into `target`. A case hidden from `by` by a conflict of interest
    is answered exactly like one that does not exist, so the answer does not confirm it exists."""
    wanted = set(case_ids)
    sources = [c for c in Case.objects.filter(pk__in=wanted).order_by("pk") if not access.is_conflicted(by, c)]
    missing = wanted - {c.pk for c in sources}
    if missing:
        raise DomainError(_no_case(missing))
    return merge_cases(target, sources, by=by, ip=ip)


@transaction.atomic
def merge_cases(target: Case, sources: Iterable[Case], *, by: User, ip: str | None = None) -> Case:
    """Bring the reports, parties and threads of other cases about the same incident or person into one."""
    access.require(by, CaseAction.MERGE, target)
    # Locked and read afresh: the priority, due time and merged state are decided on current values.
    target = Case.objects.select_for_update().get(pk=target.pk)
    sources = list(Case.objects.select_for_update().filter(pk__in=[s.pk for s in sources]).exclude(pk=target.pk)
                   .order_by("pk"))
    if not sources:
        raise DomainError(_("Choose at least one other case to merge."))
    if not target.is_open:
        raise DomainError(_("A closed case cannot receive other cases; reopen it first."))
    for source in sources:
        if access.is_conflicted(by, source):  # answered as for a case that does not exist
            raise DomainError(_no_case([source.pk]))
        access.require(by, CaseAction.MERGE, source)
        if source.merged_into_id:
            raise DomainError(_("Case %(ref)s was already merged.") % {"ref": source.reference})
        for party in source.parties.all():
            Party.objects.get_or_create(case=target, person=party.person, role=party.role)
        conflicts.carry_over(source, target, by=by, ip=ip)  # declared and confirmed conflicts follow the reports
        for note in source.notes.all():  # notes are sealed with the case key: reseal under the target's
            moved = Note(case=target, author=note.author, at=note.at)
            moved.body = note.body
            moved.save(force_insert=True)
        old = source.status
        source.status, source.closed_at, source.merged_into = Status.CLOSED, timezone.now(), target
        source.save(update_fields=["status", "closed_at", "merged_into"])
        record_event(source, "merged_away", by, target=target.reference)
        record_event(source, "status", by, old=old, new=Status.CLOSED)
        record_event(target, "merged_in", by, source=source.reference)
        # The merged case is as urgent as its most urgent part; an untriaged source does not un-triage it.
        if source.priority is not None and source.rank < target.rank:
            target.set_priority(source.priority)
            target.due_at = min(target.due_at, source.due_at)
        target.danger = target.danger or source.danger
        audit.record(by, "case.merge", target, ip=ip, detail={"source": source.pk})
    target.save(update_fields=["priority", "rank", "due_at", "danger"])
    # The reports app moves the sources' reports to the target (they keep their own data keys,
    # so no re-encryption), before the conflicts of the reporters merged in are looked for.
    events.publish(CasesMerged(target=target.pk, sources=tuple(source.pk for source in sources), by=by.pk))
    conflicts.detect(target, by=by, ip=ip)  # the parties and reporters merged in bring their conflicts
    return target


@transaction.atomic
def split_report(case: Case, *, report_id: int, by: User, ip: str | None = None) -> Case:
    """Move one report out of a case into a new case of its own (e.g. a wrong merge)."""
    access.require(by, CaseAction.SPLIT, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    filed = providers.reports().filed([case.pk])
    if len(filed) < 2:
        raise DomainError(_("A case needs at least two reports to split one off."))
    report = next((found for found in filed if found.pk == report_id), None)
    if report is None:
        raise DomainError(_("That report is not part of this case."))
    new_case = Case(space_id=report.space, danger=bool(report.danger_now), ongoing=report.ongoing,
                    language=report.language, data_key=crypto.new_data_key(DataKey.Purpose.CASE),
                    due_at=sla.due(case.priority, start=timezone.now()))
    new_case.set_priority(case.priority)
    new_case.status = Status.NEW if case.priority is None else Status.TRIAGED
    new_case.save()
    events.publish(ReportSplitOff(source=case.pk, target=new_case.pk, report=report.pk, by=by.pk))  # reports moves it
    record_event(case, "split_out", by, report=report.reference, target=new_case.reference)
    record_event(new_case, "split_from", by, report=report.reference, source=case.reference)
    audit.record(by, "case.split", case, ip=ip, detail={"report": report.pk, "new_case": new_case.pk})
    # Which report named which person is not recorded, so every party and every conflict of the
    # case follows the report: the new case is never readable by someone who may not read this one.
    Party.objects.bulk_create([Party(case=new_case, person_id=person, role=role)
                               for person, role in case.parties.order_by("pk").values_list("person_id", "role")])
    conflicts.carry_over(case, new_case, by=by, ip=ip)
    conflicts.detect(new_case, by=by, ip=ip)  # recomputed: linked accounts, the moved report's reporter email
    return new_case


def queue(by: User, *, status: str = "", priority: str = "", space: str = "", assignee: str = "",
          overdue: bool = False, search: str = "") -> QuerySet[Case]:
    """The cases this person may see, most urgent first."""
    access.require(by, CaseAction.QUEUE)
    seen = CaseReading.objects.filter(case_id=OuterRef("case_id"), user_id=by.pk, messages_seen_at__gte=OuterRef("at"))
    unread = TimelineEvent.objects.filter(case_id=OuterRef("pk"), kind__in=REPORTER_MESSAGE_EVENTS).filter(~Exists(seen))
    cases = access.visible(by, Case.objects.select_related("space", "assignee", "data_key")).annotate(
        unread_messages=Exists(unread))
    if status == "open" or not status:
        cases = cases.exclude(status=Status.CLOSED)
    elif status in Status.values:
        cases = cases.filter(status=status)
    # Filter on rank (one rank per priority) so the (rank, due_at) queue index serves the filter.
    if priority == "untriaged":
        cases = cases.filter(rank=RANK[None])
    elif priority in Priority.values:
        cases = cases.filter(rank=RANK[Priority(priority)])
    if space.isdigit():
        cases = cases.filter(space_id=int(space))
    if assignee == "me":
        cases = cases.filter(assignee=by)
    elif assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif assignee.isdigit():
        cases = cases.filter(assignee_id=int(assignee))
    if overdue:
        cases = cases.filter(due_at__lt=timezone.now()).exclude(status=Status.CLOSED)
    if search := search.strip():
        cases = cases.filter(_search_filter(search))
    return cases.order_by("rank", "due_at", "pk")


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: the case with what it is about, for this reader."""

    case: Case
    title: str
    categories: list[str]
    unread: bool


def read_queue(by: User, cases: Sequence[Case], *, ip: str | None = None) -> list[QueueRow]:
    """The queue page as this person may read it, audited once (which cases were listed, no content).

    Titles are the case's own; the categories come from its reports, shown only to staff who may read
    the whole case. A fixed number of queries, whatever the number of cases."""
    access.require(by, CaseAction.QUEUE)
    cases = list(cases)
    readable = [case.pk for case in cases if access.reads_listed(by, case)]
    found = providers.reports().categories(readable) if readable else {}
    slugs = {case.pk: found.get(case.pk, []) for case in cases}
    every = sorted({slug for found in slugs.values() for slug in found})
    labels = dict(zip(every, policy.category_labels(every), strict=True)) if every else {}
    audit.record(by, "case.queue", None, ip=ip, detail={"cases": [case.pk for case in cases]})
    return [QueueRow(case=case, title=case.title, categories=[labels[slug] for slug in slugs[case.pk]],
                     unread=bool(getattr(case, "unread_messages", False))) for case in cases]


def _search_filter(term: str) -> Q:
    """Report text is encrypted, so search covers references and exact account names (blind index)."""
    upper = term.upper()
    reference = upper.removeprefix("C-").removeprefix("R-")
    condition = Q(pk__in=Party.objects.filter(person_id__in=registry.find_people(term)).values("case_id"))
    if reference.isdigit():
        if not upper.startswith("R-"):
            condition |= Q(pk=int(reference))
        if not upper.startswith("C-") and (holding := providers.reports().case_of(int(reference))) is not None:
            condition |= Q(pk=holding)
    return condition


# --- Telling a case's reporters (the decisions app: the outcome of an appeal) -----------------


def message_reporters(case: Case, *, by: User, authority: StrEnum, body: str) -> int:
    """Post `body` on the follow-up thread of each of the case's reporters, who are emailed the
    usual notice (no content); the reports app writes it (see cases.providers). `authority` is
    the calling app's action on the case, checked again here. Returns how many were written to."""
    access.require(by, authority, case)
    if not body.strip():
        raise DomainError(_("The message is empty."))
    return providers.reports().message_reporters(case.pk, by=by, body=body)


def move_for_new_decision(case: Case, *, by: User, authority: StrEnum, to: str, ip: str | None = None) -> Case:
    """A decided (or closed) case awaits a new decision again: a breach of its ban was recorded.
    Only `decisions.returns.record_breach` calls this, inside its transaction; `authority` is the
    decisions app's action that allows it, checked again here. Decided → awaiting decision, or
    closed → reopened (then → awaiting decision)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.require(by, authority, case)
    allowed: dict[str, str] = {Status.DECIDED: Status.AWAITING_DECISION, Status.CLOSED: Status.REOPENED,
               Status.REOPENED: Status.AWAITING_DECISION}
    if case.erased_at is not None:
        raise DomainError(_("This case was erased: its status can no longer change."))
    if allowed.get(case.status) != to:
        raise InvalidTransition(case.get_status_display(), Status(to).label if to in Status.values else to)
    return _change_status(case, by=by, to=to, reason="", ip=ip)
