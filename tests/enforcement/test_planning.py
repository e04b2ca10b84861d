"""Planning: what a decision or an interim measure asks of every identity of the person on
every system in scope, in the decision's own transaction; and the reversal, which undoes what
Steward changed and only that."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from steward.core.models import AuditEntry
from steward.decisions import interim, returns
from steward.decisions.models import InterimRestriction
from steward.enforcement import connectors, execution, services
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction, Step
from tests.decisions.helpers import decide

from .conftest import ROOMS, TOKEN, add_identity, configure_matrix, matrix_case
from .fake_matrix import FakeMatrix

USER = "@mallory:steward.test"


@pytest.fixture
def homeserver() -> Iterator[FakeMatrix]:
    fake = FakeMatrix(users={USER}, members={(room, USER): "join" for room in ROOMS}, token=TOKEN)
    with connectors.using_transport(fake.transport()):
        yield fake


def _kinds(rollout: Rollout) -> list[tuple[str, str, str]]:
    return [(action.system, action.kind, action.step) for action in rollout.actions.order_by("position")]


def test_a_warning_asks_nothing_of_any_system(decision_maker: Any, file_report: Any) -> None:
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "warning")
    assert not Rollout.objects.exists()


def test_without_a_connector_each_account_becomes_a_step_done_by_hand(decision_maker: Any, file_report: Any) -> None:
    case = matrix_case(file_report, USER)
    add_identity(case, "github", "mallory")
    decide(case, decision_maker, "permanent_ban")
    rollout = Rollout.objects.get(case=case)
    # The person is told first; a week later Steward looks for accounts linked since.
    assert _kinds(rollout) == [("", Kind.TELL_PERSON, ""),
                               ("github", Kind.MANUAL, Step.CARRY_OUT), ("matrix", Kind.MANUAL, Step.CARRY_OUT),
                               ("", Kind.MANUAL, Step.TOOL_ACCESS), ("", Kind.MANUAL, Step.LEADERSHIP),
                               ("", Kind.MANUAL, Step.EVENTS), ("", Kind.FOLLOW_UP, "")]
    assert all(action.due_on == timezone.localdate() for action in rollout.actions.filter(kind=Kind.MANUAL))
    follow_up = rollout.actions.get(kind=Kind.FOLLOW_UP)
    assert follow_up.next_attempt_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    assert rollout.status == Rollout.Status.OPEN
    assert AuditEntry.objects.filter(action="rollout.plan", object_id=str(rollout.pk)).exists()


def test_a_permanent_ban_bans_and_lists_but_does_not_suspend(homeserver: FakeMatrix, administrator: Any,
                                                              decision_maker: Any, file_report: Any) -> None:
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "permanent_ban")
    kinds = list(Rollout.objects.get(case=case).actions.on_systems().order_by("position").values_list("kind", flat=True))
    assert kinds == [Kind.BAN_FROM_ROOM] * 3 + [Kind.PUBLISH_POLICY_RULE]


def test_an_account_of_another_homeserver_is_banned_from_rooms_but_not_suspended(
        homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure_matrix(administrator)
    case = matrix_case(file_report, "@mallory:elsewhere.example")
    decide(case, decision_maker, "temporary_ban", days=10)
    kinds = [kind for _, kind, _ in _kinds(Rollout.objects.get(case=case)) if kind != Kind.MANUAL]
    assert Kind.SUSPEND_ACCOUNT not in kinds and kinds.count(Kind.BAN_FROM_ROOM) == 3


def test_a_handle_that_is_not_a_matrix_user_id_is_left_to_a_person(administrator: Any, decision_maker: Any,
                                                                    file_report: Any) -> None:
    configure_matrix(administrator)
    case = matrix_case(file_report, "mallory")
    decide(case, decision_maker, "permanent_ban")
    assert ("matrix", Kind.MANUAL, Step.FIX_IDENTITY) in _kinds(Rollout.objects.get(case=case))


def test_the_rollout_is_part_of_the_decision_transaction(administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    with pytest.raises(RuntimeError), transaction.atomic():
        decide(case, decision_maker, "permanent_ban")
        assert Rollout.objects.filter(case=case).exists()
        raise RuntimeError("the decision fails after its rollout was planned")
    assert not Rollout.objects.exists() and not RolloutAction.objects.exists()


def test_the_reversal_undoes_only_what_steward_changed(homeserver: FakeMatrix, administrator: Any, decision_maker: Any,
                                                       file_report: Any) -> None:
    configure_matrix(administrator)
    homeserver.members[(ROOMS[1], USER)] = "ban"  # banned there before, by someone else
    case = matrix_case(file_report, USER)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    rollout = Rollout.objects.get(case=case)
    changes = dict(rollout.actions.filter(kind=Kind.BAN_FROM_ROOM).values_list("target", "change"))
    assert changes == {ROOMS[0]: {"banned": True}, ROOMS[1]: {}, ROOMS[2]: {"banned": True}}

    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert [homeserver.members[(room, USER)] for room in ROOMS] == ["leave", "ban", "leave"]
    reversal = Rollout.objects.get(case=case, direction=Direction.REVERT)
    statuses = {action.target: action.status for action in reversal.actions.filter(kind=Kind.BAN_FROM_ROOM)}
    assert statuses == {ROOMS[0]: ActionStatus.VERIFIED, ROOMS[2]: ActionStatus.VERIFIED}  # nothing to undo in the other
    # The manual steps done by hand come back as steps to undo by hand; those not done are cancelled.
    assert set(reversal.actions.filter(kind=Kind.MANUAL).values_list("step", flat=True)) <= {Step.UNDO}
    assert set(rollout.actions.filter(kind=Kind.MANUAL).values_list("status", flat=True)) == {ActionStatus.CANCELLED}


def test_a_reversal_planned_before_anything_ran_cancels_the_steps_and_calls_nothing(
        homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "temporary_ban", days=30)
    rollout = Rollout.objects.get(case=case)
    with transaction.atomic():
        assert services.start_reversal(rollout, because=Rollout.Because.APPEAL_REVERSED) is None
    assert set(rollout.actions.values_list("status", flat=True)) == {ActionStatus.CANCELLED}
    assert execution.work() == 0 and homeserver.calls == []
    with transaction.atomic():  # a second end changes nothing
        assert services.start_reversal(rollout, because=Rollout.Because.BAN_ENDED) is None


def test_a_change_still_needed_by_a_later_rollout_is_handed_on_not_undone(
        homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure_matrix(administrator, rooms=ROOMS[:1])
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    first = Rollout.objects.get(case=case)
    ban = first.actions.get(kind=Kind.BAN_FROM_ROOM)
    # A second rollout wanting the same ban (e.g. the decision was changed on appeal to a permanent ban).
    with transaction.atomic():
        second = services.start_rollout(first.case, because=Rollout.Because.DECISION, subject_id=first.subject_id or 0,
                                        ban="permanent", ends_on=None, starts_on=timezone.localdate(), systems=[],
                                        decision=first.decision)
        services.start_reversal(first, because=Rollout.Because.APPEAL_CHANGED)
    assert second is not None
    execution.work()
    assert homeserver.members[(ROOMS[0], USER)] == "ban"  # never let back in
    ban.refresh_from_db()
    assert ban.status == ActionStatus.REVERTED and "Handed on" in ban.last_error
    taken_over = second.actions.get(kind=Kind.BAN_FROM_ROOM)
    assert taken_over.change["banned"] is True and taken_over.change["handed_on_from"] == ban.pk


def test_an_interim_suspension_is_carried_out_and_reversed_when_it_ends(
        homeserver: FakeMatrix, administrator: Any, file_report: Any) -> None:
    from tests.conftest import make_staff

    triager = make_staff("tina", "triager")
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    person = case.parties.get(role="reported").person
    interim.impose(case, by=triager, subject=person, restriction=InterimRestriction.SUSPENDED,
                   ends_on=timezone.localdate() + datetime.timedelta(days=7), reason="Threats in the chat.")
    rollout = Rollout.objects.get(case=case, measure__isnull=False)
    assert Kind.SUSPEND_ACCOUNT in {action.kind for action in rollout.actions.all()}
    execution.work()
    assert homeserver.suspended[USER] is True
    interim.end_due_measures(timezone.localdate() + datetime.timedelta(days=7))
    execution.work()
    assert homeserver.suspended[USER] is False
    assert all(homeserver.members[(room, USER)] == "leave" for room in ROOMS)


def test_the_scope_of_the_decision_limits_the_systems(administrator: Any, decision_maker: Any, file_report: Any) -> None:
    from steward.decisions import services as decisions

    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    person = add_identity(case, "github", "mallory")
    from tests.decisions.helpers import DEPARTURE, level

    decisions.record_decision(case, by=decision_maker, level=level("permanent_ban"), subject=person,
                              systems=["github"], reporter_summary="Banned.", rationale="Threats.",
                              departure_reason=DEPARTURE)
    systems = {action.system for action in Rollout.objects.get(case=case).actions.all() if action.system}
    assert systems == {"github"}


def test_credentials_are_sealed_and_a_wrong_setting_changes_nothing(administrator: Any) -> None:
    config = configure_matrix(administrator)
    stored = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get(pk=config.pk)
    assert TOKEN.encode() not in bytes(stored)
    assert ConnectorConfig.objects.get(pk=config.pk).credentials == {"access_token": TOKEN}
    with pytest.raises(services.RolloutError) as refused:
        services.configure_connector("matrix", by=administrator, credentials={}, settings={
            "homeserver": "matrix.example.org", "server_name": "example.org", "rooms": ["!a:example.org"]})
    assert refused.value.field == "homeserver"
    with pytest.raises(services.RolloutError) as refused:
        services.configure_connector("jira", by=administrator, credentials={}, settings={})
    assert refused.value.field == "system"
    assert ConnectorConfig.objects.get(pk=config.pk).options["homeserver"] == "http://matrix.test"


def test_a_decision_after_an_interim_suspension_keeps_the_room_bans_and_lifts_only_the_suspension(
        homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    from tests.conftest import make_staff

    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    person = case.parties.get(role="reported").person
    interim.impose(case, by=make_staff("tina", "triager"), subject=person, restriction=InterimRestriction.SUSPENDED,
                   ends_on=timezone.localdate() + datetime.timedelta(days=7), reason="Threats in the chat.")
    execution.work()
    assert homeserver.suspended[USER] is True

    decide(case, decision_maker, "permanent_ban")  # ends the measure in the same transaction
    execution.work()
    assert all(homeserver.members[(room, USER)] == "ban" for room in ROOMS)  # never let back in
    assert homeserver.suspended[USER] is False  # a permanent ban does not suspend: the measure's suspension is undone
    unbans = [call for call in homeserver.calls if call[1].endswith("/unban")]
    assert unbans == []
    decided = Rollout.objects.get(case=case, decision__isnull=False, direction=Direction.APPLY)
    assert all(action.change.get("banned") for action in decided.actions.filter(kind=Kind.BAN_FROM_ROOM))


def test_a_ban_on_a_person_with_no_known_account_in_scope_is_not_silent(administrator: Any, decision_maker: Any,
                                                                         file_report: Any) -> None:
    from steward.decisions import services as decisions
    from tests.decisions.helpers import DEPARTURE, level

    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    person = case.parties.get(role="reported").person
    decisions.record_decision(case, by=decision_maker, level=level("permanent_ban"), subject=person,
                              systems=["slack"], reporter_summary="Banned.", rationale="Threats.",
                              departure_reason=DEPARTURE)
    assert ("", Kind.MANUAL, Step.NO_ACCOUNT) in _kinds(Rollout.objects.get(case=case))
