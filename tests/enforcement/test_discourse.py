"""The Discourse connector against a faked forum: a ban suspends (or silences) the account and is
verified from the staff view; its end lifts only what Steward put on; rate limits, server errors
and timeouts are retried, refusals stop for a person with the reason in words; a repeated attempt
changes nothing more; the configuration page seals the key and never shows it again."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.decisions import interim, returns
from steward.decisions.models import InterimRestriction
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import ConfigurationError, NeedsHuman, RetryLater, Work
from steward.enforcement.connectors.discourse import REASON_LIMIT, DiscourseConnector, cut_reason
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_discourse import FakeDiscourse

FORUM = "https://discuss.steward.test"
KEY = "discourse-fake-key"  # the faked forum's; not a secret
SETTINGS = {"forum": FORUM, "ban": "suspend", "message": "", "api_username": "system"}


@pytest.fixture
def forum() -> Iterator[FakeDiscourse]:
    fake = FakeDiscourse(api_key=KEY)
    fake.add("system", admin=True)
    fake.add("mallory")
    with connectors.using_transport(fake.transport()):
        yield fake


def configure(admin: Any, **settings: Any) -> ConnectorConfig:
    return services.configure_connector("discourse", by=admin, settings={**SETTINGS, **settings},
                                        credentials={"api_key": KEY})


def discourse_case(file_report: Any, username: str = "mallory") -> Case:
    report, _ = file_report(accounts=[Account("discourse", username)])
    return awaiting(report.case)


def connector(**settings: Any) -> DiscourseConnector:
    return DiscourseConnector({**SETTINGS, **settings}, {"api_key": KEY}, transport=connectors._transport)


def _step(case: Case, direction: str = Direction.APPLY) -> RolloutAction:
    return RolloutAction.objects.on_systems().get(rollout__case=case, rollout__direction=direction)


@pytest.fixture
def banned(forum: FakeDiscourse, administrator: Any, decision_maker: Any, file_report: Any) -> Case:
    """A 30-day ban decided on the Discourse user mallory, its rollout planned and not yet run."""
    configure(administrator)
    case = discourse_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return case


# --- Planning ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ban", ["temporary", "permanent", "interim"])
def test_every_ban_is_one_step_on_the_account_as_the_settings_choose(ban: str) -> None:
    assert [(step.kind, step.target) for step in connector().plan("mallory", ban=ban)] == [(Kind.SUSPEND_ACCOUNT, "")]
    assert [step.kind for step in connector(ban="silence").plan("mallory", ban=ban)] == [Kind.SILENCE]


@pytest.mark.parametrize(("handle", "valid"), [("mallory", True), ("mal.lory-2_x", True), ("Ünïcödé", True),
                                               ("with space", False), ("", False), ("a/b", False)])
def test_a_handle_is_a_discourse_username(handle: str, valid: bool) -> None:
    assert DiscourseConnector.valid_handle(handle) is valid


# --- Apply and verify ----------------------------------------------------------------------------


def test_a_temporary_suspension_ends_when_the_ban_does_and_is_verified(forum: FakeDiscourse) -> None:
    end = timezone.now() + datetime.timedelta(days=30)
    work = Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory", expires_at=end)
    before = connector().observe(work)
    assert before == {"user_id": forum.user("mallory").id, "until": ""}
    work = Work(kind=work.kind, target="", handle="mallory", expires_at=end, before=before)
    assert connector().apply(work) == {"applied": True}
    assert connector().verify(work) is True
    mallory = forum.user("mallory")
    assert mallory.suspended_till is not None and abs((mallory.suspended_till - end).total_seconds()) < 1
    assert mallory.reasons == ["Code of conduct enforcement"] and mallory.messages == [""]


def test_a_permanent_ban_suspends_for_a_thousand_years_as_discourse_forever_does(
        banned: Case, forum: FakeDiscourse, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    forum.add("trudy")
    case = discourse_case(file_report, "trudy")
    decide(case, decision_maker, "permanent_ban")
    run_all_due()
    assert _step(case).status == ActionStatus.VERIFIED
    until = forum.user("trudy").suspended_till
    assert until is not None and until.year >= timezone.now().year + 999


def test_the_message_setting_is_sent_for_discourse_to_email(forum: FakeDiscourse) -> None:
    work = Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory", before={"user_id": 2, "until": ""})
    connector(message="Your account is suspended; see the email from the code of conduct team.").apply(work)
    assert forum.user("mallory").messages == ["Your account is suspended; see the email from the code of conduct team."]


def test_a_long_reason_is_cut_at_a_word_within_discourse_limit(forum: FakeDiscourse) -> None:
    reason = "Repeated personal attacks in the forum " * 20
    cut = cut_reason(reason)
    assert len(cut) <= REASON_LIMIT and cut.endswith("…") and cut[:-1].rstrip() == cut[:-1]
    assert reason.startswith(cut[:-1])
    work = Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory", before={"user_id": 2, "until": ""},
                reason=reason)
    assert connector().apply(work) == {"applied": True}  # the fake refuses more than 300 characters, as Discourse does
    assert cut_reason("  ") == "Code of conduct enforcement"


# --- Through the worker --------------------------------------------------------------------------


def test_a_ban_is_carried_out_verified_and_lifted_when_it_ends(
        banned: Case, forum: FakeDiscourse, decision_maker: Any) -> None:
    run_all_due()
    step = _step(banned)
    assert step.kind == Kind.SUSPEND_ACCOUNT and step.status == ActionStatus.VERIFIED
    assert step.change == {"applied": True} and forum.user("mallory").suspended()

    decision = Rollout.objects.get(case=banned, direction=Direction.APPLY).decision
    assert decision is not None and decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    assert _step(banned, Direction.REVERT).status == ActionStatus.VERIFIED
    assert not forum.user("mallory").suspended()
    step.refresh_from_db()
    assert step.status == ActionStatus.REVERTED
    assert ("PUT", f"/admin/users/{forum.user('mallory').id}/unsuspend.json") in forum.calls


def test_a_person_suspended_before_stays_suspended_when_the_ban_ends(
        forum: FakeDiscourse, administrator: Any, decision_maker: Any, file_report: Any) -> None:
    forum.user("mallory").suspended_till = timezone.now() + datetime.timedelta(days=3650)
    configure(administrator)
    case = discourse_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    run_all_due()
    step = _step(case)
    assert step.status == ActionStatus.VERIFIED and step.change == {}
    assert not [call for call in forum.calls if call[0] == "PUT"]
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    assert forum.user("mallory").suspended()  # not Steward's to lift
    assert not [call for call in forum.calls if call[1].endswith("/unsuspend.json")]


def test_a_shorter_suspension_found_before_is_left_to_a_person(banned: Case, forum: FakeDiscourse) -> None:
    forum.user("mallory").suspended_till = timezone.now() + datetime.timedelta(days=2)
    run_all_due()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "before the ban ends" in step.last_error


def test_an_interim_suspension_silences_when_so_configured_and_is_lifted_when_it_ends(
        forum: FakeDiscourse, administrator: Any, file_report: Any) -> None:
    configure(administrator, ban="silence")
    case = discourse_case(file_report)
    person = case.parties.get(role="reported").person
    interim.impose(case, by=make_staff("tina", "triager"), subject=person, restriction=InterimRestriction.SUSPENDED,
                   ends_on=timezone.localdate() + datetime.timedelta(days=7), reason="Threats in the forum.")
    run_all_due()
    step = _step(case)
    assert step.kind == Kind.SILENCE and step.status == ActionStatus.VERIFIED
    mallory = forum.user("mallory")
    assert mallory.silenced() and not mallory.suspended()
    interim.end_due_measures(timezone.localdate() + datetime.timedelta(days=7))
    run_all_due()
    assert not forum.user("mallory").silenced()
    assert _step(case, Direction.REVERT).status == ActionStatus.VERIFIED


def test_a_crash_between_apply_and_recording_changes_nothing_more(forum: FakeDiscourse) -> None:
    work = Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory",
                before=connector().observe(Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory")))
    first = connector().apply(work)
    till = forum.user("mallory").suspended_till
    assert connector().apply(work) == first == {"applied": True}  # the second attempt finds its own suspension
    assert [call for call in forum.calls if call[0] == "PUT"] == [("PUT", "/admin/users/2/suspend.json")]
    assert forum.user("mallory").suspended_till == till


# --- What is retried, what stops for a person ----------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says(banned: Case, forum: FakeDiscourse) -> None:
    forum.fail_next(FakeDiscourse.rate_limited(90), when=lambda request: request.method == "PUT")
    before = timezone.now()
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "rate limited" in step.last_error
    assert step.next_attempt_at >= before + datetime.timedelta(seconds=90)
    assert execution.work() == 0
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED and step.attempts == 2


def test_a_429_without_retry_after_waits_as_the_body_says(forum: FakeDiscourse) -> None:
    response = FakeDiscourse.rate_limited(45)
    del response.headers["Retry-After"]
    forum.fail_next(response)
    with pytest.raises(RetryLater) as raised:
        connector().observe(Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory"))
    assert raised.value.after == 45


def test_a_server_error_is_retried(banned: Case, forum: FakeDiscourse) -> None:
    forum.fail_next(httpx.Response(502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "server error (HTTP 502)" in step.last_error
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED


def test_a_timeout_is_retried(banned: Case, forum: FakeDiscourse) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.PLANNED and "did not answer in time" in step.last_error
    run_all_due()
    step.refresh_from_db()
    assert step.status == ActionStatus.VERIFIED


def test_an_unknown_user_asks_a_person(banned: Case, forum: FakeDiscourse) -> None:
    del forum.users["mallory"]
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "no user mallory" in step.last_error


def test_a_missing_permission_asks_a_person_with_the_reason(banned: Case, forum: FakeDiscourse) -> None:
    forum.fail_next(FakeDiscourse.error(403, "invalid_access", "You are not permitted to view the requested resource."),
                    when=lambda request: request.method == "PUT")
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN
    assert "lacks the permission" in step.last_error and "not permitted" in step.last_error
    assert not forum.user("mallory").suspended()
    assert execution.work() == 0


def test_an_api_username_that_is_not_staff_is_named(banned: Case, forum: FakeDiscourse) -> None:
    forum.user("system").admin = False
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "administrator or moderator" in step.last_error


def test_a_wrong_api_key_is_reported_in_words(banned: Case, forum: FakeDiscourse) -> None:
    forum.api_key = "another"
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "refused Steward's API key" in step.last_error
    assert KEY not in step.last_error


def test_an_answer_that_is_not_json_stops_with_a_clear_reason(banned: Case, forum: FakeDiscourse) -> None:
    forum.fail_next(httpx.Response(200, text="<html>Welcome to nginx</html>", headers={"Content-Type": "text/html"}))
    execution.work()
    step = _step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and "not JSON (text/html, HTTP 200)" in step.last_error
    assert step.before is None and step.change == {}


def test_another_refusal_gives_discourse_words_cut_short(forum: FakeDiscourse) -> None:
    forum.fail_next(httpx.Response(422, json={"errors": ["x" * 500], "error_type": "invalid_parameters"}))
    with pytest.raises(NeedsHuman) as raised:
        connector().observe(Work(kind=Kind.SUSPEND_ACCOUNT, target="", handle="mallory"))
    assert "HTTP 422" in raised.value.reason and len(raised.value.reason) < 300


# --- Configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "credentials", "field"), [
    ({"forum": "discuss.example.org"}, {"api_key": KEY}, "forum"),
    ({"ban": "delete"}, {"api_key": KEY}, "ban"),
    ({"message": "m" * 501}, {"api_key": KEY}, "message"),
    ({"api_username": "two words"}, {"api_key": KEY}, "api_username"),
    ({}, {"api_key": " "}, "api_key"),
])
def test_configuration_errors_name_the_field(given: dict[str, Any], credentials: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        DiscourseConnector.check_configuration({**SETTINGS, **given}, credentials)
    assert raised.value.field == field


def test_configuration_is_cleaned() -> None:
    cleaned = DiscourseConnector.check_configuration(
        {"forum": f"{FORUM}/", "ban": "", "message": " Hello ", "api_username": "@system"}, {"api_key": KEY})
    assert cleaned == {"forum": FORUM, "ban": "suspend", "message": "Hello", "api_username": "system"}


def test_the_configuration_page_seals_the_key_and_never_shows_it(administrator: Any, enforcer: Any) -> None:
    client = login(administrator)
    first = client.get("/staff/connectors/discourse/")
    assert first.status_code == 200 and "API key" in first.content.decode()
    form = {"forum": FORUM, "ban": "silence", "message": "", "api_username": "system", "api_key": KEY, "enabled": "on"}
    response = client.post("/staff/connectors/discourse/", {**form, "forum": "not an address"})
    assert response.status_code == 400 and not ConnectorConfig.objects.filter(system="discourse").exists()
    assert client.post("/staff/connectors/discourse/", form).status_code == 302
    config = ConnectorConfig.objects.get(system="discourse")
    assert config.options == {**SETTINGS, "ban": "silence"} and config.credentials == {"api_key": KEY}
    assert KEY.encode() not in bytes(config.credentials_sealed or b"")
    page = client.get("/staff/connectors/discourse/").content.decode()
    assert FORUM in page and KEY not in page
    assert client.post("/staff/connectors/discourse/", {**form, "api_key": ""}).status_code == 302
    assert ConnectorConfig.objects.get(system="discourse").credentials == {"api_key": KEY}  # kept
    assert login(enforcer).get("/staff/connectors/discourse/").status_code == 403


def test_test_connection_says_whom_steward_acts_as_or_what_is_wrong(forum: FakeDiscourse, administrator: Any) -> None:
    configure(administrator)
    client = login(administrator)
    page = client.post("/staff/connectors/discourse/test/", follow=True).content.decode()
    assert f"Connected to {FORUM} as system, an administrator" in page
    forum.user("system").admin, forum.user("system").moderator = False, True
    assert "as system, a moderator" in client.post("/staff/connectors/discourse/test/", follow=True).content.decode()
    forum.api_key = "another"
    page = client.post("/staff/connectors/discourse/test/", follow=True).content.decode()
    assert "refused Steward" in page and KEY not in page
    assert AuditEntry.objects.filter(action="connector.test", actor_id=administrator.pk).count() == 3


def test_test_connection_refuses_an_account_that_is_not_staff(forum: FakeDiscourse) -> None:
    forum.add("helper")
    forum.api_username = "helper"
    with pytest.raises(NeedsHuman) as raised:
        connector(api_username="helper").test_connection()
    # Discourse hides admin routes from accounts that are not staff: the staff view answers 404.
    assert "administrator or moderator" in raised.value.reason
