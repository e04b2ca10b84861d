"""The audit log is a hash chain: editing, removing or reordering an entry is detected.

Writers only insert; `audit.sequence()` gives the entries their positions and hashes, so
the tests sequence before they read `seq` or `hash`."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from steward.core import audit
from steward.core.models import AuditEntry
from tests.conftest import make_staff


@pytest.fixture
def chain(db, case, triager):
    """A few entries on top of whatever intake wrote."""
    for action in ("case.view", "case.note", "case.status", "case.view"):
        audit.record(triager, action, case, ip="192.0.2.1", detail={"n": action})
    audit.sequence()
    return list(AuditEntry.objects.order_by("seq"))


def test_entries_form_a_chain(chain):
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in chain}) == len(chain)
    assert all(len(e.hash) == 64 for e in chain)
    assert audit.verify() == []


def test_an_empty_log_is_intact(db):
    AuditEntry.objects.all().delete()
    assert audit.verify() == []


def test_record_fields(db, case, triager):
    staff_entry = audit.record(triager, "case.view", case, ip="192.0.2.5", detail={"k": 1})
    assert (staff_entry.actor, staff_entry.actor_kind, staff_entry.ip) == (triager, "staff", "192.0.2.5")
    assert (staff_entry.object_type, staff_entry.object_id, staff_entry.detail) == ("case", str(case.pk), {"k": 1})

    reporter_entry = audit.record(None, "report.reply", case, ip="203.0.113.9", actor_kind="reporter")
    assert reporter_entry.actor is None
    assert reporter_entry.actor_kind == "reporter"
    assert reporter_entry.ip is None  # a reporter's address is never kept

    anonymous_entry = audit.record(AnonymousUser(), "system.tick", None, ip="203.0.113.9")
    assert (anonymous_entry.actor_kind, anonymous_entry.ip, anonymous_entry.object_type) == ("system", None, "")
    assert (anonymous_entry.seq, anonymous_entry.hash) == (None, None)  # the sequencer gives them
    audit.sequence()
    assert audit.verify() == []


def test_stored_entries_verify_after_a_round_trip_through_the_database(chain):
    """The digest is recomputed from what the database gives back (timestamps, JSON)."""
    reloaded = list(AuditEntry.objects.order_by("id"))
    assert audit.verify(reloaded) == []


@pytest.mark.parametrize(("field", "value"), [
    ("action", "case.forgotten"),
    ("detail", {"n": "something else"}),
    ("object_id", "999"),
    ("ip", "198.51.100.1"),
    ("actor_kind", "system"),
])
def test_an_edited_entry_is_detected(chain, field, value):
    victim = chain[2]
    AuditEntry.objects.filter(pk=victim.pk).update(**{field: value})
    problems = audit.verify()
    assert problems == [f"entry #{victim.seq}: content does not match its hash (edited)"]


def test_an_edited_actor_is_detected(chain):
    other = make_staff("mallory")
    victim = chain[-1]
    AuditEntry.objects.filter(pk=victim.pk).update(actor=other)
    assert audit.verify() == [f"entry #{victim.seq}: content does not match its hash (edited)"]


def test_an_edited_timestamp_is_detected(chain):
    victim = chain[1]
    AuditEntry.objects.filter(pk=victim.pk).update(at=victim.at.replace(year=victim.at.year - 1))
    assert audit.verify() == [f"entry #{victim.seq}: content does not match its hash (edited)"]


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(chain):
    """A forger who recomputes one entry's hash still breaks the chain after it."""
    victim = AuditEntry.objects.get(pk=chain[1].pk)
    victim.action = "case.forged"
    forged_hash = audit._entry_digest(victim)
    AuditEntry.objects.filter(pk=victim.pk).update(action="case.forged", hash=forged_hash)
    problems = audit.verify()
    assert problems == [f"entry #{chain[2].seq}: does not follow the previous entry (removed or reordered)"]


def test_a_deleted_entry_is_detected(chain):
    victim = chain[2]
    AuditEntry.objects.filter(pk=victim.pk).delete()
    problems = audit.verify()
    after = chain[3]
    assert f"entry id {after.pk}: sequence {after.seq}, expected {victim.seq} (removed or reordered)" in problems
    assert f"entry #{after.seq}: does not follow the previous entry (removed or reordered)" in problems


def test_a_deleted_last_entry_leaves_a_shorter_intact_chain(chain):
    """Truncating the tail cannot be seen from the chain alone; the count in verify_audit's output shows it."""
    AuditEntry.objects.filter(pk=chain[-1].pk).delete()
    assert audit.verify() == []


def test_a_deleted_first_entry_is_detected(chain):
    AuditEntry.objects.filter(pk=chain[0].pk).delete()
    problems = audit.verify()
    assert any("expected 1" in p for p in problems)
    assert any(p.startswith(f"entry #{chain[1].seq}: does not follow") for p in problems)


def _swap(first: AuditEntry, second: AuditEntry) -> None:
    """Exchange two entries' places in the log: each row takes the other's content and hashes, keeping its position."""
    fields = [f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key and f.attname != "seq"]
    a = AuditEntry.objects.filter(pk=first.pk).values(*fields).get()
    b = AuditEntry.objects.filter(pk=second.pk).values(*fields).get()
    with transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).update(hash="0" * 63 + "x")
        AuditEntry.objects.filter(pk=second.pk).update(**a)
        AuditEntry.objects.filter(pk=first.pk).update(**b)


def test_two_swapped_entries_are_detected(chain):
    _swap(chain[1], chain[2])
    problems = audit.verify()
    assert problems
    # Positions are part of each digest, so an entry moved to another place no longer matches its hash either.
    assert f"entry #{chain[1].seq}: does not follow the previous entry (removed or reordered)" in problems
    assert f"entry #{chain[1].seq}: content does not match its hash (edited)" in problems


def test_swapped_sequence_numbers_are_detected(chain):
    with transaction.atomic():
        AuditEntry.objects.filter(pk=chain[1].pk).update(seq=-1)
        AuditEntry.objects.filter(pk=chain[2].pk).update(seq=chain[1].seq)
        AuditEntry.objects.filter(pk=chain[1].pk).update(seq=chain[2].seq)
    problems = audit.verify()
    assert any("edited" in p for p in problems)
    assert any("removed or reordered" in p for p in problems)


def test_an_inserted_entry_is_detected(chain):
    last = chain[-1]
    forged = AuditEntry(seq=last.seq + 1, at=last.at, actor_kind="system", action="case.forged", object_type="case",
                        object_id="1", detail={}, prev_hash="f" * 64)
    forged.hash = audit._entry_digest(forged)
    forged.save()
    assert audit.verify() == [f"entry #{forged.seq}: does not follow the previous entry (removed or reordered)"]


def test_entries_written_in_a_rolled_back_transaction_leave_no_gap(db, case, triager):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(triager, "case.view", case)
        raise RuntimeError("the action failed")
    assert AuditEntry.objects.count() == before
    audit.record(triager, "case.view", case)
    audit.sequence()
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, before + 2))
    assert audit.verify() == []


def test_verify_accepts_given_entries(chain):
    assert audit.verify(chain) == []
    assert audit.verify(chain[1:])  # the first entry missing
    assert audit.verify([chain[0], chain[2]])


@pytest.mark.parametrize("text", ["case.view", 'quote " and \\ backslash', "tab\tnew\nline\x00", "naïve 漢字 🙂",
                                  "\u2028", ""])
def test_the_digest_is_the_canonical_json_of_the_entry(text):
    """The hand-written payload is byte for byte json.dumps(sort_keys, compact, ASCII), so logs chained before stay valid."""
    import hashlib
    import json

    detail = {"b": [1, 2.5, None, True], "a": text, "z": {"y": "é"}}
    fields = ["f" * 64, 42, "2026-01-01T00:00:00.037000+00:00", 7, "staff", text, "case", text, "2001:db8::1"]
    expected = hashlib.sha256(json.dumps([*fields, detail], sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=True).encode()).hexdigest()
    assert audit._digest(*fields, detail) == expected
    assert audit._digest(*fields, json.dumps(detail, ensure_ascii=False)) == expected  # the database's JSON text
    nobody = [*fields[:3], None, *fields[4:8], None]
    assert audit._digest(*nobody, {}) == hashlib.sha256(json.dumps(
        [*nobody, {}], sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()).hexdigest()
