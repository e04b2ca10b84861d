"""The Slack connector against a faked Slack: through SCIM a ban deactivates the account, through
the admin API it removes the person from the workspace; both are verified by reading back and
undone when the ban ends, only where Steward changed something. A plan with neither gets the
clear message; rate limits, server errors and timeouts are retried; refusals stop for a person
with the reason in words; the configuration page seals the token and never shows it again."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.decisions import returns
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import ConfigurationError, NeedsHuman, Work
from steward.enforcement.connectors.slack import SlackConnector
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, RolloutAction
from steward.reports.services import Account
from tests.conftest import login
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_slack import TEAM, FakeSlack

TOKEN = "xoxp-fake-token"  # the faked Slack's; not a secret
USER = "U0MALLORY"
PLAN_MESSAGE = "plan offers neither SCIM nor the admin API"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=TOKEN)
    fake.add(USER, "mallory")
    with connectors.using_transport(fake.transport()):
        yield fake


def configure(admin: Any, api: str = "scim", team_id: str = "") -> ConnectorConfig:
    return services.configure_connector("slack", by=admin, settings={"api": api, "team_id": team_id},
                                        credentials={"token": TOKEN})


def slack_case(file_report: Any, user_id: str = USER) -> Case:
    report, _ = file_report(accounts=[Account("slack", user_id)])
    return awaiting(report.case)


def connector(api: str = "scim", team_id: str = TEAM) -> SlackConnector:
    return SlackConnector({"api": api, "team_id": team_id}, {"token": TOKEN}, transport=connectors._transport)


def _step(case: Case, direction: str = Direction.APPLY) -> RolloutAction:
    return RolloutAction.objects.on_systems().get(rollout__case=case, rollout__direction=direction)


def _end_ban(case: Case, decision: Any) -> None:
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()


@pytest.fixture
def banned(slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> Case:
    """A 30-day ban decided on a Slack member, to be carried out through SCIM; not yet run."""
    configure(administrator)
    case = slack_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return case


# --- Planning ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ban", ["temporary", "permanent", "interim"])
def test_every_ban_deactivates_through_scim_or_removes_through_the_admin_api(ban: str) -> None:
    assert [(step.kind, step.target) for step in connector().plan(USER, ban=ban)] == [(Kind.DEACTIVATE_ACCOUNT, "")]
    assert [(step.kind, step.target) for step in connector("admin").plan(USER, ban=ban)] == [
        (Kind.REMOVE_FROM_WORKSPACE, TEAM)]


@pytest.mark.parametrize(("handle", "valid"), [(USER, True), ("W0GRIDUSER", True), ("u0mallory", False),
                                               ("mallory@example.org", False), ("@mallory", False), ("", False)])
def test_a_handle_is_a_slack_member_id(handle: str, valid: bool) -> None:
    assert SlackConnector.valid_handle(handle) is valid


# --- SCIM ----------------------------------------------------------------------------------------


def test_scim_deactivates_verifies_and_reactivates_when_the_ban_ends(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure(administrator)
    case = slack_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    run_all_due()
    step = _step(case)
    assert step.kind == Kind.DEACTIVATE_ACCOUNT and step.status == ActionStatus.VERIFIED
    assert step.before == {"active": True} and step.change == {"deactivated": True}
    assert slack.members[USER].active is False
    assert ("DELETE", f"api.slack.com/scim/v2/Users/{USER}") in slack.calls
    _end_ban(case, decision)
    assert _step(case, Direction.REVERT).status == ActionStatus.VERIFIED
    assert slack.members[USER].active is True
    assert ("PATCH", f"api.slack.com/scim/v2/Users/{USER}") in slack.calls


def test_a_member_deactivated_before_stays_so_when_the_ban_ends(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    slack.members[USER].active = False
    configure(administrator)
    case = slack_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    run_all_due()
    step = _step(case)
    assert step.status == ActionStatus.VERIFIED and step.change == {}
    _end_ban(case, decision)
    assert slack.members[USER].active is False
    assert not [call for call in slack.calls if call[0] in {"DELETE", "PATCH"}]


def test_a_crash_between_apply_and_recording_changes_nothing_more(slack: FakeSlack) -> None:
    work = Work(kind=Kind.DEACTIVATE_ACCOUNT, target="", handle=USER, before={"active": True})
    assert connector().apply(work) == {"deactivated": True}
    assert connector().apply(work) == {"deactivated": True}  # finds its own deactivation
    assert [call for call in slack.calls if call[0] == "DELETE"] == [("DELETE", f"api.slack.com/scim/v2/Users/{USER}")]


def test_a_workspace_without_scim_gets_the_clear_message(banned: Case, slack: FakeSlack) -> None:
    slack.plan = "pro"
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and PLAN_MESSAGE in step.last_error
    assert "remove the person by hand in the workspace settings" in step.last_error


def test_a_missing_admin_scope_asks_a_person_with_the_reason(banned: Case, slack: FakeSlack) -> None:
    slack.scopes.discard("admin")
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "lacks the permission" in step.last_error
    assert "admin scope" in step.last_error and slack.members[USER].active is True


def test_an_unknown_member_asks_a_person(banned: Case, slack: FakeSlack) -> None:
    del slack.members[USER]
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "no such member" in step.last_error


def test_a_wrong_token_is_reported_in_words(banned: Case, slack: FakeSlack) -> None:
    slack.token = "xoxp-another"
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "refused Steward's token" in step.last_error
    assert TOKEN not in step.last_error


def test_a_429_waits_as_long_as_retry_after_says(banned: Case, slack: FakeSlack) -> None:
    slack.fail_next(httpx.Response(429, headers={"Retry-After": "60"}, json={"Errors": {"description": "rate_limited",
                                                                                          "code": 429}}))
    before = timezone.now()
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "rate limited" in step.last_error
    assert step.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert execution.work() == 0
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED


def test_a_server_error_is_retried(banned: Case, slack: FakeSlack) -> None:
    slack.fail_next(httpx.Response(503, text="<html>Service unavailable</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "server error (HTTP 503)" in step.last_error
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED


def test_a_timeout_is_retried(banned: Case, slack: FakeSlack) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "did not answer in time" in step.last_error
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED


def test_an_answer_that_is_not_json_stops_with_a_clear_reason(banned: Case, slack: FakeSlack) -> None:
    slack.fail_next(httpx.Response(200, text="<html>Sign in to Slack</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "not JSON (text/html, HTTP 200)" in step.last_error


# --- Admin API -----------------------------------------------------------------------------------


def test_the_admin_api_removes_from_the_workspace_verifies_and_adds_back_when_the_ban_ends(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    slack.members[USER].teams.add("T0OTHER")
    configure(administrator, "admin", TEAM)
    case = slack_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    run_all_due()
    step = _step(case)
    assert (step.kind, step.target, step.status) == (Kind.REMOVE_FROM_WORKSPACE, TEAM, ActionStatus.VERIFIED)
    assert step.before == {"member": True} and step.change == {"removed": True}
    assert slack.members[USER].teams == {"T0OTHER"}  # only the organisation's configured workspace
    _end_ban(case, decision)
    assert _step(case, Direction.REVERT).status == ActionStatus.VERIFIED
    assert slack.members[USER].teams == {TEAM, "T0OTHER"}


def test_a_person_not_in_the_workspace_is_not_added_back(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    slack.members[USER].teams.clear()
    configure(administrator, "admin", TEAM)
    case = slack_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    run_all_due()
    assert _step(case).change == {}
    _end_ban(case, decision)
    assert slack.members[USER].teams == set()
    assert not [call for call in slack.calls if call[1].endswith(("admin.users.remove", "admin.users.assign"))]


def test_when_the_read_cannot_tell_the_removal_is_unverified(slack: FakeSlack) -> None:
    slack.fail_next(httpx.Response(200, json={"ok": True, "user": {"id": USER, "deleted": False}}),
                    when=lambda request: request.url.path.endswith("users.info"))
    work = Work(kind=Kind.REMOVE_FROM_WORKSPACE, target=TEAM, handle=USER, before={"member": True})
    assert connector("admin").apply(work) == {"removed": True}
    slack.fail_next(httpx.Response(200, json={"ok": True, "user": {"id": USER, "deleted": False}}))
    assert connector("admin").verify(work) is None


@pytest.mark.parametrize(("answer", "reason"), [
    (FakeSlack.api_error("ratelimited"), None),
    (FakeSlack.api_error("invalid_auth"), "refused Steward's token"),
    (FakeSlack.api_error("not_allowed_token_type"), "user token of an Org Owner or Admin"),
    (FakeSlack.api_error("missing_scope", needed="admin.users:write"), "lacks the scope admin.users:write"),
    (FakeSlack.api_error("user_not_found"), "no such member"),
    (FakeSlack.api_error("feature_not_enabled"), PLAN_MESSAGE),
    (FakeSlack.api_error("not_an_enterprise"), PLAN_MESSAGE),
    (FakeSlack.api_error("something_new"), "refused the request (something_new)"),
])
def test_admin_api_errors_are_read_from_the_body(slack: FakeSlack, answer: httpx.Response, reason: str | None) -> None:
    from steward.enforcement.connectors.base import RetryLater

    slack.fail_next(answer)
    work = Work(kind=Kind.REMOVE_FROM_WORKSPACE, target=TEAM, handle=USER)
    if reason is None:
        with pytest.raises(RetryLater):
            connector("admin").observe(work)
        return
    with pytest.raises(NeedsHuman) as raised:
        connector("admin").observe(work)
    assert reason in raised.value.reason


def test_an_admin_api_rate_limit_waits_as_long_as_retry_after_says(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure(administrator, "admin", TEAM)
    case = slack_case(file_report)
    decide(case, decision_maker, "permanent_ban")
    slack.fail_next(httpx.Response(429, headers={"Retry-After": "30"}, json={"ok": False, "error": "ratelimited"}),
                    when=lambda request: request.url.path.endswith("admin.users.remove"))
    before = timezone.now()
    execution.work()
    step = _step(case)
    assert step.status == ActionStatus.PLANNED and step.next_attempt_at >= before + datetime.timedelta(seconds=30)
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED and TEAM not in slack.members[USER].teams


def test_a_workspace_not_on_enterprise_grid_gets_the_clear_message_from_the_admin_api(
        slack: FakeSlack, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    slack.plan = "business"
    configure(administrator, "admin", TEAM)
    case = slack_case(file_report)
    decide(case, decision_maker, "permanent_ban")
    run_all_due()
    step = _step(case)
    assert step.status == ActionStatus.NEEDS_HUMAN and PLAN_MESSAGE in step.last_error


# --- Configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "credentials", "field"), [
    ({"api": "email"}, {"token": TOKEN}, "api"),
    ({"api": "admin", "team_id": ""}, {"token": TOKEN}, "team_id"),
    ({"api": "scim", "team_id": "not a team"}, {"token": TOKEN}, "team_id"),
    ({"api": "scim"}, {"token": ""}, "token"),
    ({"api": "scim"}, {"token": "xoxb-a-bot-token"}, "token"),
])
def test_configuration_errors_name_the_field(given: dict[str, Any], credentials: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        SlackConnector.check_configuration(given, credentials)
    assert raised.value.field == field


def test_the_configuration_page_seals_the_token_and_never_shows_it(administrator: Any, enforcer: Any) -> None:
    client = login(administrator)
    assert client.get("/staff/connectors/slack/").status_code == 200
    form = {"api": "admin", "team_id": "", "token": TOKEN, "enabled": "on"}
    response = client.post("/staff/connectors/slack/", form)
    assert response.status_code == 400 and "workspace" in response.content.decode()
    assert not ConnectorConfig.objects.filter(system="slack").exists()
    assert client.post("/staff/connectors/slack/", {**form, "team_id": "t0steward"}).status_code == 302
    config = ConnectorConfig.objects.get(system="slack")
    assert config.options == {"api": "admin", "team_id": TEAM} and config.credentials == {"token": TOKEN}
    assert TOKEN.encode() not in bytes(config.credentials_sealed or b"")
    page = client.get("/staff/connectors/slack/").content.decode()
    assert TEAM in page and TOKEN not in page
    assert login(enforcer).get("/staff/connectors/slack/").status_code == 403


def test_test_connection_says_what_it_found_or_what_is_wrong(slack: FakeSlack, administrator: Any) -> None:
    configure(administrator)
    client = login(administrator)
    page = client.post("/staff/connectors/slack/test/", follow=True).content.decode()
    assert "Connected through SCIM; the workspace has 1 member(s)." in page
    configure(administrator, "admin", TEAM)
    page = client.post("/staff/connectors/slack/test/", follow=True).content.decode()
    assert f"Connected as steward-admin; the admin API lists the members of workspace {TEAM}." in page
    slack.plan = "pro"
    page = client.post("/staff/connectors/slack/test/", follow=True).content.decode()
    assert PLAN_MESSAGE in page
    assert AuditEntry.objects.filter(action="connector.test", actor_id=administrator.pk).count() == 3
