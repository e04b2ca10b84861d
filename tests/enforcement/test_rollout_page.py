"""The rollout page: progress by system, failures with their reason, retry and marking a step
done by hand, for enforcers and the decision makers of the case; refused to everyone else,
changing nothing. The case page shows the rollout's state. The connector page never shows a
stored credential again."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.enforcement import connectors, execution, services
from steward.enforcement.models import FINISHED, ActionStatus, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .conftest import ROOMS, TOKEN, configure_matrix, matrix_case
from .fake_matrix import FakeMatrix

USER = "@mallory:steward.test"


@pytest.fixture
def homeserver() -> Iterator[FakeMatrix]:
    fake = FakeMatrix(users={USER}, members={(room, USER): "join" for room in ROOMS}, token=TOKEN)
    with connectors.using_transport(fake.transport()):
        yield fake


@pytest.fixture
def refused(homeserver: FakeMatrix, administrator: Any, decision_maker: Any, file_report: Any) -> Case:
    """A case whose ban was rolled out, the first room ban refused (403) and left to a person."""
    configure_matrix(administrator)
    case = matrix_case(file_report, USER)
    decide(case, decision_maker, "temporary_ban", days=30)
    homeserver.fail_next(FakeMatrix.error(403, "M_FORBIDDEN"), when=lambda request: request.url.path.endswith("/ban"))
    execution.work()
    return case


def _stuck(case: Case) -> RolloutAction:
    return RolloutAction.objects.on_systems().get(rollout__case=case, status=ActionStatus.NEEDS_HUMAN)


def test_an_enforcer_sees_progress_by_system_and_the_reason_of_a_failure(refused: Case, enforcer: Any) -> None:
    response = login(enforcer).get(f"/staff/cases/{refused.pk}/rollout/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Matrix" in page and "lacks the permission" in page and USER in page
    assert "Retry" in page and "Mark done by hand" in page
    assert AuditEntry.objects.filter(action="rollout.view", actor_id=enforcer.pk, object_id=str(refused.pk)).exists()


def test_the_decision_maker_of_the_case_may_work_the_rollout(refused: Case, decision_maker: Any) -> None:
    client = login(decision_maker)
    assert client.get(f"/staff/cases/{refused.pk}/rollout/").status_code == 200
    action = _stuck(refused)
    response = client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/retry/")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED and action.attempts == 0


def test_staff_without_the_role_are_refused_and_nothing_changes(refused: Case, triager: Any) -> None:
    client = login(triager)
    action = _stuck(refused)
    assert client.get(f"/staff/cases/{refused.pk}/rollout/").status_code == 403
    assert client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/retry/").status_code == 403
    assert client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/done/",
                       {"note": "Done."}).status_code == 403
    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_HUMAN and action.done_by is None
    assert not AuditEntry.objects.filter(action__in=["rollout.view", "rollout.retry", "rollout.mark_done"]).exists()


def test_retry_runs_the_step_again_and_it_is_verified(refused: Case, enforcer: Any, homeserver: FakeMatrix) -> None:
    action = _stuck(refused)
    assert login(enforcer).post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/retry/").status_code == 302
    execution.work()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED
    assert AuditEntry.objects.filter(action="rollout.retry", actor_id=enforcer.pk, object_id=str(action.pk)).exists()


def test_marking_a_step_done_needs_a_note_and_records_who_did_it(refused: Case, enforcer: Any) -> None:
    client = login(enforcer)
    action = _stuck(refused)
    response = client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/done/", {"note": "  "})
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_HUMAN
    response = client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/done/",
                           {"note": "Banned by hand in the room settings."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_by == enforcer
    assert action.note == "Banned by hand in the room settings."
    assert b"Banned by hand" not in bytes(RolloutAction.objects.values_list("note_sealed", flat=True).get(pk=action.pk))
    assert AuditEntry.objects.filter(action="rollout.mark_done", actor_id=enforcer.pk).exists()


def test_an_action_of_another_case_is_not_found(refused: Case, enforcer: Any, file_report: Any,
                                                decision_maker: Any) -> None:
    other = matrix_case(file_report, "@other:steward.test")
    decide(other, decision_maker, "permanent_ban")
    action = _stuck(refused)
    assert login(enforcer).post(f"/staff/cases/{other.pk}/rollout/actions/{action.pk}/retry/").status_code == 404


def test_a_verified_step_cannot_be_retried(refused: Case, enforcer: Any) -> None:
    verified = RolloutAction.objects.filter(rollout__case=refused, status=ActionStatus.VERIFIED).first()
    assert verified is not None
    response = login(enforcer).post(f"/staff/cases/{refused.pk}/rollout/actions/{verified.pk}/retry/")
    assert response.status_code == 400 and "Only a failed or unverified step" in response.content.decode()


def test_the_case_page_shows_the_rollout_state(refused: Case, triager: Any) -> None:
    page = login(triager).get(f"/staff/cases/{refused.pk}/").content.decode()
    assert "Needs a person" in page and "steps finished" in page
    assert USER not in page.split('aria-labelledby="rollouts-title"')[1].split("</section>")[0]


def test_the_rollouts_list_is_for_enforcers_and_decision_makers(refused: Case, enforcer: Any, triager: Any) -> None:
    page = login(enforcer).get("/staff/rollouts/")
    assert page.status_code == 200 and refused.reference in page.content.decode()
    assert login(triager).get("/staff/rollouts/").status_code == 403


def test_the_connector_page_is_for_administrators_and_never_shows_the_token(administrator: Any, enforcer: Any) -> None:
    configure_matrix(administrator)
    client = login(administrator)
    page = client.get("/staff/connectors/matrix/").content.decode()
    assert "http://matrix.test" in page and TOKEN not in page
    response = client.post("/staff/connectors/matrix/", {"homeserver": "http://matrix.test", "server_name": "steward.test",
                                                         "rooms": "not a room", "access_token": "", "enabled": "on"})
    assert response.status_code == 400 and "Not a room ID" in response.content.decode()
    response = client.post("/staff/connectors/matrix/", {"homeserver": "http://matrix.test", "server_name": "steward.test",
                                                         "rooms": ROOMS[0], "access_token": "", "enabled": "on"})
    assert response.status_code == 302
    from steward.enforcement.models import ConnectorConfig

    config = ConnectorConfig.objects.get(system="matrix")
    assert config.options["rooms"] == [ROOMS[0]] and config.credentials == {"access_token": TOKEN}  # kept
    assert login(enforcer).get("/staff/connectors/").status_code == 403
    assert login(enforcer).get("/staff/connectors/matrix/").status_code == 403


def test_a_person_banned_twice_is_not_confused_between_rollouts(refused: Case) -> None:
    assert Rollout.objects.filter(case=refused).count() == 1
    assert RolloutAction.objects.filter(rollout__case=refused, kind=Kind.MANUAL).count() == 3


def test_test_connection_says_who_steward_acts_as_or_what_is_wrong(administrator: Any, enforcer: Any) -> None:
    fake = FakeMatrix(users={"@steward:steward.test"}, token=TOKEN,
                      members={(room, "@steward:steward.test"): "join" for room in ROOMS[:2]})

    def whoami(request: Any) -> bool:
        return request.url.path.endswith("/account/whoami")

    import httpx

    fake.fail_next(httpx.Response(200, json={"user_id": "@steward:steward.test"}), when=whoami)
    configure_matrix(administrator, rooms=ROOMS[:2], policy_room="")
    client = login(administrator)
    with connectors.using_transport(fake.transport()):
        page = client.post("/staff/connectors/matrix/test/", follow=True).content.decode()
    assert "Connected as @steward:steward.test" in page
    fake.fail_next(FakeMatrix.error(401, "M_UNKNOWN_TOKEN"), when=whoami)
    with connectors.using_transport(fake.transport()):
        page = client.post("/staff/connectors/matrix/test/", follow=True).content.decode()
    assert "refused Steward&#x27;s access token" in page or "refused Steward's access token" in page
    assert AuditEntry.objects.filter(action="connector.test", actor_id=administrator.pk).count() == 2
    assert login(enforcer).post("/staff/connectors/matrix/test/").status_code == 403


def test_a_step_of_an_erased_case_is_marked_done_without_a_note(refused: Case, enforcer: Any) -> None:
    from django.utils import timezone

    from steward.core import crypto

    crypto.destroy(refused.data_key)
    Case.objects.filter(pk=refused.pk).update(erased_at=timezone.now())
    client = login(enforcer)
    action = _stuck(refused)
    response = client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/done/", {"note": "Banned."})
    assert response.status_code == 400 and "no note can be kept" in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_HUMAN
    assert client.post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/done/", {"note": ""}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.note == ""


def test_the_reporter_reads_that_the_decision_was_carried_out_once_every_step_is_finished(
        homeserver: FakeMatrix, administrator: Any, decision_maker: Any, enforcer: Any, file_report: Any) -> None:
    configure_matrix(administrator)
    report, code = file_report(accounts=[Account("matrix", USER)])
    case = awaiting(report.case)
    decide(case, decision_maker, "temporary_ban", days=30)
    reporter = Client()
    assert reporter.post("/follow-up/", {"code": code}).status_code == 302

    # Under way: the connector's steps are verified, the steps for a person are still open.
    execution.work()
    rollout = Rollout.objects.get(case=case)
    assert rollout.status != Rollout.Status.CLOSED
    assert b'id="carried-out"' not in reporter.get("/follow-up/case/").content

    staff = login(enforcer)
    for action in RolloutAction.objects.filter(rollout=rollout).exclude(status__in=FINISHED).exclude(kind=Kind.FOLLOW_UP):
        assert staff.post(f"/staff/cases/{case.pk}/rollout/actions/{action.pk}/done/",
                          {"note": "Done by hand."}).status_code == 302
    page = reporter.get("/follow-up/case/").content.decode()
    assert "The decision was carried out on every system it applies to on" in page
    assert "Done by hand." not in page  # nothing of how it was done
    # The rollout itself stays open for its follow-up check a week later, then closes.
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.OPEN
    rollout.actions.filter(kind=Kind.FOLLOW_UP).update(next_attempt_at=timezone.now())
    execution.work()
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.CLOSED
    assert rollout.actions.get(kind=Kind.FOLLOW_UP).last_error == "No new account of the person was found in the registry."


def test_steps_done_by_hand_have_an_owner_and_an_enforcer_may_take_one_over(
        refused: Case, enforcer: Any, decision_maker: Any, triager: Any) -> None:
    events = RolloutAction.objects.get(rollout__case=refused, step="events")
    assert events.owner == decision_maker and events.due_on == timezone.localdate()  # who decided, until taken over
    assert login(triager).post(f"/staff/cases/{refused.pk}/rollout/actions/{events.pk}/take/").status_code == 403
    events.refresh_from_db()
    assert events.owner == decision_maker
    client = login(enforcer)
    assert f"owner: {decision_maker.get_username()}" in client.get(f"/staff/cases/{refused.pk}/rollout/").content.decode()
    assert client.post(f"/staff/cases/{refused.pk}/rollout/actions/{events.pk}/take/").status_code == 302
    events.refresh_from_db()
    assert events.owner == enforcer
    assert AuditEntry.objects.filter(action="rollout.take", actor_id=enforcer.pk, object_id=str(events.pk)).exists()
    # A step on a system is the worker's: nobody takes it over.
    on_matrix = _stuck(refused)
    response = client.post(f"/staff/cases/{refused.pk}/rollout/actions/{on_matrix.pk}/take/")
    assert response.status_code == 400 and "Only a step done by hand" in response.content.decode()
    on_matrix.refresh_from_db()
    assert on_matrix.owner is None


def test_a_rollout_goes_on_when_its_case_is_erased(refused: Case, enforcer: Any, homeserver: FakeMatrix) -> None:
    """The ban outlives the case's content: the worker still carries it out and staff still retry."""
    Case.objects.filter(pk=refused.pk).update(erased_at=timezone.now())
    action = _stuck(refused)
    assert login(enforcer).post(f"/staff/cases/{refused.pk}/rollout/actions/{action.pk}/retry/").status_code == 302
    execution.work()
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED
    assert homeserver.members[(ROOMS[0], USER)] == "ban"


def test_the_rollout_page_offers_the_community_announcement_without_the_reasons(refused: Case, enforcer: Any) -> None:
    page = html.unescape(login(enforcer).get(f"/staff/cases/{refused.pk}/rollout/").content.decode())
    assert "Community announcement (optional)" in page
    start = page.index('id="announcement-body-')
    announcement = page[start:page.index("</textarea>", start)]
    assert f"{USER} (Matrix)" in announcement and "Insults in the chat" not in announcement
    assert refused.reference not in announcement


def test_a_reversed_rollout_offers_no_announcement(refused: Case, enforcer: Any) -> None:
    services.start_reversal(Rollout.objects.get(case=refused), because=Rollout.Because.BAN_ENDED)
    page = login(enforcer).get(f"/staff/cases/{refused.pk}/rollout/").content.decode()
    assert "Community announcement (optional)" not in page
