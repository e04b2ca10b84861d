"""Signed checkpoints: `verify_audit --checkpoint FILE` catches what the chain alone cannot
(the newest entries removed, a suffix rewritten with fresh hashes) and refuses a forged checkpoint."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import tink
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from tink import secret_key_access

from steward.core import audit, signing
from steward.core.models import AuditCheckpoint, AuditEntry, AuditLogHead


def verify_audit(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue().strip()


def checkpoint_command(*args: str) -> str:
    out = io.StringIO()
    call_command("audit_checkpoint", *args, stdout=out)
    return out.getvalue().strip()


def problems_of(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        verify_audit(*args)
    assert error.value.returncode == 1
    return str(error.value)


@pytest.fixture
def entries(db, case, triager) -> list[AuditEntry]:
    """Twelve entries on top of whatever intake wrote, all sequenced."""
    for n in range(12):
        audit.record(triager, "case.view", case, ip="192.0.2.1", detail={"n": n})
    audit.sequence()
    return list(AuditEntry.objects.order_by("seq"))


@pytest.fixture
def kept(entries, tmp_path) -> Path:
    """The checkpoint an operator printed and kept outside Steward, covering every entry."""
    path = tmp_path / "checkpoint.json"
    path.write_text(checkpoint_command("--now"))
    return path


def rewrite_from(position: int) -> None:
    """What a forger with database access does: recompute every hash from `position` on (and the head)."""
    rows = list(AuditEntry.objects.filter(seq__gte=position).order_by("seq").values_list(*audit._FIELDS))
    prev_hash = AuditEntry.objects.get(seq=position - 1).hash if position > 1 else audit.GENESIS
    with transaction.atomic():
        for row in rows:
            digest = audit._row_digest(row, seq=row[1], prev_hash=prev_hash)
            AuditEntry.objects.filter(pk=row[0]).update(prev_hash=prev_hash, hash=digest)
            prev_hash = digest
        AuditLogHead.objects.filter(pk=1).update(head_hash=prev_hash)
    assert audit.verify() == []  # the chain on its own looks intact


def test_the_printed_checkpoint_is_a_self_describing_document(kept, entries):
    document = json.loads(kept.read_text())
    assert set(document) == {"format", "size", "head_hash", "signed_at", "key_id", "signature"}
    assert document["format"] == audit.CHECKPOINT_FORMAT
    assert (document["size"], document["head_hash"]) == (entries[-1].seq, entries[-1].hash)
    # The latest one is kept in the table too and printed again without --now.
    assert json.loads(checkpoint_command()) == document
    assert AuditCheckpoint.objects.count() == 1


def test_an_intact_log_passes_its_checkpoint(kept, entries):
    output = verify_audit("--checkpoint", str(kept))
    assert output.startswith(f"Audit log intact: {len(entries)} entries, checkpoint at {entries[-1].seq} (")
    assert output.endswith(") holds")


def test_entries_after_the_checkpoint_keep_it_valid(kept, case, triager):
    audit.record(triager, "case.note", case)
    audit.record(triager, "case.view", case)  # this one is not sequenced yet
    audit.sequence(batch_size=1)
    output = verify_audit("--checkpoint", str(kept))
    assert "checkpoint at" in output
    assert output.endswith("holds; 1 newer entries waiting for the sequencer")


def test_an_edited_entry_is_caught(kept, entries):
    victim = entries[4]
    AuditEntry.objects.filter(pk=victim.pk).update(action="case.forgotten")
    assert f"entry #{victim.seq}: content does not match its hash (edited)" in problems_of("--checkpoint", str(kept))


def test_a_removed_entry_is_caught(kept, entries):
    victim = entries[6]
    AuditEntry.objects.filter(pk=victim.pk).delete()
    message = problems_of("--checkpoint", str(kept))
    assert f"sequence {entries[7].seq}, expected {victim.seq} (removed or reordered)" in message


def test_the_newest_five_removed_are_caught(kept, entries):
    """Alone, the shorter chain is intact; the checkpoint knows how long the log was."""
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[-5:]]).delete()
    assert audit.verify() == []
    message = problems_of("--checkpoint", str(kept))
    assert "1 problem(s)" in message
    assert f"log cut short: entry #{entries[-1].seq} of the checkpoint is missing ({len(entries) - 5} sequenced entries)" \
        in message


def test_the_newest_removed_and_replaced_by_new_entries_are_caught(kept, entries, case, triager):
    """Cut short, head row reset, and new entries chained where the removed ones were."""
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[-5:]]).delete()
    AuditLogHead.objects.filter(pk=1).update(size=entries[-6].seq, head_hash=entries[-6].hash)
    for _ in range(5):
        audit.record(triager, "case.view", case)
    audit.sequence()
    assert audit.verify() == []
    message = problems_of("--checkpoint", str(kept))
    assert f"entry #{entries[-1].seq}: hash differs from the checkpoint's head (entries up to it were rewritten)" \
        in message


def test_a_rewritten_suffix_is_caught(kept, entries):
    AuditEntry.objects.filter(pk=entries[5].pk).update(action="case.forged")
    rewrite_from(entries[5].seq)
    message = problems_of("--checkpoint", str(kept))
    assert "1 problem(s)" in message
    assert f"entry #{entries[-1].seq}: hash differs from the checkpoint's head" in message


def test_a_reordered_pair_is_caught(kept, entries):
    first, second = entries[3], entries[4]
    with transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).update(seq=-1)
        AuditEntry.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEntry.objects.filter(pk=first.pk).update(seq=second.seq)
    message = problems_of("--checkpoint", str(kept))
    assert f"entry #{first.seq}: does not follow the previous entry (removed or reordered)" in message


def test_a_reordered_pair_with_recomputed_hashes_is_caught(kept, entries):
    first, second = entries[3], entries[4]
    with transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).update(seq=-1)
        AuditEntry.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEntry.objects.filter(pk=first.pk).update(seq=second.seq)
    rewrite_from(first.seq)
    assert f"entry #{entries[-1].seq}: hash differs from the checkpoint's head" in problems_of("--checkpoint", str(kept))


def _forge(kept: Path, **changes: object) -> None:
    document = json.loads(kept.read_text())
    document.update(changes)
    kept.write_text(json.dumps(document))


@pytest.mark.parametrize("change", [
    {"size": 3},  # a forger's shorter log
    {"head_hash": "a" * 64},
    {"signed_at": "2030-01-01T00:00:00+00:00"},
])
def test_a_forged_checkpoint_is_refused(kept, entries, change):
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[3:]]).delete()
    _forge(kept, **change)
    message = problems_of("--checkpoint", str(kept))
    assert "1 problem(s)" in message  # nothing else is trusted once the signature fails
    assert "checkpoint signature does not verify" in message


def test_a_checkpoint_signed_with_another_key_is_refused(kept, entries, monkeypatch):
    other = tink.json_proto_keyset_format.parse(signing.generate_signing_keyset_json(), secret_key_access.TOKEN)
    monkeypatch.setattr(signing, "_signing_handle", lambda: other)
    forged = audit.sign_checkpoint()
    monkeypatch.undo()
    kept.write_text(forged.to_json())
    assert "checkpoint signature does not verify" in problems_of("--checkpoint", str(kept))


def test_the_published_public_key_verifies(kept, entries, tmp_path):
    public = tmp_path / "public.json"
    public.write_text(checkpoint_command("--public-key"))
    assert "ASYMMETRIC_PUBLIC" in public.read_text()
    assert "ASYMMETRIC_PRIVATE" not in public.read_text()
    assert verify_audit("--checkpoint", str(kept), "--public-key", str(public)).endswith("holds")

    stranger = tmp_path / "stranger.json"
    handle = tink.json_proto_keyset_format.parse(signing.generate_signing_keyset_json(), secret_key_access.TOKEN)
    stranger.write_text(tink.json_proto_keyset_format.serialize_without_secret(handle.public_keyset_handle()))
    assert "checkpoint signature does not verify" in problems_of("--checkpoint", str(kept), "--public-key",
                                                                 str(stranger))


@pytest.mark.parametrize(("text", "expected"), [
    ("not json", "unreadable checkpoint"),
    ('{"format": "something-else"}', "not a Steward audit checkpoint"),
    (json.dumps({"format": audit.CHECKPOINT_FORMAT, "size": 1}), "unreadable checkpoint: KeyError"),
    (json.dumps({"format": audit.CHECKPOINT_FORMAT, "size": "x", "head_hash": "", "signed_at": "", "key_id": 1,
                 "signature": ""}), "unreadable checkpoint"),
])
def test_an_unreadable_checkpoint_file_names_the_problem(db, tmp_path, text, expected):
    path = tmp_path / "checkpoint.json"
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        verify_audit("--checkpoint", str(path))
    assert error.value.returncode == 2
    assert str(error.value).startswith(f"{path}: {expected}")


def test_a_missing_checkpoint_file_names_it(db, tmp_path):
    with pytest.raises(CommandError) as error:
        verify_audit("--checkpoint", str(tmp_path / "nowhere.json"))
    assert error.value.returncode == 2
    assert "Cannot read the checkpoint file" in str(error.value)


def test_entries_left_unsequenced_too_long_are_reported(db, case, triager):
    entry = audit.record(triager, "case.view", case)
    assert verify_audit().endswith("newer entries waiting for the sequencer")  # young: waiting is normal
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(minutes=5))
    message = problems_of()
    assert "1 entries without a position for more than 60 s (is `manage.py run_worker` running?)" in message
    assert verify_audit("--unsequenced-after", "600").endswith("newer entries waiting for the sequencer")


def test_no_checkpoint_yet(db):
    with pytest.raises(CommandError) as error:
        checkpoint_command()
    assert "No checkpoint signed yet" in str(error.value)


def test_an_empty_log_can_be_checkpointed(db, tmp_path):
    AuditEntry.objects.all().delete()
    path = tmp_path / "checkpoint.json"
    path.write_text(checkpoint_command("--now"))
    assert json.loads(path.read_text())["size"] == 0
    assert verify_audit("--checkpoint", str(path)) == "Audit log intact: 0 entries, checkpoint at 0 (" + \
        json.loads(path.read_text())["signed_at"] + ") holds"


def test_checkpoints_are_signed_when_due(db, case, triager):
    audit.sequence_and_sign(checkpoint_entries=5)
    first = audit.latest_checkpoint()
    assert first is not None  # the first round always signs one
    audit.record(triager, "case.view", case)
    audit.sequence_and_sign(checkpoint_entries=5)
    assert audit.latest_checkpoint() == first  # one entry more, a minute not passed: not due
    for _ in range(5):
        audit.record(triager, "case.view", case)
    audit.sequence_and_sign(checkpoint_entries=5)
    latest = audit.latest_checkpoint()
    assert latest is not None and latest.size == first.size + 6
    audit.record(triager, "case.view", case)
    AuditCheckpoint.objects.update(signed_at=timezone.now() - timedelta(minutes=2))
    audit.sequence_and_sign(checkpoint_entries=5)
    assert audit.latest_checkpoint().size == latest.size + 1  # type: ignore[union-attr]  # a minute passed
    count = AuditCheckpoint.objects.count()
    audit.sequence_and_sign(checkpoint_every=timedelta(0))
    assert AuditCheckpoint.objects.count() == count  # nothing new: nothing to sign
