"""The Bugzilla connector against a faked Bugzilla: the account's sign-in disabled with the
configured login-denied text and its bug mail switched off, read back, and enabled again when
the ban ends only where Steward disabled it; Bugzilla's error codes turned into reasons in words;
retries for rate limits, server errors and timeouts; the configuration validated and sealed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from steward.cases.models import Case
from steward.decisions import returns
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import ConfigurationError, NeedsHuman, Work
from steward.enforcement.connectors.bugzilla import BugzillaConnector
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_bugzilla import API_KEY, FakeBugzilla

USER = "mallory@example.net"
ADDRESS = "http://bugzilla.test"
TEXT = "This account is disabled under the code of conduct. Contact conduct@example.org for questions."
SETTINGS = {"address": ADDRESS, "contact": "conduct@example.org", "login_denied_text": TEXT}


@pytest.fixture
def bugzilla() -> Iterator[FakeBugzilla]:
    fake = FakeBugzilla()
    fake.add_user(USER)
    with connectors.using_transport(fake.transport()):
        yield fake


def configure(admin: Any, **settings: Any) -> ConnectorConfig:
    return services.configure_connector("bugzilla", by=admin, settings={**SETTINGS, **settings},
                                        credentials={"api_key": API_KEY})


def bugzilla_case(file_report: Any, handle: str = USER) -> Case:
    report, _ = file_report(accounts=[Account("bugzilla", handle)])
    return awaiting(report.case)


@pytest.fixture
def banned(bugzilla: FakeBugzilla, administrator: Any, decision_maker: Any, file_report: Any) -> Rollout:
    configure(administrator)
    case = bugzilla_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return Rollout.objects.get(case=case)


def _step(rollout: Rollout) -> RolloutAction:
    return rollout.actions.get(system="bugzilla")


@pytest.mark.parametrize("ban", ["temporary", "interim", "permanent"])
def test_every_ban_disables_the_sign_in(ban: str) -> None:
    assert [(step.kind, step.target) for step in BugzillaConnector(SETTINGS, {}).plan(USER, ban=ban)] == [
        (Kind.DISABLE_LOGIN, "")]


@pytest.mark.parametrize(("handle", "valid"), [(USER, True), ("mallory", True), ("mal lory@example.net", False),
                                               ("", False)])
def test_handles_are_bugzilla_logins(handle: str, valid: bool) -> None:
    assert BugzillaConnector.valid_handle(handle) is valid


def test_a_ban_disables_the_account_and_its_end_enables_it_again(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    assert [action.kind for action in banned.actions.on_systems()] == [Kind.DISABLE_LOGIN]
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.VERIFIED
    assert bugzilla.users[USER]["login_denied_text"] == TEXT and bugzilla.users[USER]["email_enabled"] is False
    assert action.before == {"user_id": bugzilla.users[USER]["id"], "can_login": True, "login_denied_text": "",
                             "email_enabled": True}
    assert action.change == {"disabled": True, "text": TEXT, "email_disabled": True}

    assert banned.decision is not None and banned.decision.ends_on is not None
    returns.run_daily(today=banned.decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert bugzilla.users[USER]["login_denied_text"] == "" and bugzilla.users[USER]["email_enabled"] is True
    reversal = Rollout.objects.get(case=banned.case, direction=Direction.REVERT)
    assert _step(reversal).status == ActionStatus.VERIFIED


def test_an_account_disabled_before_stays_disabled_and_keeps_its_text(
        bugzilla: FakeBugzilla, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    bugzilla.users[USER].update(login_denied_text="Spam account.", email_enabled=False)
    configure(administrator)
    case = bugzilla_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    action = _step(Rollout.objects.get(case=case))
    assert action.status == ActionStatus.VERIFIED and action.change == {}
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert bugzilla.users[USER] == {"id": bugzilla.users[USER]["id"], "login_denied_text": "Spam account.",
                                    "email_enabled": False}
    assert not any(method == "PUT" for method, _ in bugzilla.calls)


def test_mail_turned_off_before_is_not_turned_on_by_the_reversal(bugzilla: FakeBugzilla) -> None:
    bugzilla.users[USER]["email_enabled"] = False
    connector = BugzillaConnector(SETTINGS, {"api_key": API_KEY}, transport=bugzilla.transport())
    before = connector.observe(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER))
    change = connector.apply(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before))
    assert change["email_disabled"] is False
    work = Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before, change=change)
    connector.revert(work)
    assert connector.verify_reverted(work) is True
    assert bugzilla.users[USER]["login_denied_text"] == "" and bugzilla.users[USER]["email_enabled"] is False


def test_an_account_disabled_again_by_someone_else_is_left_to_a_person(bugzilla: FakeBugzilla) -> None:
    connector = BugzillaConnector(SETTINGS, {"api_key": API_KEY}, transport=bugzilla.transport())
    before = connector.observe(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER))
    change = connector.apply(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before))
    bugzilla.users[USER]["login_denied_text"] = "Disabled for spamming."
    with pytest.raises(NeedsHuman) as stopped:
        connector.revert(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before, change=change))
    assert "another login-denied text" in stopped.value.reason
    assert bugzilla.users[USER]["login_denied_text"] == "Disabled for spamming."


def test_a_crash_between_apply_and_recording_changes_nothing_more(bugzilla: FakeBugzilla) -> None:
    connector = BugzillaConnector(SETTINGS, {"api_key": API_KEY}, transport=bugzilla.transport())
    before = connector.observe(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER))
    work = Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before)
    first = connector.apply(work)
    state = dict(bugzilla.users[USER])
    second = connector.apply(work)
    assert first == second and bugzilla.users[USER] == state
    assert connector.verify(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before, change=second))


# --- Failures --------------------------------------------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.fail_next(httpx.Response(429, headers={"Retry-After": "300"}, text="Too Many Requests"))
    before = timezone.now()
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.PLANNED and "rate limited by Bugzilla" in action.last_error
    assert action.next_attempt_at >= before + datetime.timedelta(seconds=300)
    run_all_due()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED


def test_a_server_error_is_retried(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.fail_next(FakeBugzilla.error(500, -32000, "DBD::mysql::st execute failed"))
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.PLANNED and "server error (HTTP 500)" in action.last_error
    run_all_due()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED


def test_a_timeout_is_retried(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.PLANNED and "did not answer in time" in action.last_error
    run_all_due()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED


def test_an_unknown_user_asks_a_person(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.users.clear()
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.NEEDS_HUMAN
    assert "no such account" in action.last_error and "code 51" in action.last_error


def test_an_account_outside_editusers_asks_a_person_with_the_reason(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.editusers = False
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.NEEDS_HUMAN and "editusers" in action.last_error
    assert bugzilla.users[USER]["login_denied_text"] == ""


def test_a_refused_edit_names_the_missing_group(bugzilla: FakeBugzilla) -> None:
    connector = BugzillaConnector(SETTINGS, {"api_key": API_KEY}, transport=bugzilla.transport())
    before = connector.observe(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER))
    bugzilla.editusers = False
    with pytest.raises(NeedsHuman) as stopped:
        connector.apply(Work(kind=Kind.DISABLE_LOGIN, target="", handle=USER, before=before))
    assert "may not edit users" in stopped.value.reason and "HTTP 401, code 304" in stopped.value.reason


def test_a_wrong_api_key_is_reported_in_words(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.api_key = "another"
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.NEEDS_HUMAN and "refused Steward's API key" in action.last_error
    assert API_KEY not in action.last_error


def test_an_answer_that_is_not_json_stops_the_step_with_the_reason(banned: Rollout, bugzilla: FakeBugzilla) -> None:
    bugzilla.fail_next(httpx.Response(200, text="<html>Bugzilla Main Page</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    action = _step(banned)
    assert action.status == ActionStatus.NEEDS_HUMAN and "not JSON (text/html, HTTP 200)" in action.last_error


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "credentials", "field"), [
    ({"address": "bugzilla.example.org"}, {"api_key": API_KEY}, "address"),
    ({"address": ""}, {"api_key": API_KEY}, "address"),
    ({}, {"api_key": ""}, "api_key"),
])
def test_configuration_errors_name_the_field(given: dict[str, Any], credentials: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        BugzillaConnector.check_configuration({**SETTINGS, **given}, credentials)
    assert refused.value.field == field


def test_the_login_denied_text_has_a_default_naming_the_contact() -> None:
    cleaned = BugzillaConnector.check_configuration({"address": ADDRESS + "/", "contact": "conduct@example.org"},
                                                    {"api_key": API_KEY})
    assert cleaned == {"address": ADDRESS, "contact": "conduct@example.org", "login_denied_text": TEXT}
    bare = BugzillaConnector.check_configuration({"address": ADDRESS}, {"api_key": API_KEY})
    assert bare["login_denied_text"] == "This account is disabled under the code of conduct."


def test_test_connection_says_what_it_found_or_what_is_wrong(bugzilla: FakeBugzilla, administrator: Any) -> None:
    configure(administrator)
    client = login(administrator)
    page = client.post("/staff/connectors/bugzilla/test/", follow=True).content.decode()
    assert "Connected to Bugzilla 5.2 as steward@example.org, in the editusers group." in page
    bugzilla.editusers = False
    page = client.post("/staff/connectors/bugzilla/test/", follow=True).content.decode()
    assert "steward@example.org is not in the editusers group" in page
    bugzilla.editusers, bugzilla.whoami = True, False
    page = client.post("/staff/connectors/bugzilla/test/", follow=True).content.decode()
    assert "Connected to Bugzilla 5.0.4, which cannot say whose API key this is" in page
    bugzilla.api_key = "another"
    page = client.post("/staff/connectors/bugzilla/test/", follow=True).content.decode()
    assert "API key" in page and "code 306" in page


def test_the_configuration_page_saves_the_settings_and_never_shows_the_key(administrator: Any, enforcer: Any) -> None:
    client = login(administrator)
    form = {"address": "", "contact": "conduct@example.org", "login_denied_text": "", "api_key": API_KEY,
            "enabled": "on"}
    assert client.post("/staff/connectors/bugzilla/", form).status_code == 400
    assert not ConnectorConfig.objects.exists()
    assert client.post("/staff/connectors/bugzilla/", {**form, "address": ADDRESS}).status_code == 302
    config = ConnectorConfig.objects.get(system="bugzilla")
    assert config.options == SETTINGS and config.credentials == {"api_key": API_KEY}
    sealed = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get()
    assert sealed is not None and API_KEY.encode() not in bytes(sealed)
    page = client.get("/staff/connectors/bugzilla/").content.decode()
    assert ADDRESS in page and API_KEY not in page and "conduct@example.org" in page
    assert login(enforcer).get("/staff/connectors/bugzilla/").status_code == 403
