"""The audit log: append-only, hash-chained and pinned by signed checkpoints.

Writers only insert entries; they never read or lock a chain head, so audited reads and
changes do not queue behind each other. The sequencer (`sequence`, run by the worker,
`manage.py run_worker`, every fraction of a second, as transparency logs such as
Trillian/Tessera do) takes the committed entries that have no position yet, gives them the
next positions in one batch and chains each to the one before. Ids are not commit order (a
long transaction commits its entry after later ids), so the sequencer never asks "which ids
come next" but "which committed entries have no position": an entry that commits late gets
a later position, and none is skipped.

An edited, removed or reordered entry breaks the chain `verify` recomputes; removing the
newest entries, or rewriting a suffix with fresh hashes, leaves a chain that is intact on
its own, and is caught by a signed checkpoint (`verify_checkpoint`): the size and head hash
the log had when it was signed, with a key the database never holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import multiprocessing
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from json.encoder import encode_basestring_ascii
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, connections, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from . import signing
from .actors import SystemActor
from .models import AuditCheckpoint, AuditEntry, AuditLogHead

log = logging.getLogger(__name__)
GENESIS = "0" * 64
CHECKPOINT_FORMAT = "steward-audit-checkpoint/v1"
# What the digest covers, in the order `_digest` takes it (with the position and previous hash first).
_FIELDS = ("id", "seq", "prev_hash", "hash", "at", "actor_id", "actor_kind", "action", "object_type", "object_id",
           "ip", "detail")
# Entries recorded inside `deferred()`, waiting to be inserted when its block ends.
_pending: ContextVar[list[AuditEntry] | None] = ContextVar("steward_audit_pending", default=None)

Row = tuple[Any, ...]  # an entry as `_FIELDS` reads it


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
_esc = encode_basestring_ascii  # a JSON string literal, as json.dumps(..., ensure_ascii=True) writes it
# Canonical JSON of the `detail` texts seen lately: most entries repeat a few details ("{}" above all).
_DETAIL_CACHE: dict[str, str] = {}
_DETAIL_CACHE_SIZE = 4096


def _digest(prev_hash: str, seq: int, at: str, actor_id: int | None, actor_kind: str, action: str,
            object_type: str, object_id: str, ip: str | None, detail: dict[str, Any] | str) -> str:
    """SHA-256 of the entry as canonical JSON: `json.dumps([prev_hash, seq, …, detail], sort_keys=True,
    separators=(",", ":"), ensure_ascii=True)`. `detail` is a dict, or the JSON text the database returned.

    Written out by hand with json's own string escaping, byte for byte what `json.dumps` gives
    (a test holds it to that): a third of the cost, which is most of what verifying costs."""
    actor = "null" if actor_id is None else int(actor_id)
    address = "null" if ip is None else _esc(ip)
    payload = (f"[{_esc(prev_hash)},{int(seq)},{_esc(at)},{actor},{_esc(actor_kind)},{_esc(action)},"
               f"{_esc(object_type)},{_esc(object_id)},{address},{_canonical_detail(detail)}]")
    return hashlib.sha256(payload.encode()).hexdigest()


def _canonical_detail(detail: dict[str, Any] | str) -> str:
    if not isinstance(detail, str):
        return _ENCODER.encode(detail)
    canonical = _DETAIL_CACHE.get(detail)
    if canonical is None:
        canonical = _ENCODER.encode(json.loads(detail))
        if len(_DETAIL_CACHE) >= _DETAIL_CACHE_SIZE:
            _DETAIL_CACHE.clear()
        _DETAIL_CACHE[detail] = canonical
    return canonical


def _row_digest(row: Row, *, seq: int, prev_hash: str) -> str:
    _id, _seq, _prev, _hash, at, actor_id, actor_kind, action, object_type, object_id, ip, detail = row
    return _digest(prev_hash, seq, at.isoformat(), actor_id, actor_kind, action, object_type, object_id, ip, detail)


def _entry_digest(entry: AuditEntry) -> str:
    return _row_digest(_as_row(entry), seq=entry.seq or 0, prev_hash=entry.prev_hash or "")


def _as_row(entry: AuditEntry) -> Row:
    return tuple(getattr(entry, name) for name in _FIELDS)


def _rows(queryset: models.QuerySet[AuditEntry]) -> models.QuerySet[AuditEntry, Row]:
    """Entries as `_FIELDS` tuples, `detail` as the database's JSON text (decoded once per distinct text)."""
    return queryset.annotate(detail_text=Cast("detail", models.TextField())).values_list(*_FIELDS[:-1], "detail_text")


# --- writing ------------------------------------------------------------------------------------


def record(actor: AbstractBaseUser | AnonymousUser | SystemActor | None, action: str, obj: models.Model | None = None, *,
           ip: str | None = None, detail: dict[str, Any] | None = None, actor_kind: str | None = None,
           keep_ip: bool = False) -> AuditEntry:
    """Append one entry. `detail` must never hold report content, only identifiers and choices.

    The entry gets its position and hash from the sequencer once its transaction has committed.
    Inside `deferred()` it is inserted when that block ends (same transaction).
    A system actor is recorded as its kind ("system" or "reporter") with its job in `detail`."""
    if isinstance(actor, SystemActor):
        actor_kind, detail = actor.kind, {"job": actor.job, **(detail or {})}
    is_user = actor is not None and actor.is_authenticated
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=actor.pk if is_user and actor is not None else None,
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
        entry.save(force_insert=True)
    return entry


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the entries recorded in this block and insert them in one statement when it ends.

    Use it inside `transaction.atomic()`, so the entries commit (or roll back) with the
    changes they describe. An exception leaves the block without writing anything.
    """
    if _pending.get() is not None:  # already deferring: the outer block inserts
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
        AuditEntry.objects.bulk_create(entries)


# --- sequencing ---------------------------------------------------------------------------------


def _locked_head() -> AuditLogHead:
    """The log head, locked until the transaction ends; created from the chain if missing.

    A log written before the sequencer existed, or emptied by a test's flush, has no head row:
    it starts from the last sequenced entry (or the genesis hash)."""
    head = AuditLogHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first()
    size, head_hash = (last[0] or 0, last[1] or GENESIS) if last is not None else (0, GENESIS)
    try:
        with transaction.atomic():
            AuditLogHead.objects.create(pk=1, size=size, head_hash=head_hash)
    except IntegrityError:
        pass  # another sequencer created it first
    return AuditLogHead.objects.select_for_update().get(pk=1)


def sequence(batch_size: int = 1000) -> int:
    """Give the next `batch_size` committed, unsequenced entries their positions and hashes.

    One transaction: the entries and the head move together or not at all. Only sequencers
    lock the head row, so a second sequencer waits for the first and then sees its work.
    Returns how many entries were sequenced (fewer than `batch_size`: the queue is empty)."""
    with transaction.atomic():
        head = _locked_head()
        rows = list(_rows(AuditEntry.objects.filter(seq__isnull=True).order_by("id"))[:batch_size])
        if not rows:
            return 0
        seq, prev_hash = head.size, head.head_hash
        ids, seqs, prevs, hashes = [], [], [], []
        for row in rows:
            seq += 1
            digest = _row_digest(row, seq=seq, prev_hash=prev_hash)
            ids.append(row[0])
            seqs.append(seq)
            prevs.append(prev_hash)
            hashes.append(digest)
            prev_hash = digest
        _write_positions(ids, seqs, prevs, hashes)
        head.size, head.head_hash = seq, prev_hash
        head.save(update_fields=["size", "head_hash", "updated_at"])
    return len(rows)


def _write_positions(ids: list[int], seqs: list[int], prevs: list[str], hashes: list[str]) -> None:
    if connection.vendor == "postgresql":  # one statement for the whole batch
        table = AuditEntry._meta.db_table
        # The table name is the model's own, never input; the values go as parameters.
        sql = (f"UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "  # noqa: S608  # nosec B608
               "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS v(id, seq, prev_hash, hash) "
               "WHERE e.id = v.id AND e.seq IS NULL")
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids, seqs, prevs, hashes])
            if cursor.rowcount != len(ids):
                raise RuntimeError("audit entries changed while they were being sequenced")
        return
    entries = [AuditEntry(pk=pk, seq=s, prev_hash=p, hash=h) for pk, s, p, h in zip(ids, seqs, prevs, hashes, strict=True)]
    AuditEntry.objects.bulk_update(entries, ["seq", "prev_hash", "hash"], batch_size=250)


def sequence_and_sign(*, batch_size: int = 1000, checkpoint_every: timedelta = timedelta(seconds=60),
                      checkpoint_entries: int = 1000) -> int:
    """The sequencer's periodic step: sequence everything committed, then sign a checkpoint when one is due.

    Due means the log grew since the last checkpoint and either `checkpoint_every` passed or
    `checkpoint_entries` entries were added. Returns how many entries were sequenced."""
    total = 0
    while (done := sequence(batch_size)) > 0:
        total += done
        if done < batch_size:
            break
    head = AuditLogHead.objects.filter(pk=1).first()
    if head is None:
        return total
    last = AuditCheckpoint.objects.only("size", "signed_at").first()
    if last is None or (head.size > last.size and (head.size - last.size >= checkpoint_entries
                                                   or timezone.now() - last.signed_at >= checkpoint_every)):
        sign_checkpoint()
    return total



def run_forever(stop: threading.Event, *, interval: float = 0.2, **step: Any) -> None:
    """The sequencer's loop (a thread of `manage.py run_worker`, or `manage.py run_sequencer`):
    `sequence_and_sign(**step)` every `interval` seconds until `stop` is set. It has a thread
    of its own so that a long periodic job (the daily purge) never leaves entries unchained."""
    while not stop.is_set():
        close_old_connections()
        try:
            sequence_and_sign(**step)
        except DatabaseError:  # the database went away or restarted: reconnect next round, lose nothing
            log.exception("audit sequencer round failed; retrying")
            connection.close()
            stop.wait(1)
        stop.wait(interval)

# --- checkpoints --------------------------------------------------------------------------------


class CheckpointError(ValueError):
    """A checkpoint document that cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    """The log's size and head hash at a time, signed: what operators keep outside Steward."""

    size: int
    head_hash: str
    signed_at: datetime
    key_id: int
    signature: bytes

    def message(self) -> bytes:
        """The exact bytes that are signed."""
        return f"{CHECKPOINT_FORMAT}\n{self.size}\n{self.head_hash}\n{self.signed_at.isoformat()}\n".encode()

    def to_json(self) -> str:
        return json.dumps({
            "format": CHECKPOINT_FORMAT,
            "size": self.size,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at.isoformat(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
                raise CheckpointError(f"not a Steward audit checkpoint (expected format {CHECKPOINT_FORMAT})")
            checkpoint = cls(size=int(data["size"]), head_hash=str(data["head_hash"]),
                             signed_at=datetime.fromisoformat(data["signed_at"]), key_id=int(data["key_id"]),
                             signature=base64.b64decode(data["signature"], validate=True))
        except CheckpointError:
            raise
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"unreadable checkpoint: {error.__class__.__name__} {error}") from error
        if checkpoint.size < 0:
            raise CheckpointError("unreadable checkpoint: negative size")
        return checkpoint

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(size=row.size, head_hash=row.head_hash, signed_at=row.signed_at, key_id=row.key_id,
                   signature=bytes(row.signature))


def sign_checkpoint() -> Checkpoint:
    """Sign the current head (size, hash, time) and keep the checkpoint in the table."""
    head = AuditLogHead.objects.filter(pk=1).first()
    size, head_hash = (head.size, head.head_hash) if head is not None else (0, GENESIS)
    unsigned = Checkpoint(size=size, head_hash=head_hash, signed_at=timezone.now().replace(microsecond=0),
                          key_id=0, signature=b"")
    signature_bytes, key_id = signing.sign(unsigned.message())
    row = AuditCheckpoint.objects.create(size=size, head_hash=head_hash, signed_at=unsigned.signed_at,
                                         key_id=key_id, signature=signature_bytes)
    return Checkpoint.from_row(row)


def latest_checkpoint() -> Checkpoint | None:
    row = AuditCheckpoint.objects.first()
    return Checkpoint.from_row(row) if row is not None else None


# --- verifying ----------------------------------------------------------------------------------


def _sequenced_rows(lo: int | None = None, hi: int | None = None) -> Iterator[Row]:
    entries = AuditEntry.objects.filter(seq__isnull=False)
    if lo is not None and hi is not None:
        entries = entries.filter(seq__gte=lo, seq__lte=hi)
    return _rows(entries.order_by("seq")).iterator(chunk_size=10_000)


@dataclass
class _Walk:
    """What one pass over (a stretch of) the chain found; its first entry's links are checked by `_stitch`."""

    problems: list[str]
    count: int = 0
    hash_at: dict[int, str | None] = field(default_factory=dict)
    first: tuple[int, int, str | None] | None = None  # id, position and previous hash of the first entry
    last: tuple[int, str | None] | None = None  # position and hash of the last entry


def _walk(rows: Iterable[Row], *, watch: int | None = None) -> _Walk:
    walk = _Walk(problems=[])
    problems = walk.problems
    prev_hash: str | None = None
    expected_seq = 0
    for row in rows:
        pk, seq, row_prev, row_hash = row[0], row[1], row[2], row[3]
        if walk.first is None:
            walk.first = (pk, seq, row_prev)
        else:
            if seq != expected_seq:
                problems.append(f"entry id {pk}: sequence {seq}, expected {expected_seq} (removed or reordered)")
            if row_prev != prev_hash:
                problems.append(f"entry #{seq}: does not follow the previous entry (removed or reordered)")
        if _row_digest(row, seq=seq, prev_hash=row_prev or "") != row_hash:
            problems.append(f"entry #{seq}: content does not match its hash (edited)")
        if seq == watch:
            walk.hash_at[seq] = row_hash
        walk.count += 1
        prev_hash, expected_seq = row_hash, seq + 1
    if walk.first is not None:
        walk.last = (expected_seq - 1, prev_hash)
    return walk


def _stitch(walks: Iterable[_Walk]) -> _Walk:
    """Join consecutive stretches, checking each one's first entry against the end of the one before."""
    whole = _Walk(problems=[])
    expected_seq = 1
    prev_hash_or_none: str | None = GENESIS
    for walk in walks:
        if walk.first is None or walk.last is None:
            continue
        pk, seq, first_prev = walk.first
        if seq != expected_seq:
            whole.problems.append(f"entry id {pk}: sequence {seq}, expected {expected_seq} (removed or reordered)")
        if first_prev != prev_hash_or_none:
            whole.problems.append(f"entry #{seq}: does not follow the previous entry (removed or reordered)")
        whole.problems += walk.problems
        whole.count += walk.count
        whole.hash_at.update(walk.hash_at)
        expected_seq, prev_hash_or_none = walk.last[0] + 1, walk.last[1]
    return whole


def _walk_stretch(bounds: tuple[int, int, int | None]) -> _Walk:
    """One stretch of the log, in a forked process with a database connection of its own."""
    lo, hi, watch = bounds
    try:
        return _walk(_sequenced_rows(lo, hi), watch=watch)
    finally:
        connections.close_all()


def _walk_log(*, watch: int | None = None, jobs: int = 1, min_per_job: int = 50_000) -> _Walk:
    """The whole sequenced chain, in `jobs` processes when it has at least `min_per_job` entries per process.

    Recomputing the digests is the cost; stretches of the log are independent but for the one
    link between them, which `_stitch` checks."""
    if jobs > 1:
        bounds = AuditEntry.objects.filter(seq__isnull=False).aggregate(lo=models.Min("seq"), hi=models.Max("seq"))
        lo, hi = bounds["lo"], bounds["hi"]
        if lo is not None and hi is not None and hi - lo + 1 >= jobs * min_per_job:
            step = (hi - lo + 1 + jobs - 1) // jobs
            stretches = [(start, min(start + step - 1, hi), watch) for start in range(lo, hi + 1, step)]
            connections.close_all()  # the forked processes open their own
            with multiprocessing.get_context("fork").Pool(len(stretches)) as pool:
                return _stitch(pool.map(_walk_stretch, stretches))
    return _stitch([_walk(_sequenced_rows(), watch=watch)])


def verify(entries: Iterable[AuditEntry] | None = None, *, jobs: int = 1, min_per_job: int = 50_000) -> list[str]:
    """Return the problems found in the sequenced chain; an empty list means it is intact.

    The chain alone cannot show that its newest entries were removed or rewritten: use
    `verify_checkpoint` with a checkpoint kept outside Steward for that."""
    if entries is not None:
        return _stitch([_walk(_as_row(entry) for entry in entries)]).problems
    return _walk_log(jobs=jobs, min_per_job=min_per_job).problems


def verify_checkpoint(checkpoint: Checkpoint, *, public_keyset: str | None = None, jobs: int = 1,
                      min_per_job: int = 50_000) -> list[str]:
    """The problems in the chain up to (and after) a signed checkpoint; a bad signature is the only problem then.

    Fails when an entry up to the checkpoint was edited, removed or reordered, when the log
    is shorter than the checkpoint, or when the entry at its position has another hash
    (the entries up to it were rewritten, hashes recomputed)."""
    try:
        signing.verify(checkpoint.signature, checkpoint.message(), public_keyset=public_keyset)
    except signing.BadSignature:
        return ["checkpoint signature does not verify: it was forged or altered, or signed with another key"]
    walk = _walk_log(watch=checkpoint.size, jobs=jobs, min_per_job=min_per_job)
    problems = walk.problems
    if checkpoint.size == 0:
        return problems
    if checkpoint.size not in walk.hash_at:
        problems.append(f"log cut short: entry #{checkpoint.size} of the checkpoint is missing "
                        f"({walk.count} sequenced entries)")
    elif walk.hash_at[checkpoint.size] != checkpoint.head_hash:
        problems.append(f"entry #{checkpoint.size}: hash differs from the checkpoint's head "
                        "(entries up to it were rewritten)")
    return problems


def unsequenced_older_than(age: timedelta) -> int:
    """How many committed entries have waited longer than `age` for a position (the sequencer is not running)."""
    return AuditEntry.objects.filter(seq__isnull=True, at__lt=timezone.now() - age).count()
