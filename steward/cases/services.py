"""Every change to a case goes through one function here: it checks who may do it,
writes, adds the timeline event, audits and enqueues notifications, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, crypto, events
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import DataKey
from steward.registry import services as registry

from . import conflicts, sla, tasks
from .models import RANK, Case, Note, Party, Priority, Space, Status, TimelineEvent, Triage
from .triage import TriageAnswers, propose_priority

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


def record_event(case: Case, kind: str, by: User | None = None, detail: str = "", **data: object) -> None:
    TimelineEvent.objects.create(
        case=case, kind=kind, actor=by if by is not None and by.is_authenticated else None, data=data,
        detail_sealed=case.seal(detail, "timeline") if detail else None,
    )


def open_case(*, space: Space | None, danger: bool, ongoing: bool | None, language: str, channel: str,
              opened_at: datetime | None = None) -> Case:
    """Called by intake, inside its transaction. A report of danger is P1 from the first second."""
    opened_at = opened_at or timezone.now()
    priority = Priority.P1 if danger else None
    case = Case(space=space, danger=danger, ongoing=ongoing, language=language, opened_at=opened_at,
                data_key=crypto.new_data_key(DataKey.Purpose.CASE), due_at=sla.due(priority, start=opened_at))
    case.set_priority(priority)
    case.save()
    record_event(case, "opened", channel=channel)
    audit.record(None, "case.open", case, actor_kind="reporter" if channel == "web" else "staff")
    if danger:
        record_event(case, "safety_alert")
        transaction.on_commit(lambda: tasks.notify_security.enqueue(case.pk))
    return case


def view_case(case: Case, *, by: User, ip: str | None) -> Case:
    """Reading a case's content is itself audited."""
    access.require(by, "view", case)
    audit.record(by, "case.view", case, ip=ip)
    return case


@transaction.atomic
def triage_case(case: Case, *, by: User, answers: TriageAnswers, priority: str, reason: str,
                ip: str | None = None) -> Case:
    access.require(by, "triage", case)
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
    Triage.objects.create(case=case, by=by, proposed=proposed, priority=priority,
                          answers_sealed=case.seal(json.dumps(asdict(answers)), "triage_answers"),
                          reason_sealed=case.seal(reason, "triage_reason"))
    record_event(case, "triaged", by, reason, priority=priority, proposed=str(proposed))
    if old_status != Status.TRIAGED:
        record_event(case, "status", by, old=old_status, new=Status.TRIAGED)
    audit.record(by, "case.triage", case, ip=ip, detail={"priority": priority, "proposed": str(proposed)})
    if priority == Priority.P1:
        record_event(case, "safety_alert", by)
        transaction.on_commit(lambda: tasks.notify_security.enqueue(case.pk))
    return case


@transaction.atomic
def assign_case(case: Case, *, by: User, assignee: User | None, ip: str | None = None) -> Case:
    access.require(by, "assign", case)
    if assignee is not None and not access.may_be_assigned(assignee):
        raise DomainError(_("%(name)s cannot be assigned cases.") % {"name": assignee.get_username()})
    if assignee is not None and access.facts(assignee, case).conflicted:
        raise DomainError(_("%(name)s has a conflict of interest on this case and cannot be assigned.") % {
            "name": assignee.get_username()})
    case.assignee = assignee  # type: ignore[assignment]
    case.save(update_fields=["assignee"])
    if assignee is None:
        record_event(case, "unassigned", by)
    else:
        record_event(case, "assigned", by, assignee=staff_name(assignee))
        transaction.on_commit(lambda: tasks.notify_assignee.enqueue(case.pk, "assigned"))
    audit.record(by, "case.assign", case, ip=ip, detail={"assignee": assignee.pk if assignee else None})
    return case


@transaction.atomic
def move_case(case: Case, *, by: User, to: str, reason: str = "", decision_summary: str = "",
              ip: str | None = None) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    # Deciding is its own permission (checked on the current status): record_decision() moves a case to "decided".
    access.require(by, "decide" if to == Status.DECIDED else "transition", case)
    if case.erased_at is not None:
        raise DomainError(_("This case was erased: its status can no longer change."))
    if to not in TRANSITIONS.get(case.status, set()):
        raise InvalidTransition(case.get_status_display(), Status(to).label if to in Status.values else to)
    if to == Status.TRIAGED:
        raise DomainError(_("Use the triage form to triage a case."))
    if to == Status.DECIDED and not decision_summary.strip():
        raise DomainError(_("Write the decision summary the reporter will see."))
    old = case.status
    case.status = to
    if to == Status.DECIDED:
        case.decision_summary_sealed = case.seal(decision_summary, "decision_summary")
    case.closed_at = timezone.now() if to == Status.CLOSED else None
    if to == Status.REOPENED:
        case.due_at = sla.due(case.priority, start=timezone.now())
    case.save(update_fields=["status", "closed_at", "due_at", "decision_summary_sealed"])
    record_event(case, "status", by, reason, old=old, new=to)
    audit.record(by, "case.status", case, ip=ip, detail={"from": old, "to": to})
    return case


@transaction.atomic
def add_note(case: Case, *, by: User, body: str, ip: str | None = None) -> Note:
    access.require(by, "note", case)
    if not body.strip():
        raise DomainError(_("The note is empty."))
    note = Note.objects.create(case=case, author=by, body_sealed=case.seal(body, "note"))
    record_event(case, "note", by)
    audit.record(by, "case.note", case, ip=ip, detail={"note": note.pk})
    return note


def add_party(case: Case, *, system: str, handle: str, role: str, by: User | None = None,
              ip: str | None = None) -> Party:
    if by is not None:
        access.require(by, "note", case)
    if role not in Party.Role.values:
        raise DomainError(_("Unknown role."))
    if not handle.strip():
        raise DomainError(_("Give the account name."))
    person = registry.identify(system, handle)
    party, created = Party.objects.get_or_create(case=case, person=person, role=role)
    if created:
        record_event(case, "party_added", by, role=str(Party.Role(role).label))
        audit.record(by, "case.party", case, ip=ip, detail={"person": person.pk, "role": role},
                     actor_kind=None if by else "reporter")
        conflicts.detect(case, by=by, ip=ip)  # a staff member among the parties loses the case now
    return party


@transaction.atomic
def merge_cases(target: Case, sources: Iterable[Case], *, by: User, ip: str | None = None) -> Case:
    """Bring the reports, parties and threads of other cases about the same incident or person into one."""
    access.require(by, "merge", target)
    # Locked and read afresh: the priority, due time and merged state are decided on current values.
    target = Case.objects.select_for_update().get(pk=target.pk)
    sources = list(Case.objects.select_for_update().filter(pk__in=[s.pk for s in sources]).exclude(pk=target.pk)
                   .order_by("pk"))
    if not sources:
        raise DomainError(_("Choose at least one other case to merge."))
    if not target.is_open:
        raise DomainError(_("A closed case cannot receive other cases; reopen it first."))
    for source in sources:
        access.require(by, "merge", source)
        if source.merged_into_id:
            raise DomainError(_("Case %(ref)s was already merged.") % {"ref": source.reference})
        # Reports keep their own data keys, so moving them needs no re-encryption.
        source.reports.update(case=target)  # type: ignore[attr-defined]
        for party in source.parties.all():
            Party.objects.get_or_create(case=target, person=party.person, role=party.role)
        for note in source.notes.all():  # notes are sealed with the case key: reseal under the target's

            Note.objects.create(case=target, author=note.author, at=note.at, body_sealed=target.seal(note.body, "note"))
        events.publish("case.merged", source=source, target=target)
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
    conflicts.detect(target, by=by, ip=ip)  # the parties and reporters merged in bring their conflicts
    return target


@transaction.atomic
def split_report(case: Case, *, report_id: int, by: User, ip: str | None = None) -> Case:
    """Move one report out of a case into a new case of its own (e.g. a wrong merge)."""
    access.require(by, "split", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    reports = case.reports  # type: ignore[attr-defined]
    if reports.count() < 2:
        raise DomainError(_("A case needs at least two reports to split one off."))
    report = reports.filter(pk=report_id).first()
    if report is None:
        raise DomainError(_("That report is not part of this case."))
    new_case = Case(space=report.space, danger=bool(report.danger_now), ongoing=report.ongoing_bool,
                    language=report.detected_language, data_key=crypto.new_data_key(DataKey.Purpose.CASE),
                    due_at=sla.due(case.priority, start=timezone.now()))
    new_case.set_priority(case.priority)
    new_case.status = Status.NEW if case.priority is None else Status.TRIAGED
    new_case.save()
    reports.filter(pk=report.pk).update(case=new_case)
    events.publish("case.split", report=report, source=case, target=new_case)
    record_event(case, "split_out", by, report=report.reference, target=new_case.reference)
    record_event(new_case, "split_from", by, report=report.reference, source=case.reference)
    audit.record(by, "case.split", case, ip=ip, detail={"report": report.pk, "new_case": new_case.pk})
    conflicts.detect(new_case, by=by, ip=ip)  # the reporter of the moved report may be on staff
    return new_case


def staff_name(user: User) -> str:
    """What reporters and colleagues see: a first name or role, never the full account."""
    return getattr(user, "first_name", "") or user.get_username()


def queue(by: User, *, status: str = "", priority: str = "", space: str = "", assignee: str = "",
          overdue: bool = False, search: str = "") -> QuerySet[Case]:
    """The cases this person may see, most urgent first."""
    access.require(by, "queue")
    cases = access.visible_cases(by, Case.objects.select_related("space", "assignee"))
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


def _search_filter(term: str) -> Q:
    """Report text is encrypted, so search covers references and exact account names (blind index)."""
    upper = term.upper()
    reference = upper.removeprefix("C-").removeprefix("R-")
    condition = Q(pk__in=Party.objects.filter(person_id__in=registry.find_people(term)).values("case_id"))
    if reference.isdigit():
        # A subquery, not a join: a case with several reports must not be listed once per report.
        if not upper.startswith("R-"):
            condition |= Q(pk=int(reference))
        if not upper.startswith("C-"):
            condition |= Q(pk__in=Case.objects.filter(reports__pk=int(reference)).values("pk"))
    return condition
