"""Durable side effects: an outbox row written in the transaction that causes it, delivered by
the worker with retries.

An app declares each kind of message it sends as a frozen dataclass of identifiers, and
registers how to deliver it::

    # reports/messages.py (data only, so services can import it)
    @dataclass(frozen=True)
    class AcknowledgeReport(outbox.Message, kind="reports.acknowledge"):
        report: int

    # reports/notifications.py (imported by the app's ready())
    @outbox.handler(AcknowledgeReport)
    def acknowledge(message: AcknowledgeReport, delivery: outbox.Delivery) -> bool:
        ...  # re-read the report; False when there is nothing to send any more
        delivery.email(subject, body, [address])
        return True

    # reports/services.py, inside the action's transaction
    outbox.send(AcknowledgeReport(report=report.pk))

The dispatcher claims one due row at a time (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several workers never claim the same row), marks it SENDING with a lease and
commits, then sends, then marks it SENT. A row still SENDING after its lease ran out was
claimed by a worker that stopped during the send: whether it went out cannot be known, so it is
sent again and marked `uncertain`. Nothing else ever sends twice. The idempotency key travels
with the message (an email's Message-ID), so a receiver can recognise that duplicate.

A failed send is retried with exponential back-off and jitter up to
STEWARD_OUTBOX_MAX_ATTEMPTS, then the row is FAILED; administrators retry it on
/staff/deliveries/.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import audit, rows
from .models import OutboxMessage

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status
KEY_RE = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
# What a payload field may hold: identifiers and choices, never text a person wrote.
PAYLOAD_TYPES = (int, str, bool, type(None))
UNCERTAIN = "uncertain: the worker stopped during the send; sent again"


class OutboxError(RuntimeError):
    """A programming error in the use of the outbox (not a failed delivery)."""


class Message:
    """Base of every message kind: a frozen dataclass of identifiers with a unique `kind`;
    `priority` puts a kind ahead of others that are due (the P1 safety alert)."""

    kind: ClassVar[str]
    priority: ClassVar[int] = 0
    _kinds: ClassVar[dict[str, type[Message]]] = {}

    def __init_subclass__(cls, *, kind: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind in Message._kinds and Message._kinds[kind].__qualname__ != cls.__qualname__:
            raise OutboxError(f"Two message types use the kind {kind!r}.")
        cls.kind = kind
        Message._kinds[kind] = cls

    def payload(self) -> dict[str, Any]:
        data = dataclasses.asdict(cast("DataclassInstance", self))  # every kind is declared a dataclass
        for name, value in data.items():
            if not isinstance(value, PAYLOAD_TYPES):
                raise OutboxError(f"{self.kind}.{name}: a payload holds identifiers only, not {type(value).__name__}.")
        return data


@dataclass(frozen=True)
class Delivery:
    """What a handler sends through: the row's idempotency key travels with every message."""

    key: str
    attempt: int

    @property
    def message_id(self) -> str:
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "steward.invalid"
        return f"<{self.key}@{domain}>"

    def email(self, subject: str, body: str, to: list[str], *, from_email: str | None = None) -> None:
        EmailMessage(subject, body, from_email, to, headers={"Message-ID": self.message_id}).send()


Handler = Callable[[Any, Delivery], bool]
_handlers: dict[str, Handler] = {}


def handler[M: Message](message_type: type[M]) -> Callable[[Callable[[M, Delivery], bool]], Callable[[M, Delivery], bool]]:
    """Register how to deliver one message kind. The handler returns False when there is
    nothing to send any more (the recipient was erased meanwhile), True when it sent."""

    def register(function: Callable[[M, Delivery], bool]) -> Callable[[M, Delivery], bool]:
        _handlers[message_type.kind] = function
        return function

    return register


def send(message: Message, *, key: str | None = None, delay: datetime.timedelta | None = None) -> OutboxMessage | None:
    """Write `message` to the outbox inside the caller's transaction; it goes out after commit.

    `key` makes the send idempotent: a second send with the same key writes nothing and returns
    None. Without one, every call is a new message."""
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("outbox.send() must run inside transaction.atomic, with the change that causes it.")
    if key is not None and not KEY_RE.match(key):
        raise OutboxError("An idempotency key is 1 to 200 letters, digits, dots, dashes or underscores.")
    now = timezone.now()
    row = message_row(message, key=key, delay=delay, now=now)
    if key is None:  # a fresh key never collides: one plain INSERT
        rows.insert(row)
        return row
    # ignore_conflicts: a repeated key must not abort the caller's transaction on PostgreSQL.
    OutboxMessage.objects.bulk_create([row], ignore_conflicts=True)
    return OutboxMessage.objects.filter(idempotency_key=key, created_at__gte=now).first()


def message_row(message: Message, *, key: str | None = None, delay: datetime.timedelta | None = None,
                now: datetime.datetime | None = None) -> OutboxMessage:
    """The row `send` writes, unsaved, for `rows.together` to write with the change that causes it."""
    if message.kind not in Message._kinds:
        raise OutboxError(f"Unknown message kind {message.kind!r}.")
    return OutboxMessage(kind=message.kind, priority=message.priority, payload=message.payload(),
                         idempotency_key=key or uuid.uuid4().hex,
                         next_attempt_at=(now or timezone.now()) + (delay or datetime.timedelta()))


def backoff(attempts: int, *, rng: random.Random | None = None) -> datetime.timedelta:
    """The wait before attempt `attempts + 1`: base × 2^(attempts−1), capped, with jitter
    (between half and all of it), so that many failures do not retry in step."""
    base = float(settings.STEWARD_OUTBOX_RETRY_SECONDS)
    ceiling = float(settings.STEWARD_OUTBOX_RETRY_MAX_SECONDS)
    delay = min(ceiling, base * 2 ** max(0, attempts - 1))
    return datetime.timedelta(seconds=delay * (0.5 + 0.5 * (rng or random).random()))


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.STEWARD_OUTBOX_LEASE_SECONDS)


def _due(now: datetime.datetime) -> QuerySet[OutboxMessage]:
    abandoned = Q(status=Status.SENDING, lease_expires_at__lt=now)
    return OutboxMessage.objects.filter(Q(status=Status.PENDING, next_attempt_at__lte=now) | abandoned)


def _claim() -> OutboxMessage | None:
    """Take one due row and commit it as SENDING before anything is sent."""
    now = timezone.now()
    while True:
        with transaction.atomic():
            rows = _due(now).order_by("-priority", "next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            row = rows.first()
            if row is None:
                return None
            abandoned = row.status == Status.SENDING
            fields: dict[str, Any] = {"status": Status.SENDING, "attempts": row.attempts + 1,
                                      "lease_expires_at": now + _lease()}
            if abandoned:
                fields |= {"uncertain": True, "last_error": UNCERTAIN}
            # Compare-and-set as well as the row lock: SQLite has no SKIP LOCKED, and a second
            # worker that read the same row then finds it changed and looks for another.
            if OutboxMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(**fields):
                break
    if abandoned:
        logger.warning("outbox message %s (%s) was in flight when its worker stopped; sending it again", row.pk, row.kind)
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def _describe(error: BaseException) -> str:
    # The type and an SMTP code only: an exception's text can quote an address or a subject.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:200]


def deliver(row: OutboxMessage) -> str:
    """Send one claimed row and record the outcome; returns its new status."""
    function = _handlers.get(row.kind)
    message_type = Message._kinds.get(row.kind)
    now = timezone.now()
    fields: dict[str, Any] = {"lease_expires_at": None}
    if function is None or message_type is None:
        fields |= {"status": Status.FAILED, "last_error": f"no handler for {row.kind}"[:200]}
    else:
        try:
            sent = function(message_type(**row.payload), Delivery(key=row.idempotency_key, attempt=row.attempts))
        except Exception as error:  # any failure of a send is retried, then recorded
            fields["last_error"] = _describe(error)
            if row.attempts >= settings.STEWARD_OUTBOX_MAX_ATTEMPTS:
                fields["status"] = Status.FAILED
            else:
                fields |= {"status": Status.PENDING, "next_attempt_at": now + backoff(row.attempts)}
            logger.warning("outbox message %s (%s) attempt %s failed: %s", row.pk, row.kind, row.attempts, fields["last_error"])
        else:
            fields |= {"status": Status.SENT if sent else Status.DROPPED, "sent_at": now}
            if not row.uncertain:
                fields["last_error"] = ""
    # Only the claim this worker holds: a row re-claimed after a lapsed lease is not overwritten.
    OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING, attempts=row.attempts).update(**fields)
    return str(fields["status"])


def dispatch(limit: int = 100) -> int:
    """Deliver up to `limit` due messages, one claim at a time, including those that handlers
    queue while sending; returns how many were tried."""
    done = 0
    while done < limit:
        row = _claim()
        if row is None:
            break
        deliver(row)
        done += 1
    return done


def run_forever(stop: threading.Event, *, idle: float = 0.5) -> None:
    """The worker's dispatcher loop (`manage.py run_worker`, in a thread of its own so that a
    long queue of emails never delays the periodic jobs): deliver what is due, then wait
    `idle` seconds when nothing is, until `stop` is set. Stops between two sends."""
    while not stop.is_set():
        close_old_connections()
        try:
            row = _claim()
        except DatabaseError:  # the database is away for a moment: keep the worker, try again
            logger.exception("outbox claim failed")
            stop.wait(5)
            continue
        if row is None:
            stop.wait(idle)
        else:
            deliver(row)


def stuck(now: datetime.datetime | None = None) -> QuerySet[OutboxMessage]:
    """What an administrator must look at: failed rows, rows waiting well past their time (no
    worker is running), and rows in flight past their lease (their worker stopped)."""
    now = now or timezone.now()
    late = now - datetime.timedelta(seconds=settings.STEWARD_OUTBOX_STUCK_SECONDS)
    return OutboxMessage.objects.filter(
        Q(status=Status.FAILED) | Q(status=Status.PENDING, next_attempt_at__lt=late)
        | Q(status=Status.SENDING, lease_expires_at__lt=now)).order_by("created_at", "pk")


class NotRetryable(OutboxError):
    pass


@transaction.atomic
def retry(message_id: int, *, by: AbstractBaseUser, ip: str | None = None) -> OutboxMessage:
    """Send a failed or stuck row again now, with a fresh round of attempts. Audited."""
    row = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    if row is None or not stuck().filter(pk=message_id).exists():
        raise NotRetryable(message_id)
    before = row.status
    if before == Status.SENDING:  # its worker stopped mid-send: it may have gone out already
        row.uncertain, row.last_error = True, UNCERTAIN
    row.status, row.attempts, row.next_attempt_at, row.lease_expires_at = Status.PENDING, 0, timezone.now(), None
    row.save(update_fields=["status", "attempts", "next_attempt_at", "lease_expires_at", "uncertain", "last_error"])
    audit.record(by, "outbox.retry", row, ip=ip, detail={"kind": row.kind, "status_before": before})
    return row
