"""/staff/deliveries/: administrators see the outbox messages that failed or are stuck, and
retry them; nobody else may, and the page shows no content."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from steward.core.models import AuditEntry, OutboxMessage
from steward.core.roles import Role
from tests.conftest import deliver_outbox, login, make_staff

URL = "/staff/deliveries/"
Status = OutboxMessage.Status


def message(key: str, status: str, **fields: Any) -> OutboxMessage:
    values: dict[str, Any] = {"kind": "reports.acknowledge", "payload": {"report": 999999}, "idempotency_key": key,
                              "status": status, "next_attempt_at": timezone.now()}
    values.update(fields)
    return OutboxMessage.objects.create(**values)


@pytest.fixture
def rows(db: Any) -> dict[str, OutboxMessage]:
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    return {
        "failed": message("failed", Status.FAILED, attempts=10, last_error="SMTPRecipientsRefused"),
        "late": message("late", Status.PENDING, attempts=2, next_attempt_at=hour_ago, last_error="ConnectionRefusedError"),
        "abandoned": message("abandoned", Status.SENDING, attempts=1, lease_expires_at=hour_ago),
        "sent": message("sent", Status.SENT, attempts=1, sent_at=hour_ago),
        "waiting": message("waiting", Status.PENDING, attempts=1, next_attempt_at=timezone.now() + datetime.timedelta(minutes=1)),
        "sending": message("sending", Status.SENDING, attempts=1, lease_expires_at=timezone.now() + datetime.timedelta(minutes=5)),
    }


def test_administrators_see_failed_and_stuck_deliveries_only(administrator, rows):
    response = login(administrator).get(URL)
    assert response.status_code == 200
    listed = [row.idempotency_key for row in response.context["rows"]]
    assert listed == ["failed", "late", "abandoned"]
    page = response.content.decode()
    assert "reports.acknowledge" in page and "SMTPRecipientsRefused" in page
    assert "999999" not in page  # identifiers of what the message is about are not shown either
    assert f'action="/staff/deliveries/{rows["failed"].pk}/retry/"' in page


def test_the_page_is_in_the_administrators_navigation(administrator, triager):
    assert f'href="{URL}"' in login(administrator).get("/staff/people/").content.decode()
    assert f'href="{URL}"' not in login(triager).get("/staff/cases/").content.decode()


def test_retry_sends_again_with_fresh_attempts_and_is_audited(administrator, rows, mailoutbox):
    failed = rows["failed"]
    response = login(administrator).post(f"/staff/deliveries/{failed.pk}/retry/", REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302 and response["Location"] == URL
    failed.refresh_from_db()
    assert failed.status == Status.PENDING and failed.attempts == 0 and failed.next_attempt_at <= timezone.now()
    entry = AuditEntry.objects.get(action="outbox.retry")
    assert entry.actor_id == administrator.pk and entry.object_id == str(failed.pk)
    assert entry.detail == {"kind": "reports.acknowledge", "status_before": "failed"}
    deliver_outbox()
    failed.refresh_from_db()
    assert failed.status == Status.DROPPED  # the report no longer exists: nothing to send


def test_retrying_an_abandoned_send_keeps_it_marked_uncertain(administrator, rows):
    abandoned = rows["abandoned"]
    login(administrator).post(f"/staff/deliveries/{abandoned.pk}/retry/")
    abandoned.refresh_from_db()
    assert abandoned.status == Status.PENDING and abandoned.uncertain
    assert abandoned.last_error.startswith("uncertain:")


@pytest.mark.parametrize("key", ["sent", "waiting", "sending"])
def test_only_failed_or_stuck_deliveries_can_be_retried(administrator, rows, key):
    row = rows[key]
    before = list(OutboxMessage.objects.order_by("pk").values())
    response = login(administrator).post(f"/staff/deliveries/{row.pk}/retry/", follow=True)
    assert "This delivery is not waiting for a retry any more." in response.content.decode()
    assert list(OutboxMessage.objects.order_by("pk").values()) == before
    assert not AuditEntry.objects.filter(action="outbox.retry").exists()


@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.ADMINISTRATOR])
def test_every_other_role_is_refused(rows, role):
    member = make_staff(f"member-{role}".replace("_", "-"), role)
    client = login(member)
    before = list(OutboxMessage.objects.order_by("pk").values())
    assert client.get(URL).status_code == 403
    assert client.post(f"/staff/deliveries/{rows['failed'].pk}/retry/").status_code == 403
    assert list(OutboxMessage.objects.order_by("pk").values()) == before


def test_visitors_are_sent_to_sign_in(client, rows):
    assert client.get(URL)["Location"].startswith("/staff/login/")
    assert client.post(f"/staff/deliveries/{rows['failed'].pk}/retry/")["Location"].startswith("/staff/login/")
    assert OutboxMessage.objects.get(pk=rows["failed"].pk).status == Status.FAILED


def test_retry_is_a_post(administrator, rows):
    assert login(administrator).get(f"/staff/deliveries/{rows['failed'].pk}/retry/").status_code == 405
