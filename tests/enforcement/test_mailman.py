"""The Mailman 3 connector against a faked Mailman core: each list's memberships removed, then
the address banned, read back; the reversal lifting only Steward's bans and subscribing again
exactly the roles it removed; Mailman's refusals and failures in words; the settings page."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.decisions import interim, returns
from steward.decisions.models import InterimRestriction
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import Work
from steward.enforcement.connectors.mailman import MailmanConnector
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import run_all_due
from .fake_mailman import BASE, PASSWORD, USER, FakeMailman

EMAIL = "mallory@example.org"
LISTS = ("dev.lists.steward.test", "announce.lists.steward.test")


@pytest.fixture
def mailman() -> Iterator[FakeMailman]:
    fake = FakeMailman()
    for list_id in (*LISTS, "social.lists.steward.test"):
        fake.add_list(list_id)
    fake.subscribe(LISTS[0], EMAIL, "member", "mime_digests")
    fake.subscribe(LISTS[0], EMAIL, "moderator")
    fake.subscribe(LISTS[0], EMAIL, "nonmember")
    fake.subscribe(LISTS[1], EMAIL, "member")
    fake.subscribe(LISTS[0], "alice@example.org", "member")
    with connectors.using_transport(fake.transport()):
        yield fake


def configure_mailman(admin: User, *, lists: tuple[str, ...] = LISTS, every_list: bool = False,
                      password: str = PASSWORD) -> ConnectorConfig:
    return services.configure_connector("email", by=admin, settings={
        "rest_url": BASE, "lists": list(lists), "every_list": every_list,
        "mail_host": "lists.steward.test" if every_list else ""},
        credentials={"rest_user": USER, "rest_password": password})


def email_case(file_report: Any, email: str = EMAIL) -> Case:
    report, _ = file_report(accounts=[Account("email", email)])
    return awaiting(report.case)


@pytest.fixture
def banned(mailman: FakeMailman, administrator: User, decision_maker: User, file_report: Any) -> Rollout:
    configure_mailman(administrator)
    case = email_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return Rollout.objects.get(case=case)


def _steps(rollout: Rollout) -> list[RolloutAction]:
    return list(rollout.actions.on_systems().order_by("position"))


def _connector() -> MailmanConnector:
    config = ConnectorConfig.objects.get(system="email")
    connector = connectors.build("email", config.options, config.credentials)
    assert isinstance(connector, MailmanConnector)
    return connector


# --- Plan ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ban", ["temporary_ban", "permanent_ban"])
def test_every_ban_unsubscribes_then_bans_on_each_list(mailman: FakeMailman, administrator: User,
                                                       decision_maker: User, file_report: Any, ban: str) -> None:
    configure_mailman(administrator)
    case = email_case(file_report)
    decide(case, decision_maker, ban, days=30 if ban == "temporary_ban" else None)
    assert [(step.kind, step.target) for step in _steps(Rollout.objects.get(case=case))] == [
        (Kind.UNSUBSCRIBE, LISTS[0]), (Kind.BAN_FROM_LIST, LISTS[0]),
        (Kind.UNSUBSCRIBE, LISTS[1]), (Kind.BAN_FROM_LIST, LISTS[1])]


def test_an_interim_suspension_unsubscribes_and_bans_until_it_ends(mailman: FakeMailman, administrator: User,
                                                                   file_report: Any) -> None:
    configure_mailman(administrator, lists=LISTS[:1])
    case = email_case(file_report)
    person = case.parties.get(role="reported").person
    interim.impose(case, by=make_staff("tina", "triager"), subject=person, restriction=InterimRestriction.SUSPENDED,
                   ends_on=timezone.localdate() + datetime.timedelta(days=7), reason="Threats on the list.")
    rollout = Rollout.objects.get(case=case, measure__isnull=False)
    assert [step.kind for step in _steps(rollout)] == [Kind.UNSUBSCRIBE, Kind.BAN_FROM_LIST]
    execution.work()
    assert (LISTS[0], EMAIL) in mailman.bans and mailman.roles(LISTS[0], EMAIL) == {("nonmember", "regular")}
    interim.end_due_measures(timezone.localdate() + datetime.timedelta(days=7))
    run_all_due()
    assert (LISTS[0], EMAIL) not in mailman.bans
    assert mailman.roles(LISTS[0], EMAIL) == {("member", "mime_digests"), ("moderator", "regular"),
                                              ("nonmember", "regular")}


def test_an_address_that_is_not_an_email_is_left_to_a_person(administrator: User, decision_maker: User,
                                                             file_report: Any) -> None:
    configure_mailman(administrator)
    case = email_case(file_report, "mallory at example dot org")
    decide(case, decision_maker, "permanent_ban")
    assert Rollout.objects.get(case=case).actions.filter(system="email", kind=Kind.MANUAL,
                                                         step="fix_identity").exists()


# --- Carried out and reversed ---------------------------------------------------------------------


def test_a_ban_removes_every_role_bans_the_address_and_is_verified(banned: Rollout, mailman: FakeMailman) -> None:
    assert execution.work() == 5  # telling the person first, then the four steps on the lists
    assert {step.status for step in _steps(banned)} == {ActionStatus.VERIFIED}
    assert mailman.bans == {(LISTS[0], EMAIL), (LISTS[1], EMAIL)}
    # Member and moderator roles are gone; the nonmember record (the moderators' own) and others stay.
    assert mailman.roles(LISTS[0], EMAIL) == {("nonmember", "regular")}
    assert mailman.roles(LISTS[1], EMAIL) == set()
    assert mailman.roles(LISTS[0], "alice@example.org") == {("member", "regular")}
    unsubscribe = _steps(banned)[0]
    assert unsubscribe.change == {"removed": {LISTS[0]: [{"role": "member", "delivery_mode": "mime_digests"},
                                                         {"role": "moderator", "delivery_mode": "regular"}]}}
    deletes = [call for call in mailman.calls if call[0] == "DELETE"]
    assert len(deletes) == 3


def test_the_reversal_restores_the_roles_and_lifts_only_stewards_bans(
        mailman: FakeMailman, administrator: User, decision_maker: User, file_report: Any) -> None:
    mailman.bans.add((LISTS[1], EMAIL))  # banned there already, by the list's moderators
    mailman.members = {key: member for key, member in mailman.members.items()
                       if not (member.list_id == LISTS[1] and member.email == EMAIL)}
    configure_mailman(administrator)
    case = email_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    rollout = Rollout.objects.get(case=case)
    assert [step.change for step in _steps(rollout)][1:] == [{"banned": [LISTS[0]]}, {}, {}]

    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    assert mailman.bans == {(LISTS[1], EMAIL)}  # the moderators' ban stays
    assert mailman.roles(LISTS[0], EMAIL) == {("member", "mime_digests"), ("moderator", "regular"),
                                              ("nonmember", "regular")}
    reversal = Rollout.objects.get(case=case, direction=Direction.REVERT)
    assert {step.status for step in _steps(reversal)} == {ActionStatus.VERIFIED}
    subscribed = [call for call in mailman.calls if call == ("POST", "/members")]
    assert len(subscribed) == 2


def test_subscribing_again_waits_for_the_ban_to_be_lifted(banned: Rollout, mailman: FakeMailman) -> None:
    from django.db import transaction

    execution.work()
    with transaction.atomic():
        reversal = services.start_reversal(banned, because=Rollout.Because.APPEAL_REVERSED)
    assert reversal is not None
    # The reversal's steps run in the plan's order: each re-subscription comes before its unban.
    execution.work()
    first = reversal.actions.order_by("position").first()
    assert first is not None and first.kind == Kind.UNSUBSCRIBE
    assert first.status == ActionStatus.PLANNED and "Waiting for the ban" in first.last_error
    assert first.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=25)
    assert mailman.bans == set()
    run_all_due()
    assert {step.status for step in _steps(reversal)} == {ActionStatus.VERIFIED}
    assert ("member", "mime_digests") in mailman.roles(LISTS[0], EMAIL)
    assert mailman.roles(LISTS[1], EMAIL) == {("member", "regular")}


def test_a_member_banned_by_someone_else_is_not_subscribed_again_but_left_to_a_person(
        mailman: FakeMailman, administrator: User, decision_maker: User, file_report: Any) -> None:
    mailman.bans.add((LISTS[0], EMAIL))  # banned, still subscribed: what a ban alone leaves
    configure_mailman(administrator, lists=LISTS[:1])
    case = email_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    assert mailman.roles(LISTS[0], EMAIL) == {("nonmember", "regular")}
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    step = Rollout.objects.get(case=case, direction=Direction.REVERT).actions.get(kind=Kind.UNSUBSCRIBE)
    assert step.status == ActionStatus.NEEDS_HUMAN and "banned on dev.lists.steward.test by someone else" in step.last_error
    assert (LISTS[0], EMAIL) in mailman.bans


def test_every_list_of_the_mail_host_is_read_when_the_step_runs(
        mailman: FakeMailman, administrator: User, decision_maker: User, file_report: Any) -> None:
    configure_mailman(administrator, lists=(), every_list=True)
    case = email_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    rollout = Rollout.objects.get(case=case)
    assert [(step.kind, step.target) for step in _steps(rollout)] == [
        (Kind.UNSUBSCRIBE, "*.lists.steward.test"), (Kind.BAN_FROM_LIST, "*.lists.steward.test")]
    execution.work()
    assert mailman.bans == {(list_id, EMAIL) for list_id in mailman.lists}
    assert {step.status for step in _steps(rollout)} == {ActionStatus.VERIFIED}
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    run_all_due()
    assert mailman.bans == set() and mailman.roles(LISTS[1], EMAIL) == {("member", "regular")}


def test_a_repeated_apply_after_a_crash_changes_nothing_more(banned: Rollout, mailman: FakeMailman) -> None:
    connector = _connector()
    for kind in (Kind.UNSUBSCRIBE, Kind.BAN_FROM_LIST):
        work = Work(kind=kind, target=LISTS[0], handle=EMAIL)
        work = Work(kind=kind, target=LISTS[0], handle=EMAIL, before=connector.observe(work))
        first = connector.apply(work)
        state = (dict(mailman.members), set(mailman.bans))
        posts = sum(1 for call in mailman.calls if call[0] == "POST")
        assert connector.apply(work) == first  # the worker died before recording: the same change
        assert (dict(mailman.members), set(mailman.bans)) == state
        assert sum(1 for call in mailman.calls if call[0] == "POST") == posts
        assert connector.verify(work) is True


# --- Failures --------------------------------------------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says(banned: Rollout, mailman: FakeMailman) -> None:
    mailman.fail_next(httpx.Response(429, headers={"Retry-After": "90"}, json={"title": "429 Too Many Requests"}))
    before = timezone.now()
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "rate limited" in first.last_error
    assert first.next_attempt_at >= before + datetime.timedelta(seconds=90)
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_a_server_error_and_a_timeout_are_retried(banned: Rollout, mailman: FakeMailman) -> None:
    mailman.fail_next(httpx.Response(500, json={"title": "500 Internal Server Error"}))

    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    execution.work(system="")  # Steward's first step, telling the person; then the lists' steps are due
    execution.run(execution.claim())  # type: ignore[arg-type]
    first = _steps(banned)[0]
    assert first.status == ActionStatus.PLANNED and "server error (HTTP 500)" in first.last_error
    RolloutAction.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.run(execution.claim())  # type: ignore[arg-type]
    first.refresh_from_db()
    assert first.status == ActionStatus.PLANNED and "did not answer in time" in first.last_error
    run_all_due()
    first.refresh_from_db()
    assert first.status == ActionStatus.VERIFIED


def test_an_unknown_list_asks_a_person(mailman: FakeMailman, administrator: User, decision_maker: User,
                                       file_report: Any) -> None:
    configure_mailman(administrator, lists=("gone.lists.steward.test",))
    case = email_case(file_report)
    decide(case, decision_maker, "permanent_ban")
    execution.work()
    step = _steps(Rollout.objects.get(case=case))[1]
    assert step.status == ActionStatus.NEEDS_HUMAN
    assert "does not know this list" in step.last_error and "Email is not banned" not in step.last_error


@pytest.mark.parametrize(("response", "method", "reason"), [
    (FakeMailman.error(403, "Forbidden"), "GET", "needs the REST admin user"),
    (httpx.Response(200, text="<html>Postorius</html>", headers={"Content-Type": "text/html"}), "GET",
     "not JSON (text/html, HTTP 200)"),
    (FakeMailman.error(400, "Invalid Parameter " + "x" * 400), "GET", "refused the request (HTTP 400) (Invalid Parameter"),
    (httpx.Response(202, json={"token": "0" * 40, "token_owner": "moderator"}), "DELETE", "holds the request"),
])
def test_a_refusal_stops_the_step_for_a_person_with_the_reason(banned: Rollout, mailman: FakeMailman,
                                                               response: httpx.Response, method: str,
                                                               reason: str) -> None:
    mailman.fail_next(response, when=lambda request: request.method == method)
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN and reason in first.last_error
    assert len(first.last_error) < 500 and PASSWORD not in first.last_error


def test_wrong_credentials_are_reported_in_words(banned: Rollout, mailman: FakeMailman) -> None:
    mailman.credentials = (USER, "another")
    execution.work()
    first = _steps(banned)[0]
    assert first.status == ActionStatus.NEEDS_HUMAN
    assert "refused the REST admin user and password (HTTP 401); enter valid ones" in first.last_error


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "credentials", "field"), [
    ({"rest_url": "localhost:8001", "lists": list(LISTS)}, {}, "rest_url"),
    ({"rest_url": "http://localhost:8001/3.0", "lists": list(LISTS)}, {}, "rest_url"),
    ({"rest_url": BASE, "lists": ["not a list"]}, {}, "lists"),
    ({"rest_url": BASE, "lists": []}, {}, "lists"),
    ({"rest_url": BASE, "every_list": True, "mail_host": "no host"}, {}, "mail_host"),
    ({"rest_url": BASE, "lists": list(LISTS)}, {"rest_password": PASSWORD}, "rest_user"),
    ({"rest_url": BASE, "lists": list(LISTS)}, {"rest_user": USER}, "rest_password"),
])
def test_configuration_errors_name_the_field(administrator: User, options: dict[str, Any],
                                             credentials: dict[str, str], field: str) -> None:
    full = credentials or {"rest_user": USER, "rest_password": PASSWORD}
    with pytest.raises(services.RolloutError) as refused:
        services.configure_connector("email", by=administrator, settings=options, credentials=full)
    assert refused.value.field == field
    assert not ConnectorConfig.objects.exists()


def test_the_configuration_is_cleaned(administrator: User) -> None:
    config = services.configure_connector("email", by=administrator, credentials={
        "rest_user": USER, "rest_password": PASSWORD}, settings={
        "rest_url": "http://mailman.test:8001/", "lists": ["Dev@lists.steward.test", " announce.lists.steward.test "]})
    assert config.options == {"rest_url": BASE, "lists": list(LISTS), "every_list": False, "mail_host": ""}


def test_test_connection_names_the_version_or_what_is_wrong(mailman: FakeMailman, administrator: User) -> None:
    configure_mailman(administrator)
    ok, found = services.test_connector("email", by=administrator)
    assert ok and found == "Connected to GNU Mailman 3.3.9 (Tom Sawyer): all 2 list(s) found."
    configure_mailman(administrator, lists=("dev.lists.steward.test", "gone.lists.steward.test"))
    ok, found = services.test_connector("email", by=administrator)
    assert not ok and "has no list gone.lists.steward.test" in found
    configure_mailman(administrator, lists=(), every_list=True)
    assert services.test_connector("email", by=administrator)[1].endswith("lists.steward.test has 3 list(s).")
    mailman.credentials = (USER, "changed")
    ok, found = services.test_connector("email", by=administrator)
    assert not ok and "refused the REST admin user and password" in found
    assert AuditEntry.objects.filter(action="connector.test").count() == 4


def test_the_settings_page_seals_the_credentials_and_never_shows_them(mailman: FakeMailman,
                                                                      administrator: User, enforcer: User) -> None:
    client = login(administrator)
    page = client.get("/staff/connectors/email/").content.decode()
    assert "Mailman core REST address" in page and "Every list of the mail host" in page
    response = client.post("/staff/connectors/email/", {"rest_url": BASE, "lists": "\n".join(LISTS),
                                                         "mail_host": "", "rest_user": USER, "rest_password": PASSWORD,
                                                         "enabled": "on"})
    assert response.status_code == 302
    config = ConnectorConfig.objects.get(system="email")
    assert config.options["lists"] == list(LISTS)
    assert config.credentials == {"rest_user": USER, "rest_password": PASSWORD}
    sealed = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get()
    assert sealed is not None and PASSWORD.encode() not in bytes(sealed)
    page = client.get("/staff/connectors/email/").content.decode()
    assert LISTS[0] in page and PASSWORD not in page and f'value="{USER}"' not in page
    response = client.post("/staff/connectors/email/", {"rest_url": BASE, "lists": "bad list", "enabled": "on"})
    assert response.status_code == 400 and "Not a list id" in response.content.decode()
    response = client.post("/staff/connectors/email/", {"rest_url": BASE, "lists": LISTS[0], "enabled": "on"})
    assert response.status_code == 302
    assert ConnectorConfig.objects.get(system="email").credentials == {"rest_user": USER, "rest_password": PASSWORD}
    assert login(enforcer).get("/staff/connectors/email/").status_code == 403
