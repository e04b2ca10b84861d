"""Case workflow: status transitions, their timeline and audit trail, SLA clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from steward.cases import services, sla
from steward.cases.models import Case, Priority, Status, TimelineEvent
from steward.core.access import Denied
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import AuditEntry

from .helpers import answers, set_status, snapshot

ALLOWED = sorted((old, new) for old, targets in services.TRANSITIONS.items() for new in targets)
# Triage has its own form and service; the status form never moves a case to "triaged".
# Deciding needs the "decide" permission and goes through decisions.services.record_decision.
MOVES = [(old, new) for old, new in ALLOWED if new not in {Status.TRIAGED, Status.DECIDED}]
DISALLOWED = sorted((old, new) for old in Status.values for new in Status.values
                    if new not in services.TRANSITIONS.get(old, set()) and new != Status.DECIDED)


def test_every_status_has_a_way_on():
    assert set(services.TRANSITIONS) == set(Status.values)
    for old in Status.values:
        if old != Status.CLOSED:
            assert Status.CLOSED in services.TRANSITIONS[old], f"{old} cannot be closed"
    assert services.TRANSITIONS[Status.CLOSED] == {Status.REOPENED}


@pytest.mark.parametrize(("old", "new"), MOVES)
def test_allowed_transition_moves_the_case_and_leaves_a_trail(case, handler, old, new):
    Case.objects.filter(pk=case.pk).update(assignee=handler, status=old)
    case.refresh_from_db()
    timeline_before = TimelineEvent.objects.filter(case=case).count()

    moved = services.move_case(case, by=handler, to=new, reason="Checked with the reporter", ip="192.0.2.1")

    assert moved.status == new
    case.refresh_from_db()
    assert case.status == new
    assert TimelineEvent.objects.filter(case=case).count() == timeline_before + 1
    event = TimelineEvent.objects.filter(case=case).latest("pk")
    assert event.kind == "status"
    assert event.data == {"old": old, "new": new}
    assert event.actor == handler
    assert event.detail == "Checked with the reporter"
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "case.status"
    assert entry.actor == handler
    assert entry.object_id == str(case.pk)
    assert entry.detail == {"from": old, "to": new}
    assert entry.ip == "192.0.2.1"
    if new == Status.CLOSED:
        assert case.closed_at is not None
        assert not case.is_open
    else:
        assert case.closed_at is None


@pytest.mark.parametrize("old", Status.values)
def test_the_status_service_never_decides(case, triager, old):
    """One way to "decided": recording a decision. move_case refuses it from every state, even to a triager."""
    set_status(case, old)
    before = snapshot()
    with pytest.raises(DomainError, match="only by recording the decision"):
        services.move_case(case, by=triager, to=Status.DECIDED, reason="Decided in a meeting.")
    assert snapshot() == before
    case.refresh_from_db()
    assert case.status == old


def test_refusing_decided_tells_an_outsider_nothing(case, unrelated):
    set_status(case, Status.AWAITING_DECISION)
    before = snapshot()
    with pytest.raises(Denied):
        services.move_case(case, by=unrelated, to=Status.DECIDED)
    assert snapshot() == before


@pytest.mark.parametrize("old", [old for old, new in ALLOWED if new == Status.TRIAGED])
def test_triaged_is_reached_through_triage_only(case, triager, old):
    set_status(case, old)
    before = snapshot()
    with pytest.raises(DomainError, match="triage form"):
        services.move_case(case, by=triager, to=Status.TRIAGED)
    assert snapshot() == before
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    case.refresh_from_db()
    assert case.status == Status.TRIAGED


@pytest.mark.parametrize(("old", "new"), DISALLOWED)
def test_disallowed_transition_is_refused_and_changes_nothing(case, triager, old, new):
    set_status(case, old)
    before = snapshot()
    with pytest.raises(InvalidTransition):
        services.move_case(case, by=triager, to=new)
    assert snapshot() == before


@pytest.mark.parametrize("target", ["bogus", "", "CLOSED"])
def test_unknown_status_is_refused(case, triager, target):
    before = snapshot()
    with pytest.raises(InvalidTransition):
        services.move_case(case, by=triager, to=target)
    assert snapshot() == before


def test_invalid_transition_message_names_both_states(case, triager):
    set_status(case, Status.CLOSED)
    with pytest.raises(InvalidTransition) as error:
        services.move_case(case, by=triager, to=Status.INVESTIGATING)
    assert str(error.value.message) == "A case that is “Closed” cannot move to “Investigating”."


def test_reopening_restarts_the_sla_clock(case, triager, settings):
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    services.move_case(case, by=triager, to=Status.CLOSED)
    long_ago = timezone.now() - timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(due_at=long_ago)
    case.refresh_from_db()
    assert case.closed_at is not None
    assert not case.is_overdue  # closed cases are never overdue

    before = timezone.now()
    services.move_case(case, by=triager, to=Status.REOPENED, reason="New evidence")
    after = timezone.now()
    case.refresh_from_db()
    window = timedelta(hours=settings.STEWARD_SLA_HOURS["P3"])
    assert before + window <= case.due_at <= after + window
    assert case.closed_at is None
    assert case.status == Status.REOPENED
    assert not case.is_overdue


def test_reopening_an_untriaged_case_uses_the_acknowledgement_window(case, triager, settings):
    settings.STEWARD_ACK_HOURS = 5
    services.move_case(case, by=triager, to=Status.CLOSED)
    before = timezone.now()
    services.move_case(case, by=triager, to=Status.REOPENED)
    case.refresh_from_db()
    assert before + timedelta(hours=5) <= case.due_at <= timezone.now() + timedelta(hours=5)


def test_other_transitions_keep_the_due_time(case, triager):
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    case.refresh_from_db()
    due = case.due_at
    services.move_case(case, by=triager, to=Status.INVESTIGATING)
    case.refresh_from_db()
    assert case.due_at == due


def test_outsiders_cannot_move_a_case(case, unrelated, administrator):
    set_status(case, Status.TRIAGED)
    before = snapshot()
    for user in (unrelated, administrator):
        with pytest.raises(Denied):
            services.move_case(case, by=user, to=Status.CLOSED)
    assert snapshot() == before


# --- SLA clocks -------------------------------------------------------------------


def test_sla_windows_follow_the_settings(settings):
    settings.STEWARD_SLA_HOURS = {"P1": 3, "P2": 12, "P3": 48, "P4": 96}
    settings.STEWARD_ACK_HOURS = 7
    assert sla.window(None) == timedelta(hours=7)
    for priority, hours in settings.STEWARD_SLA_HOURS.items():
        assert sla.window(priority) == timedelta(hours=hours)
    start = timezone.now()
    assert sla.due("P2", start=start) == start + timedelta(hours=12)


def test_default_windows_get_shorter_with_urgency(settings):
    windows = [sla.window(p) for p in ("P1", "P2", "P3", "P4")]
    assert windows == sorted(windows)


def test_a_new_case_is_due_within_the_acknowledgement_promise(file_report, settings):
    settings.STEWARD_ACK_HOURS = 24
    before = timezone.now()
    report, _ = file_report()
    case = report.case
    assert case.priority is None
    assert case.status == Status.NEW
    assert before + timedelta(hours=24) <= case.due_at <= timezone.now() + timedelta(hours=24)


def test_a_report_of_danger_opens_a_p1_case_on_the_p1_clock(file_report, settings):
    from steward.cases.messages import SecurityAlert
    from tests.conftest import queued

    before = timezone.now()
    report, _ = file_report(danger_now=True)
    case = report.case
    assert case.priority == Priority.P1
    assert case.rank == 1
    assert case.danger
    assert case.due_at <= timezone.now() + timedelta(hours=settings.STEWARD_SLA_HOURS["P1"])
    assert case.due_at >= before + timedelta(hours=settings.STEWARD_SLA_HOURS["P1"])
    assert queued(SecurityAlert) == [SecurityAlert(case=case.pk)]


@pytest.mark.parametrize(("status", "offset", "overdue"), [
    (Status.NEW, timedelta(minutes=-1), True),
    (Status.INVESTIGATING, timedelta(hours=-5), True),
    (Status.REOPENED, timedelta(seconds=-1), True),
    (Status.DECIDED, timedelta(days=-1), True),
    (Status.CLOSED, timedelta(days=-1), False),
    (Status.NEW, timedelta(minutes=1), False),
    (Status.TRIAGED, timedelta(days=2), False),
])
def test_is_overdue(case, status, offset, overdue):
    Case.objects.filter(pk=case.pk).update(status=status, due_at=timezone.now() + offset)
    case.refresh_from_db()
    assert case.is_overdue is overdue
