"""The worker carries out a rollout's actions against a faked homeserver: verified by reading the
state back, retried after a 429 (honouring Retry-After) or a 5xx, stopped for a person on a
permanent refusal or an answer that is not JSON, and never done twice after a worker stopped."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from steward.enforcement import connectors, execution
from steward.enforcement.models import ActionStatus, Kind, Rollout, RolloutAction
from tests.decisions.helpers import decide

from .conftest import POLICY_ROOM, ROOMS, configure_matrix, matrix_case, run_all_due, system_actions
from .fake_matrix import FakeMatrix

USER = "@mallory:steward.test"


@pytest.fixture
def homeserver() -> Iterator[FakeMatrix]:
    fake = FakeMatrix(users={USER}, members={(room, USER): "join" for room in ROOMS})
    with connectors.using_transport(fake.transport()):
        yield fake


@pytest.fixture
def banned(homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> Rollout:
    """A 30-day ban decided on a Matrix user, its rollout planned and not yet run."""
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "temporary_ban", days=30)
    return Rollout.objects.get(case=case)


def test_a_ban_is_carried_out_and_verified_on_every_room_the_account_and_the_policy_list(
        banned: Rollout, homeserver: FakeMatrix) -> None:
    actions = system_actions(banned)
    assert [(action.kind, action.target) for action in actions] == [
        *[(Kind.BAN_FROM_ROOM, room) for room in ROOMS], (Kind.SUSPEND_ACCOUNT, ""),
        (Kind.PUBLISH_POLICY_RULE, POLICY_ROOM)]
    assert execution.work() == 6  # telling the person first, then the five steps on the homeserver
    assert {action.status for action in system_actions(banned)} == {ActionStatus.VERIFIED}
    assert all(homeserver.members[(room, USER)] == "ban" for room in ROOMS)
    assert homeserver.suspended[USER] is True
    rule = homeserver.state[(POLICY_ROOM, "m.policy.rule.user", f"rule:{USER}")]
    assert rule["entity"] == USER and rule["recommendation"] == "m.ban"
    assert rule["support.feline.policy.expiry.rev.2"] > timezone.now().timestamp() * 1000
    # No address is known for the person: telling them is left to a person, and the rollout says so.
    tell = banned.actions.get(kind=Kind.TELL_PERSON)
    assert tell.status == ActionStatus.NEEDS_HUMAN and "tell them yourself" in tell.last_error
    banned.refresh_from_db()
    assert banned.status == Rollout.Status.ATTENTION


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(banned: Rollout, homeserver: FakeMatrix) -> None:
    homeserver.fail_next(httpx.Response(429, headers={"Retry-After": "120"},
                                        json={"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 120000}))
    before = timezone.now()
    execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.PLANNED and first.attempts == 1
    assert "rate limited" in first.last_error
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=120)
    assert execution.work() == 0  # nothing is due before the wait is over
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED and first.attempts == 2


def test_a_server_error_is_retried_with_back_off_then_succeeds(banned: Rollout, homeserver: FakeMatrix) -> None:
    homeserver.fail_next(httpx.Response(502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.PLANNED
    assert "server error (HTTP 502)" in first.last_error
    assert first.next_attempt_at > timezone.now()
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_a_refused_permission_stops_the_action_for_a_person_with_the_reason(banned: Rollout, homeserver: FakeMatrix) -> None:
    homeserver.fail_next(FakeMatrix.error(403, "M_FORBIDDEN", "You don't have permission to ban"),
                         when=lambda request: request.url.path.endswith("/ban"))
    execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and first.attempts == 1
    assert "lacks the permission" in first.last_error and "M_FORBIDDEN" in first.last_error
    assert homeserver.members[(ROOMS[0], USER)] == "join"  # nothing claimed that did not happen
    banned.refresh_from_db()
    assert banned.status == Rollout.Status.ATTENTION
    assert execution.work() == 0  # not retried on its own


def test_an_answer_that_is_not_json_stops_the_action_with_a_clear_reason(banned: Rollout, homeserver: FakeMatrix) -> None:
    homeserver.fail_next(httpx.Response(200, text="<html>Welcome to nginx</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN
    assert "not JSON (text/html, HTTP 200)" in first.last_error
    assert first.before is None and first.change == {}


def test_an_unknown_account_asks_a_person(homeserver: FakeMatrix, banned: Rollout) -> None:
    homeserver.users.clear()
    execution.work()
    suspend = banned.actions.get(kind=Kind.SUSPEND_ACCOUNT)
    assert suspend.status == ActionStatus.NEEDS_HUMAN
    assert "no account" in suspend.last_error


def test_a_wrong_access_token_is_reported_in_words(homeserver: FakeMatrix, banned: Rollout) -> None:
    homeserver.token = "another"
    execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and "refused Steward's access token" in first.last_error


def test_retries_stop_at_the_limit_and_the_action_fails(banned: Rollout, homeserver: FakeMatrix, settings: Any) -> None:
    settings.STEWARD_OUTBOX_MAX_ATTEMPTS = 2
    for _ in range(2):
        homeserver.fail_next(httpx.Response(503, json={"errcode": "M_UNKNOWN"}),
                             when=lambda request: "general" in request.url.path and request.url.path.endswith("/ban"))
    run_all_due()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.FAILED and "Gave up after 2 attempts" in first.last_error


def test_a_worker_stopped_mid_step_finishes_it_once_and_its_reversal_still_undoes_it(
        banned: Rollout, homeserver: FakeMatrix) -> None:
    execution.work(system="")  # Steward's own first step: telling the person (here: no address, so a person does)
    # A worker claimed the first ban, recorded the state before, banned, and was killed before recording it.
    action = execution.claim()
    assert action is not None
    execution._held(action, before={"membership": "join"})
    homeserver.members[(ROOMS[0], USER)] = "ban"
    RolloutAction.objects.filter(pk=action.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))

    run_all_due()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED and action.attempts == 2
    assert action.change == {"banned": True}  # Steward's ban, though the second attempt found it banned
    bans = [call for call in homeserver.calls if call[0] == "POST" and call[1].endswith("/ban")]
    # One ban call per room: the interrupted one was sent again by the next worker, which the
    # homeserver takes as the same ban (idempotent), and nothing else was repeated.
    assert len(bans) == len(ROOMS)


def test_the_worker_command_carries_rollouts_out(banned: Rollout, homeserver: FakeMatrix) -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("run_worker", "--once", stdout=StringIO())
    assert {action.status for action in system_actions(banned)} == {ActionStatus.VERIFIED}


@pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), ("", None), ("soon", None)])
def test_retry_after_is_read_as_seconds(header: str, seconds: float | None) -> None:
    from steward.enforcement.connectors.base import retry_after

    assert retry_after(httpx.Response(429, headers={"Retry-After": header} if header else {})) == seconds


def test_retry_after_is_read_as_an_http_date() -> None:
    from email.utils import format_datetime

    from steward.enforcement.connectors.base import retry_after

    later = format_datetime(timezone.now() + datetime.timedelta(seconds=90), usegmt=True)
    wait = retry_after(httpx.Response(429, headers={"Retry-After": later}))
    assert wait is not None and 80 < wait <= 90


def test_a_timeout_is_retried(banned: Rollout, homeserver: FakeMatrix) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    first = system_actions(banned)[0]
    assert first.status == ActionStatus.PLANNED and "did not answer in time" in first.last_error
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED
