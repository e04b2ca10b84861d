"""A rollout's order, for the person's safety: the person hears of the decision from Steward
before they lose any access, access is revoked on every system (one thread a system), then the
moderators are told what to enforce and for how long (never why), and a week later Steward
looks for accounts of the person linked since and bans those too."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core import mail
from django.utils import timezone

from steward.core import outbox
from steward.decisions import returns
from steward.decisions.services import MessageInput
from steward.enforcement import connectors, execution, services
from steward.enforcement.models import ActionStatus, ConnectorConfig, Kind, Phase, Rollout
from tests.decisions.helpers import decide

from .conftest import ROOMS, add_identity, configure_matrix, matrix_case, run_all_due, system_actions
from .fake_bugzilla import API_KEY, FakeBugzilla
from .fake_matrix import FakeMatrix

USER = "@mallory:steward.test"
SECOND = "@mallory-again:steward.test"
ADDRESS = "mallory@example.net"
MODERATORS = ("mods@example.org",)
RATIONALE = "Insults in the chat, first time."
WRITTEN = MessageInput(behaviour="Canary-behaviour: insults aimed at other contributors.",
                       impact="Canary-impact: two contributors left.", expected_change="Canary-change: no insults.")


@pytest.fixture
def homeserver() -> Iterator[FakeMatrix]:
    fake = FakeMatrix(users={USER, SECOND}, members={(room, USER): "join" for room in ROOMS})
    with connectors.using_transport(fake.transport()):
        yield fake


@pytest.fixture
def banned(homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> Rollout:
    """A 30-day ban of a Matrix user whose email address is known; moderators to tell on Matrix."""
    configure_matrix(administrator, moderators=MODERATORS)
    case = matrix_case(file_report, USER)
    add_identity(case, "email", ADDRESS)
    decide(case, decision_maker, "temporary_ban", days=30, rationale=RATIONALE, message=WRITTEN)
    return Rollout.objects.get(case=case)


def _kinds(rollout: Rollout) -> list[tuple[str, int]]:
    return [(action.kind, action.phase) for action in rollout.actions.exclude(kind=Kind.MANUAL).order_by("position")]


def test_the_plan_tells_the_person_first_and_the_moderators_after_the_bans(banned: Rollout) -> None:
    kinds = _kinds(banned)
    assert kinds[0] == (Kind.TELL_PERSON, Phase.TELL)
    assert kinds[-2:] == [(Kind.TELL_MODERATORS, Phase.INFORM), (Kind.FOLLOW_UP, Phase.FOLLOW_UP)]
    assert {phase for kind, phase in kinds[1:-2]} == {Phase.REVOKE}


def test_no_access_is_revoked_before_the_email_telling_the_person_is_sent(
        banned: Rollout, homeserver: FakeMatrix) -> None:
    execution.work()
    tell = banned.actions.get(kind=Kind.TELL_PERSON)
    assert tell.status == ActionStatus.PLANNED and tell.attempts == 0  # waiting on the outbox, no attempt spent
    assert homeserver.calls == []  # nothing done on the homeserver yet

    outbox.dispatch()
    told = [message for message in mail.outbox if message.to == [ADDRESS]]
    assert len(told) == 1
    run_all_due()
    tell.refresh_from_db()
    assert tell.status == ActionStatus.DONE and tell.finished_at is not None
    bans = system_actions(banned)
    assert {action.status for action in bans} == {ActionStatus.VERIFIED}
    assert all(action.finished_at is not None and action.finished_at >= tell.finished_at for action in bans)
    assert all(homeserver.members[(room, USER)] == "ban" for room in ROOMS)


def test_the_moderators_are_told_what_to_enforce_and_until_when_but_not_why(banned: Rollout) -> None:
    outbox.dispatch()
    run_all_due()
    moderators = banned.actions.get(kind=Kind.TELL_MODERATORS)
    assert moderators.status == ActionStatus.PLANNED  # queued once the bans were verified
    assert not [message for message in mail.outbox if message.to == list(MODERATORS)]
    outbox.dispatch()
    run_all_due()
    moderators.refresh_from_db()
    assert moderators.status == ActionStatus.DONE
    (email,) = [message for message in mail.outbox if message.to == list(MODERATORS)]
    assert USER in email.body and "Matrix" in email.body
    ends = banned.ends_on
    assert ends is not None and str(ends.year) in email.body
    assert RATIONALE not in email.body and banned.case.reference not in email.body
    assert "A warning was given." not in email.body  # the summary written for the reporters
    assert "Canary" not in email.body  # what the person was told of their behaviour


def test_the_person_is_not_waited_for_longer_than_the_limit(banned: Rollout, homeserver: FakeMatrix, settings: Any) -> None:
    settings.STEWARD_ROLLOUT_TELL_FIRST_MINUTES = 0  # the email is stuck in the outbox
    execution.work()
    tell = banned.actions.get(kind=Kind.TELL_PERSON)
    assert tell.status == ActionStatus.NEEDS_HUMAN and "still waiting to be sent" in tell.last_error
    assert {action.status for action in system_actions(banned)} == {ActionStatus.VERIFIED}  # protection first
    banned.refresh_from_db()
    assert banned.status == Rollout.Status.ATTENTION


def _carried_out() -> None:
    """The worker and the outbox, until the person and the moderators are told and access is revoked."""
    for _ in range(3):
        outbox.dispatch()
        run_all_due()


def test_a_week_later_accounts_linked_since_are_banned_too(banned: Rollout, homeserver: FakeMatrix) -> None:
    _carried_out()
    follow_up = banned.actions.get(kind=Kind.FOLLOW_UP)
    assert follow_up.status == ActionStatus.PLANNED and follow_up.next_attempt_at > timezone.now() + datetime.timedelta(days=6)
    add_identity(banned.case, "matrix", SECOND)  # a new account, linked in the registry meanwhile
    banned.actions.filter(pk=follow_up.pk).update(next_attempt_at=timezone.now())
    run_all_due()
    follow_up.refresh_from_db()
    assert follow_up.status == ActionStatus.DONE and "Found 1 new account" in follow_up.last_error
    assert all(homeserver.members[(room, SECOND)] == "ban" for room in ROOMS)
    new = [action for action in system_actions(banned) if action.identity and action.identity.handle == SECOND]
    assert new and {action.status for action in new} == {ActionStatus.VERIFIED}
    assert new[0].expires_at is not None  # the temporary ban's end, like the others'


def test_when_the_ban_ends_the_pending_steps_are_cancelled_and_no_message_is_undone(banned: Rollout) -> None:
    outbox.dispatch()
    run_all_due()
    assert banned.ends_on is not None
    returns.run_daily(today=banned.ends_on + datetime.timedelta(days=1))
    banned.refresh_from_db()
    assert banned.status == Rollout.Status.REVERSED
    assert banned.actions.get(kind=Kind.FOLLOW_UP).status == ActionStatus.CANCELLED
    reversal = Rollout.objects.get(reverses=banned)
    assert not reversal.actions.filter(kind__in=[Kind.TELL_PERSON, Kind.TELL_MODERATORS, Kind.FOLLOW_UP]).exists()


def test_moderators_must_be_email_addresses_and_a_wrong_one_changes_nothing(administrator: Any) -> None:
    configure_matrix(administrator, moderators=MODERATORS)
    with pytest.raises(services.RolloutError) as refused:
        configure_matrix(administrator, moderators=("mods@example.org", "not an address"))
    assert refused.value.field == "moderators" and "not an address" in str(refused.value.message)
    assert ConnectorConfig.objects.get(system="matrix").options["moderators"] == list(MODERATORS)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_systems_are_worked_on_at_the_same_time_one_thread_each(administrator: Any, decision_maker: Any,
                                                                 file_report: Any) -> None:
    """The Bugzilla fake holds its first answer until the homeserver has been called from another
    thread: worked on one after the other, that would never happen and the call would time out."""
    # Marked postgresql: the in-memory SQLite test database locks whole tables across threads, where
    # PostgreSQL (and a SQLite file, with WAL and a busy timeout) let each system's thread write.
    matrix, bugzilla = FakeMatrix(users={USER}, members={(room, USER): "join" for room in ROOMS}), FakeBugzilla()
    bugzilla.add_user(ADDRESS)
    homeserver_called, threads = threading.Event(), {}

    def route(request: httpx.Request) -> httpx.Response:
        system = "matrix" if request.url.host == "matrix.test" else "bugzilla"
        threads.setdefault(system, threading.current_thread().name)
        if system == "matrix":
            homeserver_called.set()
            return matrix.handle(request)
        assert homeserver_called.wait(timeout=20), "Bugzilla's steps held the homeserver's up"
        return bugzilla.handle(request)

    with connectors.using_transport(httpx.MockTransport(route)):
        configure_matrix(administrator)
        services.configure_connector("bugzilla", by=administrator, settings={
            "address": "http://bugzilla.test", "contact": "conduct@example.org", "login_denied_text": ""},
            credentials={"api_key": API_KEY})
        case = matrix_case(file_report, USER)
        add_identity(case, "bugzilla", ADDRESS)
        decide(case, decision_maker, "permanent_ban")
        rollout = Rollout.objects.get(case=case)
        execution.work()
    assert {action.status for action in system_actions(rollout)} == {ActionStatus.VERIFIED}
    assert threads["matrix"] != threads["bugzilla"] and all(name.startswith("rollout") for name in threads.values())
