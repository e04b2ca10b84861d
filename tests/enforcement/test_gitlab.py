"""The GitLab connector against a faked instance: the member removed from the group and, with an
administrator's token on a self-managed instance, banned from the instance; both read back, and
undone when the ban ends only where Steward made the change; rate limits, server errors and
timeouts retried; refusals stopped for a person with the reason; the configuration validated
and its token sealed."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from steward.cases.models import Case
from steward.decisions import returns
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import ConfigurationError, NeedsHuman, Work
from steward.enforcement.connectors.gitlab import GitLabConnector
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_gitlab import GROUP_PATH, TOKEN, FakeGitLab

USER = "mallory"
INSTANCE = "http://gitlab.test"
SETTINGS = {"instance": INSTANCE, "group": GROUP_PATH, "instance_ban": True}


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    fake = FakeGitLab()
    fake.add_user(USER, member=30, expires_at="2099-12-31")
    with connectors.using_transport(fake.transport()):
        yield fake


def configure(admin: Any, **settings: Any) -> ConnectorConfig:
    return services.configure_connector("gitlab", by=admin, settings={**SETTINGS, **settings},
                                        credentials={"access_token": TOKEN})


def gitlab_case(file_report: Any, handle: str = USER) -> Case:
    report, _ = file_report(accounts=[Account("gitlab", handle)])
    return awaiting(report.case)


@pytest.fixture
def banned(gitlab: FakeGitLab, administrator: Any, decision_maker: Any, file_report: Any) -> Rollout:
    """A 30-day ban decided on a GitLab user, its rollout planned and not yet run."""
    configure(administrator)
    case = gitlab_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return Rollout.objects.get(case=case)


def _steps(rollout: Rollout) -> list[RolloutAction]:
    return list(rollout.actions.on_systems().order_by("position"))


def _user_id(fake: FakeGitLab) -> int:
    return int(fake.users[USER]["id"])


# --- Plan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ban", ["temporary", "interim", "permanent"])
def test_every_ban_removes_from_the_group_and_bans_on_the_instance_when_set(ban: str) -> None:
    with_ban = GitLabConnector(SETTINGS, {}).plan(USER, ban=ban)
    assert [(step.kind, step.target) for step in with_ban] == [(Kind.REMOVE_MEMBER, GROUP_PATH), (Kind.INSTANCE_BAN, "")]
    without = GitLabConnector({**SETTINGS, "instance_ban": False}, {}).plan(USER, ban=ban)
    assert [(step.kind, step.target) for step in without] == [(Kind.REMOVE_MEMBER, GROUP_PATH)]


def test_a_permanent_ban_plans_the_group_removal_for_the_account(administrator: Any, decision_maker: Any,
                                                                 file_report: Any) -> None:
    configure(administrator, instance_ban=False)
    case = gitlab_case(file_report)
    decide(case, decision_maker, "permanent_ban")
    assert [(step.kind, step.target) for step in _steps(Rollout.objects.get(case=case))] == [
        (Kind.REMOVE_MEMBER, GROUP_PATH)]


@pytest.mark.parametrize(("handle", "valid"), [("mallory", True), ("mal.lory_2", True), ("m", True),
                                               ("-mallory", False), ("mallory.", False), ("mallory.git", False),
                                               ("mal lory", False), ("@mallory", False), ("", False)])
def test_handles_follow_gitlab_username_rules(handle: str, valid: bool) -> None:
    assert GitLabConnector.valid_handle(handle) is valid


def test_a_handle_that_is_not_a_username_is_left_to_a_person(administrator: Any, decision_maker: Any,
                                                             file_report: Any) -> None:
    configure(administrator)
    case = gitlab_case(file_report, "mal lory")
    decide(case, decision_maker, "permanent_ban")
    action = Rollout.objects.get(case=case).actions.get(system="gitlab")
    assert action.kind == Kind.MANUAL and action.step == "fix_identity"


# --- Carrying out and reversing --------------------------------------------------------------------


def test_a_ban_removes_the_member_and_bans_the_account_then_both_are_undone_when_it_ends(
        banned: Rollout, gitlab: FakeGitLab) -> None:
    user_id = _user_id(gitlab)
    assert execution.work() == 3  # telling the person first, then the two steps on GitLab
    remove, ban = _steps(banned)
    assert (remove.status, ban.status) == (ActionStatus.VERIFIED, ActionStatus.VERIFIED)
    assert user_id not in gitlab.members and gitlab.users[USER]["state"] == "banned"
    assert remove.change == {"removed": True, "access_level": 30, "expires_at": "2099-12-31"}
    assert ban.change == {"banned": True}
    assert ("DELETE", f"/groups/{GROUP_PATH}/members/{user_id}") in gitlab.calls

    assert banned.decision is not None and banned.decision.ends_on is not None
    returns.run_daily(today=banned.decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert gitlab.members[user_id] == {"access_level": 30, "expires_at": "2099-12-31"}
    assert gitlab.users[USER]["state"] == "active"
    reversal = Rollout.objects.get(case=banned.case, direction=Direction.REVERT)
    assert {action.status for action in _steps(reversal)} == {ActionStatus.VERIFIED}


def test_the_reversal_leaves_a_person_blocked_and_outside_the_group_before_steward_so(
        gitlab: FakeGitLab, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    gitlab.users.clear()
    gitlab.members.clear()
    gitlab.add_user(USER, state="blocked", member=None)
    configure(administrator)
    case = gitlab_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    rollout = Rollout.objects.get(case=case)
    assert [(action.status, action.change) for action in _steps(rollout)] == [
        (ActionStatus.VERIFIED, {}), (ActionStatus.VERIFIED, {})]
    assert not any(method in {"DELETE", "POST"} for method, _ in gitlab.calls)

    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert gitlab.users[USER]["state"] == "blocked" and _user_id(gitlab) not in gitlab.members
    assert not any(method in {"DELETE", "POST"} for method, _ in gitlab.calls)


def test_an_expired_membership_is_not_added_back() -> None:
    assert GitLabConnector._restorable("2000-01-01") is False
    assert GitLabConnector._restorable(None) is True
    assert GitLabConnector._restorable((timezone.localdate() + datetime.timedelta(days=3)).isoformat()) is True


def test_a_crash_between_apply_and_recording_changes_nothing_more(gitlab: FakeGitLab) -> None:
    connector = GitLabConnector(SETTINGS, {"access_token": TOKEN}, transport=gitlab.transport())
    for kind, target in ((Kind.REMOVE_MEMBER, GROUP_PATH), (Kind.INSTANCE_BAN, "")):
        before = connector.observe(Work(kind=kind, target=target, handle=USER))
        work = Work(kind=kind, target=target, handle=USER, before=before)
        first, second = connector.apply(work), connector.apply(work)
        assert first == second and first  # the same change recorded, Steward's to undo
        assert connector.verify(Work(kind=kind, target=target, handle=USER, before=before, change=second))
    assert sum(1 for call in gitlab.calls if call[0] == "POST" and call[1].endswith("/ban")) == 1
    assert gitlab.users[USER]["state"] == "banned" and _user_id(gitlab) not in gitlab.members


def test_an_unknown_group_is_never_taken_for_a_missing_member(gitlab: FakeGitLab) -> None:
    connector = GitLabConnector({**SETTINGS, "group": "someone-else"}, {"access_token": TOKEN},
                                transport=gitlab.transport())
    with pytest.raises(NeedsHuman) as stopped:
        connector.observe(Work(kind=Kind.REMOVE_MEMBER, target="someone-else", handle=USER))
    assert "does not know this group" in stopped.value.reason and "404 Group Not Found" in stopped.value.reason


# --- Failures --------------------------------------------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.fail_next(httpx.Response(429, text="Retry later", headers={"Retry-After": "120", "RateLimit-Limit": "600",
                                                                      "RateLimit-Remaining": "0"}))
    before = timezone.now()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "rate limited by GitLab" in first.last_error
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=120)
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_a_429_without_retry_after_waits_until_ratelimit_reset(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.fail_next(httpx.Response(429, text="Retry later", headers={"RateLimit-Reset": str(int(time.time()) + 600)}))
    before = timezone.now()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=590)


def test_a_server_error_is_retried(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.fail_next(httpx.Response(502, text="<html>502 Bad Gateway</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "server error (HTTP 502)" in first.last_error
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_a_timeout_is_retried(banned: Rollout, gitlab: FakeGitLab) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "did not answer in time" in first.last_error
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_an_unknown_user_asks_a_person(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.users.clear()
    execution.work()
    for action in _steps(banned):
        assert action.status == ActionStatus.NEEDS_HUMAN and "GitLab has no account mallory" in action.last_error


def test_a_token_without_the_owner_role_asks_a_person_with_the_reason(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.steward_level, gitlab.admin = 40, False
    execution.work()
    remove, ban = _steps(banned)
    assert remove.status == ActionStatus.NEEDS_HUMAN and "group Owner" in remove.last_error
    assert "403 Forbidden" in remove.last_error
    assert ban.status == ActionStatus.NEEDS_HUMAN and "lacks the permission" in ban.last_error
    assert _user_id(gitlab) in gitlab.members and gitlab.users[USER]["state"] == "active"


def test_a_wrong_token_is_reported_in_words(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.token = "another"
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and "refused Steward's access token" in first.last_error
    assert TOKEN not in first.last_error


def test_an_answer_that_is_not_json_stops_the_step_with_the_reason(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.fail_next(httpx.Response(200, text="<html>Sign in</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and "not JSON (text/html, HTTP 200)" in first.last_error
    assert first.before is None and first.change == {}


def test_an_account_that_cannot_be_banned_asks_a_person(banned: Rollout, gitlab: FakeGitLab) -> None:
    gitlab.users[USER]["state"] = "deactivated"
    execution.work()
    ban = _steps(banned)[1]
    assert ban.status == ActionStatus.NEEDS_HUMAN and "deactivated" in ban.last_error


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "credentials", "field"), [
    ({"instance": "gitlab.example.org"}, {"access_token": TOKEN}, "instance"),
    ({"group": ""}, {"access_token": TOKEN}, "group"),
    ({"group": "example org"}, {"access_token": TOKEN}, "group"),
    ({"instance": "", "instance_ban": True}, {"access_token": TOKEN}, "instance_ban"),
    ({"instance": "https://gitlab.com/", "instance_ban": True}, {"access_token": TOKEN}, "instance_ban"),
    ({}, {"access_token": " "}, "access_token"),
])
def test_configuration_errors_name_the_field(given: dict[str, Any], credentials: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        GitLabConnector.check_configuration({**SETTINGS, **given}, credentials)
    assert refused.value.field == field


def test_the_instance_defaults_to_gitlab_com() -> None:
    cleaned = GitLabConnector.check_configuration({"group": "/example-org/community/", "instance_ban": False},
                                                  {"access_token": TOKEN})
    assert cleaned == {"instance": "https://gitlab.com", "group": "example-org/community", "instance_ban": False}


def test_test_connection_says_what_it_found_and_that_group_bans_are_done_in_gitlab(
        gitlab: FakeGitLab, administrator: Any) -> None:
    configure(administrator)
    client = login(administrator)
    page = client.post("/staff/connectors/gitlab/test/", follow=True).content.decode()
    assert "Connected as steward-bot, who may remove members of example-org" in page
    assert "Group-level bans are not available through GitLab" in page

    gitlab.admin, gitlab.steward_level = False, 40
    page = client.post("/staff/connectors/gitlab/test/", follow=True).content.decode()
    assert "steward-bot is Maintainer in example-org: removing members needs the Owner role" in page

    gitlab.steward_level = 50
    page = client.post("/staff/connectors/gitlab/test/", follow=True).content.decode()
    assert "not an administrator of the instance" in page

    gitlab.token = "another"
    page = client.post("/staff/connectors/gitlab/test/", follow=True).content.decode()
    assert "access token" in page and "401 Unauthorized" in page


def test_the_configuration_page_saves_the_settings_and_never_shows_the_token(administrator: Any,
                                                                            enforcer: Any) -> None:
    client = login(administrator)
    form = {"instance": "", "group": GROUP_PATH, "instance_ban": "on", "access_token": TOKEN, "enabled": "on"}
    response = client.post("/staff/connectors/gitlab/", form)
    assert response.status_code == 400 and "self-managed instances" in response.content.decode()
    assert not ConnectorConfig.objects.exists()

    assert client.post("/staff/connectors/gitlab/", {**form, "instance": INSTANCE}).status_code == 302
    config = ConnectorConfig.objects.get(system="gitlab")
    assert config.options == SETTINGS and config.credentials == {"access_token": TOKEN}
    sealed = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get()
    assert sealed is not None and TOKEN.encode() not in bytes(sealed)
    page = client.get("/staff/connectors/gitlab/").content.decode()
    assert INSTANCE in page and TOKEN not in page

    # Left empty, the stored token is kept.
    assert client.post("/staff/connectors/gitlab/", {**form, "instance": INSTANCE, "access_token": "",
                                                     "instance_ban": ""}).status_code == 302
    config.refresh_from_db()
    assert config.options["instance_ban"] is False and config.credentials == {"access_token": TOKEN}
    assert login(enforcer).get("/staff/connectors/gitlab/").status_code == 403
