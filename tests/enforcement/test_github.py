"""The GitHub connector against a faked organisation: a ban removes the person from teams, from
repositories as an outside collaborator and from the organisation, then blocks them, verified by
reading back; its reversal undoes only what Steward changed; rate limits, errors and refusals
reach the rollout as a retry or a reason in words; tokens and GitHub Apps both sign in."""

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
from steward.enforcement.connectors.base import ConfigurationError, NeedsHuman, RetryLater, Work
from steward.enforcement.connectors.github import GitHubConnector
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_github import API, ORG, TOKEN, FakeGitHub, app_key, pem

USER = "mallory"
STEPS = [Kind.REMOVE_FROM_TEAMS, Kind.REMOVE_COLLABORATOR, Kind.REMOVE_MEMBER, Kind.BLOCK_USER]
SETTINGS = {"api_url": API, "organization": ORG, "auth": "token"}


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(users={USER: 7, "olivia": 8, "steward-bot": 1},
                      members={USER: ("member", "active")},
                      teams={"core": {USER: ("maintainer", "active")}, "docs": {USER: ("member", "active")},
                             "infra": {"olivia": ("member", "active")}},
                      repos={"website": {"olivia": "write"}, "handbook": {"olivia": "triage"}, "tools": {}},
                      outside={"olivia"})
    with connectors.using_transport(fake.transport()):
        yield fake


def configure_github(admin: Any, **settings: Any) -> ConnectorConfig:
    credentials = settings.pop("credentials", {"token": TOKEN})
    return services.configure_connector("github", by=admin, settings={**SETTINGS, **settings}, credentials=credentials)


def github_case(file_report: Any, handle: str = USER) -> Case:
    report, _ = file_report(accounts=[Account("github", handle)])
    return awaiting(report.case)


def connector(**settings: Any) -> GitHubConnector:
    credentials = settings.pop("credentials", {"token": TOKEN})
    return GitHubConnector({**SETTINGS, **settings}, credentials, transport=connectors._transport)


def _steps(rollout: Rollout) -> list[RolloutAction]:
    return list(rollout.actions.on_systems().order_by("position"))


@pytest.fixture
def banned(github: FakeGitHub, administrator: Any, decision_maker: Any, file_report: Any) -> Rollout:
    """A 30-day ban of an organisation member, planned and not yet run."""
    configure_github(administrator)
    decide(github_case(file_report), decision_maker, "temporary_ban", days=30)
    return Rollout.objects.get()


# --- Plan and configuration ----------------------------------------------------------------------


@pytest.mark.parametrize("ban", ["temporary", "permanent", "interim"])
def test_every_ban_removes_from_teams_collaborations_and_membership_before_blocking(ban: str) -> None:
    steps = connector().plan(USER, ban=ban)
    assert [(step.kind, step.target) for step in steps] == [(kind, "") for kind in STEPS]


def test_a_decision_plans_the_four_steps_in_order(banned: Rollout) -> None:
    assert [(action.kind, action.target) for action in _steps(banned)] == [(kind, "") for kind in STEPS]


@pytest.mark.parametrize(("handle", "valid"), [
    ("mallory", True), ("m", True), ("a-b-c", True), ("A1" * 19 + "x", True), ("a" * 40, False),
    ("-mallory", False), ("mallory-", False), ("mal--lory", False), ("mal_lory", False), ("@mallory", False),
    ("", False)])
def test_handles_follow_githubs_rules_for_usernames(handle: str, valid: bool) -> None:
    assert GitHubConnector.valid_handle(handle) is valid


def test_a_handle_that_is_not_a_github_login_is_left_to_a_person(github: FakeGitHub, administrator: Any,
                                                                  decision_maker: Any, file_report: Any) -> None:
    configure_github(administrator)
    decide(github_case(file_report, "not a login"), decision_maker, "permanent_ban")
    assert Rollout.objects.get().actions.filter(system="github", kind=Kind.MANUAL, step="fix_identity").exists()


@pytest.mark.parametrize(("given", "credentials", "field"), [
    ({"api_url": "api.github.com/v3"}, {"token": TOKEN}, "api_url"),
    ({"organization": "-bad-"}, {"token": TOKEN}, "organization"),
    ({"organization": "x" * 40}, {"token": TOKEN}, "organization"),
    ({}, {}, "token"),
    ({"auth": "password"}, {"token": TOKEN}, "auth"),
    ({"auth": "app", "app_id": "my app", "installation_id": "1"}, {"private_key": "x"}, "app_id"),
    ({"auth": "app", "app_id": "1", "installation_id": "one"}, {"private_key": "x"}, "installation_id"),
    ({"auth": "app", "app_id": "1", "installation_id": "1"}, {"private_key": "not a key"}, "private_key"),
])
def test_configuration_errors_name_the_field(given: dict[str, str], credentials: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        GitHubConnector.check_configuration({**SETTINGS, **given}, credentials)
    assert refused.value.field == field and refused.value.message


def test_the_api_address_defaults_to_github_com_and_an_app_key_may_lose_its_line_breaks() -> None:
    key = pem(app_key()).replace("\n", " ")  # what a password field makes of a pasted .pem
    cleaned = GitHubConnector.check_configuration(
        {"api_url": "", "organization": ORG, "auth": "app", "app_id": "123", "installation_id": "45"},
        {"private_key": key})
    assert cleaned == {"api_url": "https://api.github.com", "organization": ORG, "auth": "app", "app_id": "123",
                       "installation_id": "45"}


# --- Carried out and reversed --------------------------------------------------------------------


def test_a_ban_of_a_member_is_carried_out_verified_and_reversed_undoing_only_stewards_changes(
        banned: Rollout, github: FakeGitHub) -> None:
    run_all_due()
    teams, collaborator, member, block = _steps(banned)
    assert {action.status for action in (teams, collaborator, member, block)} == {ActionStatus.VERIFIED}, [
        action.last_error for action in _steps(banned)]
    assert teams.change == {"teams": {"core": "maintainer", "docs": "member"}}
    assert collaborator.change == {}  # a member is no outside collaborator
    assert member.change == {"removed": True, "role": "member", "state": "active"}
    assert block.change == {"blocked": True}
    assert USER in github.blocked and USER not in github.members
    assert all(USER not in people for people in github.teams.values())
    assert github.teams["infra"] == {"olivia": ("member", "active")}  # nobody else touched

    decision = banned.decision
    assert decision is not None and decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    reversal = Rollout.objects.get(direction=Direction.REVERT)
    undone = {action.kind: action for action in reversal.actions.on_systems()}
    assert set(undone) == {Kind.REMOVE_FROM_TEAMS, Kind.REMOVE_MEMBER, Kind.BLOCK_USER}  # nothing to undo for the other
    assert USER not in github.blocked
    # Re-added with their roles: invitations, until accepted GitHub cannot show them back.
    assert github.members[USER] == ("member", "pending")
    assert {slug: people[USER] for slug, people in github.teams.items() if USER in people} == {
        "core": ("maintainer", "pending"), "docs": ("member", "pending")}
    assert undone[Kind.BLOCK_USER].status == ActionStatus.VERIFIED
    assert undone[Kind.REMOVE_MEMBER].status == ActionStatus.UNVERIFIED
    assert undone[Kind.REMOVE_FROM_TEAMS].status == ActionStatus.UNVERIFIED
    # Re-adding waited for the block to be lifted (GitHub refuses to invite a blocked person).
    assert undone[Kind.REMOVE_FROM_TEAMS].attempts == 2


def test_an_outside_collaborator_is_removed_and_invited_back_with_the_same_permissions(
        github: FakeGitHub, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    configure_github(administrator)
    case = github_case(file_report, "olivia")
    decide(case, decision_maker, "temporary_ban", days=10)
    run_all_due()
    rollout = Rollout.objects.get(case=case)
    teams, collaborator, member, block = _steps(rollout)
    assert collaborator.before == {"outside": True, "repos": {"handbook": "triage", "website": "write"}}
    assert collaborator.change == {"removed": True, "repos": {"handbook": "triage", "website": "write"}}
    assert member.change == {} and teams.change == {"teams": {"infra": "member"}} and block.change == {"blocked": True}
    assert "olivia" not in github.outside and github.repos["website"] == {}
    assert {action.status for action in _steps(rollout)} == {ActionStatus.VERIFIED}

    decision = rollout.decision
    assert decision is not None and decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    # GitHub's PUT takes "push" for the role it reads back as "write"; invitations are listed.
    assert github.invitations == {"handbook": {"olivia": "triage"}, "website": {"olivia": "write"}}
    reverted = Rollout.objects.get(direction=Direction.REVERT).actions.get(kind=Kind.REMOVE_COLLABORATOR)
    assert reverted.status == ActionStatus.VERIFIED
    assert ("PUT", f"/repos/{ORG}/website/collaborators/olivia") in github.calls


def test_an_invitation_no_longer_listed_cannot_be_told_from_a_decline(github: FakeGitHub) -> None:
    work = Work(kind=Kind.REMOVE_COLLABORATOR, target="", handle="olivia",
                before={"outside": True, "repos": {"website": "write"}}, change={"removed": True,
                                                                                 "repos": {"website": "write"}})
    github.outside.clear()
    github.repos["website"].clear()
    assert connector().verify_reverted(work) is None
    github.invitations["website"] = {"olivia": "write"}
    assert connector().verify_reverted(work) is True
    github.accept_invitations("olivia")
    assert connector().verify_reverted(work) is True and github.repos["website"] == {"olivia": "write"}


def test_a_person_blocked_before_steward_stays_blocked_when_the_ban_ends(
        github: FakeGitHub, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    github.users["trent"] = 9
    github.blocked.add("trent")
    configure_github(administrator)
    case = github_case(file_report, "trent")
    decide(case, decision_maker, "temporary_ban", days=10)
    run_all_due()
    rollout = Rollout.objects.get(case=case)
    assert {action.status for action in _steps(rollout)} == {ActionStatus.VERIFIED}
    assert all(action.change == {} for action in _steps(rollout))
    decision = rollout.decision
    assert decision is not None and decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    assert "trent" in github.blocked
    assert not [call for call in github.calls if call[0] == "DELETE"]


def test_a_flagged_account_github_hides_is_unverified_never_verified(banned: Rollout, github: FakeGitHub) -> None:
    github.hidden.add(USER)  # GitHub answers 404 for it, blocked or not
    run_all_due()
    block = banned.actions.get(kind=Kind.BLOCK_USER)
    assert block.status == ActionStatus.UNVERIFIED and USER in github.blocked


def test_a_crash_between_apply_and_recording_changes_nothing_more(github: FakeGitHub) -> None:
    github_connector = connector()
    for kind in STEPS:
        work = Work(kind=kind, target="", handle=USER)
        work = Work(kind=kind, target="", handle=USER, before=github_connector.observe(work))
        first = github_connector.apply(work)
        state = (set(github.blocked), dict(github.members), {slug: dict(p) for slug, p in github.teams.items()})
        assert github_connector.apply(work) == first  # the worker died before recording: applied again
        assert state == (set(github.blocked), dict(github.members),
                         {slug: dict(p) for slug, p in github.teams.items()})
        assert github_connector.verify(work) is True
    assert [call for call in github.calls if call[0] == "PUT"] == [("PUT", f"/orgs/{ORG}/blocks/{USER}")] * 2


def test_long_lists_are_read_page_by_page_through_the_link_header(github: FakeGitHub) -> None:
    github.page_size = 1
    found = connector().observe(Work(kind=Kind.REMOVE_FROM_TEAMS, target="", handle=USER))
    assert found == {"teams": {"core": "maintainer", "docs": "member"}}
    assert [path for method, path in github.calls if path == f"/orgs/{ORG}/teams"] == [f"/orgs/{ORG}/teams"] * 3


def test_a_next_page_on_another_host_is_refused(github: FakeGitHub) -> None:
    github.fail_next(httpx.Response(200, json=[{"slug": "core"}],
                                    headers={"Link": '<https://elsewhere.test/teams?page=2>; rel="next"'}),
                     when=lambda request: request.url.path.endswith("/teams"))
    with pytest.raises(NeedsHuman, match="another host"):
        connector().observe(Work(kind=Kind.REMOVE_FROM_TEAMS, target="", handle=USER))


# --- Rate limits, errors, refusals ---------------------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says(banned: Rollout, github: FakeGitHub) -> None:
    github.fail_next(FakeGitHub.error(429, "Too many requests", headers={"Retry-After": "120"}))
    before = timezone.now()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "rate limited" in first.last_error
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=120)


def test_the_primary_rate_limit_waits_until_its_reset(banned: Rollout, github: FakeGitHub) -> None:
    reset = int(time.time()) + 900
    github.fail_next(FakeGitHub.error(403, "API rate limit exceeded for user ID 1.",
                                      headers=FakeGitHub.rate_headers(remaining=0, reset=reset)))
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "rate limited" in first.last_error
    assert first.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=850)


def test_a_secondary_rate_limit_without_headers_waits_at_least_a_minute(banned: Rollout, github: FakeGitHub) -> None:
    github.fail_next(FakeGitHub.error(403, "You have exceeded a secondary rate limit. Please wait a few minutes "
                                           "before you try again."))
    before = timezone.now()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=60)
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_a_server_error_and_a_timeout_are_retried(banned: Rollout, github: FakeGitHub) -> None:
    github.fail_next(httpx.Response(502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "server error (HTTP 502)" in first.last_error

    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    RolloutAction.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    first.refresh_from_db()
    assert first.status == ActionStatus.PLANNED and "did not answer in time" in first.last_error
    run_all_due()
    assert {action.status for action in _steps(banned)} == {ActionStatus.VERIFIED}


def test_an_unknown_user_stops_the_block_for_a_person(github: FakeGitHub, administrator: Any, decision_maker: Any,
                                                      file_report: Any) -> None:
    configure_github(administrator)
    decide(github_case(file_report, "nobody-here"), decision_maker, "permanent_ban")
    run_all_due()
    block = RolloutAction.objects.get(kind=Kind.BLOCK_USER)
    assert block.status == ActionStatus.NEEDS_HUMAN
    assert "found no such user" in block.last_error and "HTTP 404" in block.last_error


def test_a_missing_permission_names_the_permission(banned: Rollout, github: FakeGitHub) -> None:
    github.fail_next(FakeGitHub.error(403, "Resource not accessible by integration"),
                     when=lambda request: request.method == "DELETE" and "/memberships/" in request.url.path)
    execution.work()
    teams = _steps(banned)[0]
    assert teams.status == ActionStatus.NEEDS_HUMAN
    assert "lack the permission" in teams.last_error and "\"Members\"" in teams.last_error
    assert "Resource not accessible by integration" in teams.last_error
    assert not [call for call in github.calls if call[0] == "DELETE" and "/teams/" in call[1]][1:]  # stopped there


def test_wrong_credentials_are_reported_in_words(banned: Rollout, github: FakeGitHub) -> None:
    github.tokens.clear()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN
    assert "refused Steward's credentials (HTTP 401: Bad credentials)" in first.last_error


def test_an_answer_that_is_not_json_stops_the_step_with_a_reason(banned: Rollout, github: FakeGitHub) -> None:
    github.fail_next(httpx.Response(200, text="<html>Sign in</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and "not JSON (text/html, HTTP 200)" in first.last_error


def test_a_feature_the_plan_does_not_offer_is_said_in_words(github: FakeGitHub) -> None:
    github.members.clear()
    github.fail_next(FakeGitHub.error(422, "Blocking users is not available on your organization's plan."),
                     when=lambda request: request.method == "PUT")
    work = Work(kind=Kind.BLOCK_USER, target="", handle=USER, before={"blocked": False})
    with pytest.raises(NeedsHuman, match="plan does not offer this"):
        connector().apply(work)


def test_a_member_github_refuses_to_block_is_a_reason_in_words(github: FakeGitHub) -> None:
    work = Work(kind=Kind.BLOCK_USER, target="", handle=USER, before={"blocked": False})
    with pytest.raises(NeedsHuman, match="Blocked user is a member"):
        connector().apply(work)


def test_an_org_role_steward_cannot_give_back_is_left_to_a_person(github: FakeGitHub) -> None:
    github.members.clear()
    work = Work(kind=Kind.REMOVE_MEMBER, target="", handle=USER, change={"removed": True, "role": "billing_manager"})
    with pytest.raises(NeedsHuman, match="billing_manager"):
        connector().revert(work)
    assert USER not in github.members


def test_re_adding_waits_while_the_person_is_blocked(github: FakeGitHub) -> None:
    github.blocked.add(USER)
    work = Work(kind=Kind.REMOVE_FROM_TEAMS, target="", handle=USER, change={"teams": {"infra": "member"}})
    with pytest.raises(RetryLater) as waiting:
        connector().revert(work)
    assert waiting.value.after == 60 and USER not in github.teams["infra"]


# --- GitHub App ----------------------------------------------------------------------------------


def test_a_github_app_signs_a_jwt_and_keeps_its_installation_token_until_near_expiry(github: FakeGitHub) -> None:
    key = app_key()
    github.app_public_key = key.public_key()
    app = connector(auth="app", app_id=github.app_id, installation_id=github.installation_id,
                    credentials={"private_key": pem(key)})
    assert app.observe(Work(kind=Kind.BLOCK_USER, target="", handle=USER)) == {"blocked": False}
    assert app.observe(Work(kind=Kind.REMOVE_MEMBER, target="", handle=USER))["member"] is True
    assert github.exchanges == 1  # one token for both
    assert app._installation is not None
    app._installation = (app._installation[0], datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=2))
    app.observe(Work(kind=Kind.BLOCK_USER, target="", handle=USER))
    assert github.exchanges == 2  # renewed before it expires


def test_a_github_app_with_a_wrong_key_or_installation_is_told_in_words(github: FakeGitHub) -> None:
    github.app_public_key = app_key().public_key()
    app = connector(auth="app", app_id=github.app_id, installation_id=github.installation_id,
                    credentials={"private_key": pem(app_key())})
    with pytest.raises(NeedsHuman, match="refused Steward's credentials"):
        app.observe(Work(kind=Kind.BLOCK_USER, target="", handle=USER))
    key = app_key()
    github.app_public_key = key.public_key()
    app = connector(auth="app", app_id=github.app_id, installation_id="1", credentials={"private_key": pem(key)})
    with pytest.raises(NeedsHuman, match="no installation 1"):
        app.observe(Work(kind=Kind.BLOCK_USER, target="", handle=USER))


# --- Configuration page and test connection ------------------------------------------------------


def test_the_configuration_page_seals_the_token_and_never_shows_it(administrator: Any, enforcer: Any) -> None:
    client = login(administrator)
    form = {"api_url": API, "organization": ORG, "auth": "token", "app_id": "", "installation_id": "",
            "token": TOKEN, "private_key": "", "enabled": "on"}
    assert client.post("/staff/connectors/github/", {**form, "organization": "bad org"}).status_code == 400
    assert client.post("/staff/connectors/github/", form).status_code == 302
    config = ConnectorConfig.objects.get(system="github")
    assert config.options == {**SETTINGS, "app_id": "", "installation_id": ""}
    assert config.credentials == {"token": TOKEN}
    sealed = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get()
    assert sealed is not None and TOKEN.encode() not in bytes(sealed)
    page = client.get("/staff/connectors/github/").content.decode()
    assert ORG in page and TOKEN not in page
    assert client.post("/staff/connectors/github/", {**form, "token": ""}).status_code == 302  # kept
    assert ConnectorConfig.objects.get(system="github").credentials == {"token": TOKEN}
    assert login(enforcer).get("/staff/connectors/github/").status_code == 403


def test_test_connection_says_what_it_found_or_what_is_wrong(github: FakeGitHub, administrator: Any) -> None:
    configure_github(administrator)
    client = login(administrator)
    page = client.post("/staff/connectors/github/test/", follow=True).content.decode()
    assert f"Connected to the organisation {ORG} as steward-bot" in page
    github.fail_next(FakeGitHub.error(404, "Not Found"), when=lambda request: request.url.path.endswith("/blocks"))
    page = client.post("/staff/connectors/github/test/", follow=True).content.decode()
    assert "Blocking users" in page and "HTTP 404" in page
