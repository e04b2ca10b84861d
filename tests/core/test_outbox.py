"""The outbox: rows written with the change that causes them, delivered once, retried with
back-off, and a send interrupted by a stopped worker sent again and marked uncertain."""

from __future__ import annotations

import datetime
import random
import smtplib
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from steward.core import outbox
from steward.core.models import OutboxMessage
from steward.reports.messages import AcknowledgeReport
from tests.conftest import deliver_outbox

Status = OutboxMessage.Status


@dataclass(frozen=True)
class Ping(outbox.Message, kind="tests.ping"):
    target: int


calls: list[tuple[int, str]] = []
failures: dict[int, BaseException] = {}


@outbox.handler(Ping)
def deliver_ping(message: Ping, delivery: outbox.Delivery) -> bool:
    if message.target in failures:
        raise failures[message.target]
    calls.append((message.target, delivery.key))
    return message.target >= 0  # a negative target stands for a recipient erased meanwhile


@pytest.fixture(autouse=True)
def _clean() -> Any:
    calls.clear()
    failures.clear()
    yield
    calls.clear()
    failures.clear()


def ping(target: int, **options: Any) -> OutboxMessage | None:
    with transaction.atomic():
        return outbox.send(Ping(target=target), **options)


@pytest.mark.django_db(transaction=True)
def test_send_outside_a_transaction_is_refused():
    with pytest.raises(outbox.OutboxError, match=r"inside transaction\.atomic"):
        outbox.send(Ping(target=1))
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_change_leaves_no_message(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.send(Ping(target=1))
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert deliver_outbox() == 0 and calls == []


def test_the_payload_holds_identifiers_only(db):
    @dataclass(frozen=True)
    class Loose(outbox.Message, kind="tests.loose"):
        things: list[str]

    with pytest.raises(outbox.OutboxError, match="identifiers only"), transaction.atomic():
        outbox.send(Loose(things=["a note"]))
    row = ping(7)
    assert row is not None and row.payload == {"target": 7} and row.kind == "tests.ping"
    assert row.status == Status.PENDING and row.attempts == 0


def test_a_repeated_idempotency_key_writes_nothing(db):
    assert ping(1, key="tests.ping.1") is not None
    assert ping(1, key="tests.ping.1") is None
    assert OutboxMessage.objects.count() == 1
    with pytest.raises(outbox.OutboxError, match="idempotency key"):
        ping(1, key="not a key: spaces")


def test_a_message_is_sent_once_and_marked_sent(db):
    row = ping(1)
    assert deliver_outbox() == 1
    assert calls == [(1, row.idempotency_key)]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at is not None and not row.uncertain
    assert deliver_outbox() == 0 and len(calls) == 1


def test_a_message_with_nothing_left_to_send_is_dropped(db):
    row = ping(-1)
    deliver_outbox()
    row.refresh_from_db()
    assert row.status == Status.DROPPED


def test_the_security_alert_goes_before_other_waiting_messages(case, triager):
    from steward.cases import services
    from steward.cases.messages import SecurityAlert
    from tests.cases.helpers import answers

    for target in range(3):
        ping(target)
    services.triage_case(case, by=triager, answers=answers(danger=True), priority="P1", reason="")
    first = outbox._claim()
    assert first is not None and first.kind == SecurityAlert.kind and first.priority == 100


class StopWhenIdle(threading.Event):
    """Stops the dispatcher loop the first time it has nothing to do."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections, as a worker must
def test_the_dispatcher_loop_sends_what_is_due_then_stops_when_told():
    ping(1)
    ping(2)
    outbox.run_forever(StopWhenIdle(), idle=0)
    assert [target for target, _ in calls] == [1, 2]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_delayed_message_waits(db):
    ping(1, delay=datetime.timedelta(minutes=5))
    assert deliver_outbox() == 0


def test_the_back_off_doubles_with_jitter_up_to_the_ceiling(settings):
    settings.STEWARD_OUTBOX_RETRY_SECONDS = 30
    settings.STEWARD_OUTBOX_RETRY_MAX_SECONDS = 3600
    rng = random.Random(1)
    for attempts, full in [(1, 30), (2, 60), (3, 120), (4, 240), (8, 3600), (20, 3600)]:
        waits = [outbox.backoff(attempts, rng=rng).total_seconds() for _ in range(50)]
        assert all(full / 2 <= wait <= full for wait in waits), attempts
        assert len(set(waits)) > 1  # jittered, so failures do not retry in step


def test_a_failed_send_is_retried_later_and_records_no_content(db, settings):
    settings.STEWARD_OUTBOX_RETRY_SECONDS = 30
    row = ping(3)
    failures[3] = smtplib.SMTPRecipientsRefused({"rosa@example.org": (550, b"no such user rosa@example.org")})
    before = timezone.now()
    deliver_outbox()
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 1
    assert row.last_error == "SMTPRecipientsRefused"
    assert before + datetime.timedelta(seconds=15) <= row.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=30)
    assert deliver_outbox() == 0  # not due yet

    failures.clear()
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    deliver_outbox()
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2 and row.last_error == ""


def test_the_last_attempt_fails_the_message(db, settings):
    settings.STEWARD_OUTBOX_MAX_ATTEMPTS = 3
    row = ping(4)
    failures[4] = smtplib.SMTPResponseException(451, b"try later")
    for _ in range(3):
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        deliver_outbox()
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 3 and row.last_error == "SMTPResponseException 451"
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver_outbox() == 0
    assert row in outbox.stuck()


def test_a_kind_nobody_handles_fails_at_once(db):
    row = OutboxMessage.objects.create(kind="tests.gone", payload={}, idempotency_key="gone", next_attempt_at=timezone.now())
    deliver_outbox()
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.last_error == "no handler for tests.gone"


def test_a_send_interrupted_by_a_stopped_worker_is_sent_again_and_marked_uncertain(db, settings):
    row = ping(5)
    claimed = outbox._claim()  # a worker claims it, then dies before recording the outcome
    assert claimed is not None and claimed.pk == row.pk
    assert deliver_outbox() == 0  # its lease still runs: nobody else touches it
    OutboxMessage.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert row in outbox.stuck()

    assert deliver_outbox() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2 and row.uncertain
    assert row.last_error.startswith("uncertain: the worker stopped during the send")
    assert calls == [(5, row.idempotency_key)]


def test_a_late_outcome_does_not_overwrite_a_newer_claim(db):
    row = ping(6)
    first = outbox._claim()
    OutboxMessage.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    second = outbox._claim()
    assert first is not None and second is not None and second.attempts == 2
    failures[6] = ConnectionError()
    outbox.deliver(first)  # the first worker wakes up late: its claim is no longer the row's
    row.refresh_from_db()
    assert row.status == Status.SENDING and row.attempts == 2 and row.last_error.startswith("uncertain")


def test_email_carries_the_idempotency_key_as_message_id(file_report):
    file_report(anonymous=False, contact_email="rosa@example.org")
    deliver_outbox()
    [email] = mail.outbox
    row = OutboxMessage.objects.get(kind=AcknowledgeReport.kind)
    assert email.extra_headers["Message-ID"] == f"<{row.idempotency_key}@example.org>"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_message():
    """Several workers on one PostgreSQL: SKIP LOCKED plus compare-and-set. (SQLite's
    immediate transactions serialise claims; its in-memory test database cannot be shared
    by threads that write, so this half runs in `make test-postgres`.)"""
    for target in range(40):
        ping(target)
    claims: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(mine: list[int]) -> None:
        try:
            start.wait()
            while (row := outbox._claim()) is not None:
                mine.append(row.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(claims[n],)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    taken = claims[0] + claims[1]
    assert sorted(taken) == sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(set(taken)) == len(taken) == 40
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert claims[0] and claims[1]  # both really worked at once
