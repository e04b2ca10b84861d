"""The outgoing webhook against a faked receiver that verifies each delivery as the Standard
Webhooks specification says: a ban sent as a signed event, done once acknowledged; a retry with
the same webhook-id and body; its end sent as its own event; the receiver's refusals in words."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.decisions import interim, returns
from steward.decisions.models import InterimRestriction
from steward.enforcement import connectors, execution, services
from steward.enforcement.connectors.base import Work
from steward.enforcement.connectors.webhook import APPLIED, REVERTED, TESTED, WebhookConnector, secret_key
from steward.enforcement.models import ActionStatus, ConnectorConfig, Direction, Kind, Rollout, RolloutAction
from steward.reports.services import Account
from tests.conftest import login, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide

from .fake_webhook import ENDPOINT, SECRET, FakeReceiver, verifies

HANDLE = "mallory (member 4711)"


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    fake = FakeReceiver()
    with connectors.using_transport(fake.transport()):
        yield fake


def configure_webhook(admin: User, *, event_types: tuple[str, ...] = (), endpoint: str = ENDPOINT,
                      secret: str = SECRET) -> ConnectorConfig:
    return services.configure_connector("other", by=admin, settings={
        "endpoint": endpoint, "event_types": list(event_types)}, credentials={"signing_secret": secret})


def other_case(file_report: Any, handle: str = HANDLE) -> Case:
    report, _ = file_report(accounts=[Account("other", handle)])
    return awaiting(report.case)


def _send_step(case: Case, direction: str = Direction.APPLY) -> RolloutAction:
    return RolloutAction.objects.get(rollout__case=case, rollout__direction=direction, kind=Kind.SEND_WEBHOOK)


@pytest.fixture
def banned(receiver: FakeReceiver, administrator: User, decision_maker: User, file_report: Any) -> Case:
    configure_webhook(administrator)
    case = other_case(file_report)
    decide(case, decision_maker, "temporary_ban", days=30)
    return case


def test_the_verification_of_the_fake_receiver_can_fail() -> None:
    key = secret_key(SECRET)
    assert key is not None
    from steward.enforcement.connectors.webhook import sign

    now = int(timezone.now().timestamp())
    headers = httpx.Headers({"webhook-id": "msg_1", "webhook-timestamp": str(now),
                             "webhook-signature": "v1,bm90IGl0 " + sign(key, "msg_1", now, b'{"a":1}')})
    assert verifies(SECRET, headers, b'{"a":1}')
    assert not verifies(SECRET, headers, b'{"a":2}')  # another body
    assert not verifies(SECRET, headers, b'{"a":1}', now=now + 301)  # too old
    assert not verifies("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, b'{"a":1}')  # another key


@pytest.mark.parametrize(("ban", "expected"), [("temporary_ban", "temporary"), ("permanent_ban", "permanent")])
def test_a_ban_is_one_signed_event_done_once_acknowledged(receiver: FakeReceiver, administrator: User,
                                                          decision_maker: User, file_report: Any, ban: str,
                                                          expected: str) -> None:
    configure_webhook(administrator)
    case = other_case(file_report)
    decide(case, decision_maker, ban, days=30 if ban == "temporary_ban" else None)
    step = _send_step(case)
    assert (step.kind, step.target) == (Kind.SEND_WEBHOOK, "")
    execution.work()
    step.refresh_from_db()
    assert step.status == ActionStatus.DONE  # nothing to read back
    [delivery] = receiver.received
    assert delivery.webhook_id == step.idempotency_key
    assert delivery.headers["content-type"] == "application/json"
    assert abs(int(delivery.timestamp) - timezone.now().timestamp()) < 60
    event = delivery.event
    assert event["type"] == APPLIED and event["data"]["account"] == HANDLE and event["data"]["ban"] == expected
    assert datetime.datetime.fromisoformat(event["timestamp"]) <= timezone.now()
    if expected == "temporary":
        ends_at = datetime.datetime.fromisoformat(event["data"]["ends_at"])
        assert ends_at.date() == timezone.localdate() + datetime.timedelta(days=31)
    else:
        assert event["data"]["ends_at"] is None
    assert set(event["data"]) == {"account", "ban", "ends_at", "reason"}


def test_an_interim_suspension_is_sent_as_a_temporary_ban_and_its_end_as_reverted(
        receiver: FakeReceiver, administrator: User, file_report: Any) -> None:
    configure_webhook(administrator)
    case = other_case(file_report)
    person = case.parties.get(role="reported").person
    interim.impose(case, by=make_staff("tina", "triager"), subject=person, restriction=InterimRestriction.SUSPENDED,
                   ends_on=timezone.localdate() + datetime.timedelta(days=7), reason="Threats.")
    execution.work()
    assert [delivery.event["data"]["ban"] for delivery in receiver.events(APPLIED)] == ["temporary"]
    interim.end_due_measures(timezone.localdate() + datetime.timedelta(days=7))
    execution.work()
    assert len(receiver.events(REVERTED)) == 1


def test_a_retry_sends_the_same_id_and_body_signed_again(banned: Case, receiver: FakeReceiver) -> None:
    receiver.fail_next(httpx.Response(503, text="Service Unavailable"))
    execution.work()
    step = _send_step(banned)
    assert step.status == ActionStatus.PLANNED and "server error (HTTP 503)" in step.last_error
    RolloutAction.objects.filter(pk=step.pk).update(next_attempt_at=timezone.now())
    execution.work()
    step.refresh_from_db()
    assert step.status == ActionStatus.DONE and step.attempts == 2
    [delivery] = receiver.received
    assert delivery.webhook_id == step.idempotency_key
    # The first, refused attempt carried the same id and body: the receiver can drop a repeat.
    first = Work(kind=Kind.SEND_WEBHOOK, target="", handle=HANDLE, before=step.before or {},
                 expires_at=step.expires_at, key=step.idempotency_key)
    receiver.received.clear()
    connector = connectors.build("other", ConnectorConfig.objects.get().options, ConnectorConfig.objects.get().credentials)
    assert connector is not None
    connector.apply(first)
    assert receiver.received[0].webhook_id == delivery.webhook_id and receiver.received[0].body == delivery.body


def test_a_crash_before_recording_sends_the_event_again_under_the_same_id(banned: Case, receiver: FakeReceiver) -> None:
    execution.work(system="")  # Steward's first step, telling the person; then the webhook is due
    action = execution.claim()
    assert action is not None
    config = ConnectorConfig.objects.get()
    connector = connectors.build("other", config.options, config.credentials)
    assert isinstance(connector, WebhookConnector)
    work = Work(kind=Kind.SEND_WEBHOOK, target="", handle=HANDLE, expires_at=action.expires_at,
                key=action.idempotency_key)
    before = connector.observe(work)
    execution._held(action, before=before)
    connector.apply(dataclasses.replace(work, before=before))  # sent; the worker died before recording it
    RolloutAction.objects.filter(pk=action.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    execution.work()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id == action.idempotency_key and first.body == second.body


def test_the_end_of_the_ban_is_sent_with_its_own_id(banned: Case, receiver: FakeReceiver) -> None:
    execution.work()
    applied = _send_step(banned)
    decision = Rollout.objects.get(case=banned).decision
    assert decision is not None and decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    reversal = _send_step(banned, Direction.REVERT)
    assert reversal.status == ActionStatus.DONE
    [ended] = receiver.events(REVERTED)
    assert ended.webhook_id == reversal.idempotency_key != applied.idempotency_key
    assert ended.event["data"]["applied_event"] == applied.idempotency_key
    assert ended.event["data"]["account"] == HANDLE and ended.event["data"]["ban"] == "temporary"


def test_a_later_decision_needing_the_ban_takes_it_over_and_nothing_is_reverted(
        banned: Case, receiver: FakeReceiver) -> None:
    execution.work()
    first = Rollout.objects.get(case=banned)
    with transaction.atomic():  # an appeal changes the temporary ban into a permanent one
        second = services.start_rollout(first.case, because=Rollout.Because.DECISION, subject_id=first.subject_id or 0,
                                        ban="permanent", ends_on=None, starts_on=timezone.localdate(), systems=[],
                                        decision=first.decision)
        services.start_reversal(first, because=Rollout.Because.APPEAL_CHANGED)
    assert second is not None
    execution.work()
    assert [delivery.event["data"]["ban"] for delivery in receiver.events(APPLIED)] == ["temporary", "permanent"]
    assert receiver.events(REVERTED) == []


def test_only_the_chosen_event_types_are_sent(receiver: FakeReceiver, administrator: User, decision_maker: User,
                                              file_report: Any) -> None:
    configure_webhook(administrator, event_types=(REVERTED,))
    case = other_case(file_report)
    decision = decide(case, decision_maker, "temporary_ban", days=30)
    execution.work()
    assert receiver.received == [] and _send_step(case).status == ActionStatus.DONE
    assert decision.ends_on is not None
    returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
    execution.work()
    assert [delivery.event["type"] for delivery in receiver.received] == [REVERTED]
    assert receiver.received[0].event["data"]["applied_event"] == ""


def test_a_429_waits_as_long_as_retry_after_says(banned: Case, receiver: FakeReceiver) -> None:
    receiver.fail_next(httpx.Response(429, headers={"Retry-After": "300"}))
    before = timezone.now()
    execution.work()
    step = _send_step(banned)
    assert step.status == ActionStatus.PLANNED and "rate limited" in step.last_error
    assert step.next_attempt_at >= before + datetime.timedelta(seconds=300)
    assert receiver.received == []


def test_a_timeout_is_retried(banned: Case, receiver: FakeReceiver) -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with connectors.using_transport(httpx.MockTransport(timing_out)):
        execution.work()
    step = _send_step(banned)
    assert step.status == ActionStatus.PLANNED and "did not answer in time" in step.last_error
    RolloutAction.objects.filter(pk=step.pk).update(next_attempt_at=timezone.now())
    execution.work()
    step.refresh_from_db()
    assert step.status == ActionStatus.DONE and len(receiver.received) == 1


@pytest.mark.parametrize(("response", "reason"), [
    (httpx.Response(410, text="Gone"), "endpoint was removed (HTTP 410 Gone)"),
    (httpx.Response(400, json={"error": "unknown account " + "x" * 300}), 'refused the event (HTTP 400). {"error"'),
    (httpx.Response(404, text="Not Found"), "refused the event (HTTP 404). Not Found"),
    (httpx.Response(308, headers={"Location": "https://elsewhere.test/"}), "redirects (HTTP 308)"),
])
def test_a_refusal_stops_the_step_for_a_person_with_the_status(banned: Case, receiver: FakeReceiver,
                                                               response: httpx.Response, reason: str) -> None:
    receiver.fail_next(response)
    execution.work()
    step = _send_step(banned)
    assert step.status == ActionStatus.NEEDS_HUMAN and reason in step.last_error
    assert len(step.last_error) < 400


def test_a_signature_the_receiver_refuses_points_at_the_secret(banned: Case, receiver: FakeReceiver) -> None:
    receiver.secret = "whsec_" + "QUJD" * 8  # the receiver has another secret
    execution.work()
    step = _send_step(banned)
    assert receiver.refused == 1 and step.status == ActionStatus.NEEDS_HUMAN
    assert "signature did not verify" in step.last_error and SECRET not in step.last_error


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "secret", "field"), [
    ({"endpoint": "http://hooks.example.org/"}, SECRET, "endpoint"),
    ({"endpoint": "ftp://hooks.example.org/"}, SECRET, "endpoint"),
    ({"endpoint": ENDPOINT, "event_types": ["steward.enforcement.everything"]}, SECRET, "event_types"),
    ({"endpoint": ENDPOINT}, "not-a-secret", "signing_secret"),
    ({"endpoint": ENDPOINT}, "whsec_" + "QUJD", "signing_secret"),  # 3 bytes: too short
    ({"endpoint": ENDPOINT}, "whsec_" + "QUJD" * 30, "signing_secret"),  # 90 bytes: too long
    ({"endpoint": ENDPOINT}, "whsec_not base64!!", "signing_secret"),
])
def test_configuration_errors_name_the_field(administrator: User, options: dict[str, Any], secret: str,
                                             field: str) -> None:
    with pytest.raises(services.RolloutError) as refused:
        services.configure_connector("other", by=administrator, settings=options,
                                     credentials={"signing_secret": secret})
    assert refused.value.field == field
    assert not ConnectorConfig.objects.exists()


def test_http_is_allowed_for_localhost_only_and_handles_are_checked(administrator: User) -> None:
    config = configure_webhook(administrator, endpoint="http://localhost:8080/hook", event_types=(REVERTED, APPLIED))
    assert config.options == {"endpoint": "http://localhost:8080/hook", "event_types": [APPLIED, REVERTED]}
    assert WebhookConnector.valid_handle("mallory#1234")
    assert not WebhookConnector.valid_handle("  ") and not WebhookConnector.valid_handle("x" * 256)
    assert not WebhookConnector.valid_handle("line\nbreak")


def test_test_connection_sends_a_signed_test_event(receiver: FakeReceiver, administrator: User) -> None:
    configure_webhook(administrator)
    ok, found = services.test_connector("other", by=administrator)
    assert ok and TESTED in found
    [delivery] = receiver.received
    assert delivery.event["type"] == TESTED and delivery.event["data"] == {}
    receiver.fail_next(httpx.Response(410))
    ok, found = services.test_connector("other", by=administrator)
    assert not ok and "410 Gone" in found
    assert AuditEntry.objects.filter(action="connector.test").count() == 2


def test_the_settings_page_seals_the_secret_and_never_shows_it(administrator: User, enforcer: User) -> None:
    client = login(administrator)
    page = client.get("/staff/connectors/other/").content.decode()
    assert "Endpoint address" in page and "Signing secret" in page
    response = client.post("/staff/connectors/other/", {"endpoint": ENDPOINT, "event_types": APPLIED,
                                                         "signing_secret": SECRET, "enabled": "on"})
    assert response.status_code == 302
    config = ConnectorConfig.objects.get(system="other")
    assert config.options == {"endpoint": ENDPOINT, "event_types": [APPLIED]}
    assert config.credentials == {"signing_secret": SECRET}
    sealed = ConnectorConfig.objects.values_list("credentials_sealed", flat=True).get()
    assert sealed is not None and SECRET.encode() not in bytes(sealed)
    page = client.get("/staff/connectors/other/").content.decode()
    assert ENDPOINT in page and SECRET not in page and SECRET[6:] not in page
    response = client.post("/staff/connectors/other/", {"endpoint": ENDPOINT, "signing_secret": "whsec_short",
                                                         "enabled": "on"})
    assert response.status_code == 400 and "whsec_ followed by 24 to 64 bytes" in response.content.decode()
    assert ConnectorConfig.objects.get(system="other").credentials == {"signing_secret": SECRET}
    assert login(enforcer).get("/staff/connectors/other/").status_code == 403


def test_the_body_is_the_json_that_was_signed(banned: Case, receiver: FakeReceiver) -> None:
    execution.work()
    [delivery] = receiver.received
    assert json.loads(delivery.body) == delivery.event
    assert verifies(SECRET, delivery.headers, delivery.body, now=int(delivery.timestamp))


def test_the_guides_example_delivery_verifies() -> None:
    from pathlib import Path

    from steward.enforcement.connectors.webhook import sign

    guide = (Path(__file__).parents[2] / "docs" / "connectors.md").read_text()
    example = guide.split("webhook-id: rollout-12-0", 1)[1].split("```", 1)[0]
    header, _, body = example.partition("\n\n")
    signature = header.split("webhook-signature: ", 1)[1].strip()
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    key = secret_key(secret)
    assert key is not None and sign(key, "rollout-12-0", 1764614400, body.strip().encode()) == signature
    headers = httpx.Headers({"webhook-id": "rollout-12-0", "webhook-timestamp": "1764614400",
                             "webhook-signature": signature})
    assert verifies(secret, headers, body.strip().encode(), now=1764614400)
