"""The audit log: append-only and hash-chained, so an edited, removed or reordered
entry breaks the chain that `manage.py verify_audit` recomputes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from .actors import SystemActor
from .models import AuditEntry

GENESIS = "0" * 64
# Any fixed number: PostgreSQL serialises appends to the chain with this advisory lock.
_CHAIN_LOCK = 7_420_001
# Entries recorded inside `deferred()`, waiting to be appended when its block ends.
_pending: ContextVar[list[AuditEntry] | None] = ContextVar("steward_audit_pending", default=None)


def _digest(prev_hash: str, seq: int, at: str, actor_id: int | None, actor_kind: str, action: str,
            object_type: str, object_id: str, ip: str | None, detail: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, seq, at, actor_id, actor_kind, action, object_type, object_id, ip, detail],
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _entry_digest(entry: AuditEntry) -> str:
    return _digest(entry.prev_hash, entry.seq, entry.at.isoformat(), entry.actor_id, entry.actor_kind,
                   entry.action, entry.object_type, entry.object_id, entry.ip, entry.detail)


def record(actor: AbstractBaseUser | AnonymousUser | SystemActor | None, action: str, obj: models.Model | None = None, *,
           ip: str | None = None, detail: dict[str, Any] | None = None, actor_kind: str | None = None,
           keep_ip: bool = False) -> AuditEntry:
    """Append one entry. `detail` must never hold report content, only identifiers and choices.

    Inside `deferred()` the entry joins the chain when that block ends (same transaction).
    A system actor is recorded as its kind ("system" or "reporter") with its job in `detail`."""
    if isinstance(actor, SystemActor):
        actor_kind, detail = actor.kind, {"job": actor.job, **(detail or {})}
    is_user = actor is not None and actor.is_authenticated
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=actor.pk if is_user else None,  # type: ignore[union-attr]
        actor_kind=actor_kind or ("staff" if is_user else "system"),
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        # A reporter's address is never kept; attempts to sign in as staff keep theirs (keep_ip).
        ip=ip if is_user or keep_ip else None,
        detail=detail or {},
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the entries recorded in this block and append them to the chain when it ends.

    Appending takes a lock that serialises every writer of the chain until their transaction
    commits; deferring keeps it for the append and the commit only, not for the work in
    between. Use it inside `transaction.atomic()`, so the entries commit (or roll back) with
    the changes they describe. An exception leaves the block without appending anything.
    """
    if _pending.get() is not None:  # already deferring: the outer block appends
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("audit.deferred() must run inside transaction.atomic()")
    token = _pending.set([])
    try:
        yield
        entries = _pending.get() or []
    finally:
        _pending.reset(token)
    if entries:
        _append(entries)


def _append(entries: list[AuditEntry]) -> None:
    # No savepoint: a failed append must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        seq = last.seq if last else 0
        prev_hash = last.hash if last else GENESIS
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev_hash
            entry.hash = prev_hash = _entry_digest(entry)
        if len(entries) == 1:
            entries[0].save()
        else:
            AuditEntry.objects.bulk_create(entries)


def verify(entries: Iterable[AuditEntry] | None = None) -> list[str]:
    """Return the problems found in the chain; an empty list means it is intact."""
    problems: list[str] = []
    prev_hash, expected_seq = GENESIS, 1
    rows = entries if entries is not None else AuditEntry.objects.order_by("id").iterator()
    for entry in rows:
        if entry.seq != expected_seq:
            problems.append(f"entry id {entry.pk}: sequence {entry.seq}, expected {expected_seq} (removed or reordered)")
        if entry.prev_hash != prev_hash:
            problems.append(f"entry #{entry.seq}: does not follow the previous entry (removed or reordered)")
        if _entry_digest(entry) != entry.hash:
            problems.append(f"entry #{entry.seq}: content does not match its hash (edited)")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    return problems
