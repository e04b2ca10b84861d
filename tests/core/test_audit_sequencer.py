"""The sequencer gives committed entries consecutive positions and chains them; writers never wait on it.

The PostgreSQL half runs real concurrent transactions: an entry whose transaction began
earlier (smaller id) and committed later is still sequenced, and many writers with two
sequencers running at once leave one unbroken chain."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from steward.core import audit
from steward.core.models import AuditEntry, AuditLogHead


def positions() -> list[int | None]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))


def test_writing_leaves_the_position_to_the_sequencer(db, case, triager):
    entry = audit.record(triager, "case.view", case)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    audit.sequence()
    stored.refresh_from_db()
    assert stored.seq == AuditEntry.objects.count()
    assert stored.hash == audit._entry_digest(stored)


def test_batches_continue_the_chain(db, case, triager):
    for _ in range(7):
        audit.record(triager, "case.view", case)
    total = AuditEntry.objects.count()
    assert audit.sequence(batch_size=3) == 3
    assert AuditEntry.objects.filter(seq__isnull=True).count() == total - 3
    while audit.sequence(batch_size=3):
        pass
    assert positions() == list(range(1, total + 1))
    assert audit.verify() == []
    head = AuditLogHead.objects.get()
    assert (head.size, head.head_hash) == (total, AuditEntry.objects.get(seq=total).hash)
    assert audit.sequence() == 0  # nothing left: sequencing again changes nothing
    assert AuditLogHead.objects.get().size == total


def test_an_entry_committed_after_later_ids_were_sequenced_is_not_skipped(db, case, triager):
    """Ids are not commit order: simulate the slow transaction's entry arriving with a smaller id."""
    slow = audit.record(triager, "case.note", case)
    slow_fields = {f.attname: getattr(slow, f.attname) for f in AuditEntry._meta.concrete_fields}
    AuditEntry.objects.filter(pk=slow.pk).delete()  # not committed yet, as far as the sequencer can tell
    for _ in range(3):
        audit.record(triager, "case.view", case)
    audit.sequence()
    sequenced = AuditEntry.objects.count()

    AuditEntry.objects.create(**slow_fields)  # it commits now, with its old (smaller) id
    audit.sequence()
    late = AuditEntry.objects.get(pk=slow.pk)
    assert late.seq == sequenced + 1
    assert late.pk < AuditEntry.objects.get(seq=sequenced).pk
    assert audit.verify() == []


def test_a_log_without_a_head_row_goes_on_from_its_last_entry(db, case, triager):
    """A log written before the sequencer existed (or a head row lost) continues where the chain ends."""
    audit.sequence()
    before = AuditEntry.objects.count()
    AuditLogHead.objects.all().delete()
    audit.record(triager, "case.view", case)
    audit.sequence()
    assert positions() == list(range(1, before + 2))
    assert audit.verify() == []


def test_run_sequencer_once(db, case, triager):
    audit.record(triager, "case.view", case)
    waiting = AuditEntry.objects.filter(seq__isnull=True).count()
    out = io.StringIO()
    call_command("run_sequencer", "--once", stdout=out)
    assert out.getvalue().strip() == f"Sequenced {waiting} audit entries"
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert audit.latest_checkpoint() is not None


@pytest.mark.parametrize("option", ["--interval=0", "--batch-size=0", "--checkpoint-seconds=-1",
                                    "--checkpoint-entries=0"])
def test_run_sequencer_refuses_nonsense_options(db, option):
    with pytest.raises(CommandError, match="must be positive"):
        call_command("run_sequencer", "--once", option)


# --- PostgreSQL: real concurrent transactions ---------------------------------------------------


def _in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_transaction_begun_earlier_and_committed_later_is_sequenced(case, triager):
    recorded, commit = threading.Event(), threading.Event()
    slow: list[AuditEntry] = []
    errors: list[BaseException] = []

    def long_transaction() -> None:
        with transaction.atomic():
            slow.append(audit.record(triager, "case.note", case))
            recorded.set()
            commit.wait()

    thread = _in_thread(long_transaction, errors)
    recorded.wait()
    for _ in range(5):
        audit.record(triager, "case.view", case)  # later ids, committed first
    audit.sequence()
    assert AuditEntry.objects.filter(pk=slow[0].pk).count() == 0  # not committed: not seen
    sequenced = AuditEntry.objects.count()
    commit.set()
    thread.join()
    assert errors == []

    audit.sequence()
    late = AuditEntry.objects.get(pk=slow[0].pk)
    assert late.seq == sequenced + 1
    assert late.pk < AuditEntry.objects.get(seq=sequenced).pk
    assert positions() == list(range(1, sequenced + 2))
    assert audit.verify() == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_two_sequencers_leave_one_unbroken_chain(case, triager):
    writers, per_writer = 6, 40
    errors: list[BaseException] = []
    writing_done = threading.Event()
    start = threading.Barrier(writers + 2)

    def write(n: int) -> None:
        start.wait()
        for i in range(per_writer):
            if n % 2:  # half the writers hold their entries in longer transactions
                with transaction.atomic():
                    audit.record(triager, "case.view", case, detail={"writer": n, "i": i})
                    AuditEntry.objects.filter(pk=0).exists()  # more work inside the transaction
                    audit.record(triager, "case.note", case, detail={"writer": n, "i": i})
            else:
                with transaction.atomic(), audit.deferred():
                    audit.record(triager, "case.view", case, detail={"writer": n, "i": i})

    def sequencer() -> None:
        start.wait()
        while not writing_done.is_set():
            audit.sequence(batch_size=17)

    threads = [_in_thread(lambda n=n: write(n), errors) for n in range(writers)]
    sequencers = [_in_thread(sequencer, errors) for _ in range(2)]
    for thread in threads:
        thread.join()
    writing_done.set()
    for thread in sequencers:
        thread.join()
    assert errors == []

    while audit.sequence():
        pass
    total = AuditEntry.objects.count()
    assert total >= writers * per_writer * 3 // 2
    assert positions() == list(range(1, total + 1))
    assert audit.verify() == []
    checkpoint = audit.sign_checkpoint()
    assert (checkpoint.size, checkpoint.head_hash) == (total, AuditEntry.objects.get(seq=total).hash)
    assert audit.verify_checkpoint(checkpoint) == []
