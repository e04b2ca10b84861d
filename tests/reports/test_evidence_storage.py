"""Evidence files through Django's Storage API, encrypted with Tink's streaming AEAD.

Each file has its own streaming key, wrapped under its report's data key and bound to its row;
the file's ciphertext is bound to its stored name and row. Files written before streaming
(one AES-GCM ciphertext of the whole file) are still read, and `reencrypt_evidence` rewrites them."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from steward.core import crypto, sealed_files
from steward.core.models import AuditEntry
from steward.core.upload_handlers import EncryptedUploadHandler
from steward.reports import uploads
from steward.reports.models import Evidence, Report
from steward.reports.uploads import CleanFile
from tests.conftest import login

from .helpers import report_data, stored_files, text_upload

pytestmark = pytest.mark.django_db
CANARY = b"CANARY-STREAMED-EVIDENCE "
TEN_MB = 10 * 1024 * 1024


def _file_report(file_report, *files: CleanFile) -> Report:
    report, _code = file_report(files=list(files))
    return report


def test_a_stored_file_is_streamed_ciphertext_bound_to_its_row(file_report):
    text = CANARY * 1000
    report = _file_report(file_report, CleanFile("log.txt", "text/plain", text))
    evidence = report.evidence.get()

    stored = (Path(settings.MEDIA_ROOT) / "evidence" / evidence.stored_name).read_bytes()
    assert CANARY not in stored
    assert evidence.file_key_sealed  # format 2: its own key, wrapped under the report's data key
    assert len(stored) > len(text)  # header and one tag per segment
    assert evidence.read_file() == text


def test_stored_files_are_private_to_stewards_user(file_report):
    report = _file_report(file_report, CleanFile("log.txt", "text/plain", CANARY))
    path = Path(settings.MEDIA_ROOT) / "evidence" / report.evidence.get().stored_name

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_destroying_the_reports_data_key_makes_the_file_unreadable(file_report):
    report = _file_report(file_report, CleanFile("log.txt", "text/plain", CANARY))
    evidence = report.evidence.get()
    crypto.destroy(report.data_key)
    evidence = Evidence.objects.select_related("report__data_key").get(pk=evidence.pk)

    assert stored_files() == [evidence.stored_name]  # the file is still there...
    with pytest.raises(crypto.KeyDestroyed):  # ...and nothing can open it
        evidence.read_file()


@pytest.mark.parametrize("damage", ["flip a byte", "cut short", "drop the last segment"])
def test_an_altered_or_truncated_file_fails_instead_of_giving_wrong_content(file_report, damage):
    text = os.urandom(3 * 1024 * 1024)  # three segments
    report = _file_report(file_report, CleanFile("log.txt", "text/plain", text))
    evidence = report.evidence.get()
    path = Path(settings.MEDIA_ROOT) / "evidence" / evidence.stored_name
    stored = bytearray(path.read_bytes())
    if damage == "flip a byte":
        stored[2 * 1024 * 1024] ^= 1
    elif damage == "cut short":
        del stored[-100:]
    else:
        del stored[2 * 1024 * 1024 + 100:]
    path.write_bytes(bytes(stored))

    with pytest.raises(crypto.SealError):
        evidence.read_file()


def test_the_download_streams_the_decrypted_file(file_report, triager):
    text = os.urandom(3 * 1024 * 1024 + 17)
    report = _file_report(file_report, CleanFile("log.txt", "text/plain", text))
    evidence = report.evidence.get()

    response = login(triager).get(f"/staff/evidence/{evidence.pk}/")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Length"] == str(len(text))
    assert response.getvalue() == text
    assert AuditEntry.objects.filter(action="evidence.download", object_id=str(evidence.pk)).count() == 1


def test_ten_megabytes_are_never_whole_in_memory_on_the_storage_path(file_report):
    """tracemalloc: peak Python memory while encrypting a 10 MB file into the storage and while reading it
    back through the decrypting stream, beyond the plaintext the caller already holds. tracemalloc counts
    every thread of the process (a thread an earlier test left running can allocate meanwhile), so each is
    measured twice and the lower peak kept: code that held the file whole would show it both times."""
    data = os.urandom(TEN_MB)
    report = _file_report(file_report)
    stored_peak = read_peak = float("inf")
    for _attempt in range(2):
        row = Evidence().row_uuid
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            stored_name, wrapped = uploads.store(report.data_key, io.BytesIO(data), size=len(data), row=row)
            stored_peak = min(stored_peak, tracemalloc.get_traced_memory()[1] - start)

            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            size = 0
            with uploads.open_stored(report.data_key, stored_name, wrapped, row=row) as stream:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
            read_peak = min(read_peak, tracemalloc.get_traced_memory()[1] - start)
        finally:
            tracemalloc.stop()
        assert size == TEN_MB

    print(f"\n10 MB evidence, filesystem storage: peak {stored_peak / 2**20:.2f} MiB storing, "
          f"{read_peak / 2**20:.2f} MiB reading")
    assert stored_peak < 3 * 2**20, stored_peak
    assert read_peak < 3 * 2**20, read_peak


# --- uploads in transit --------------------------------------------------------------


def test_an_upload_spilled_to_disk_holds_only_ciphertext(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spill at once
    text = CANARY * 5000
    handler = EncryptedUploadHandler()
    handler.new_file("evidence", "log.txt", "text/plain", len(text))
    for start in range(0, len(text), 64 * 1024):
        handler.receive_data_chunk(text[start:start + 64 * 1024], start)
    upload = handler.file_complete(len(text))

    spool = handler._spool
    assert spool._rolled  # the upload went to a temporary file on disk...
    on_disk = os.pread(spool.fileno(), 2 * len(text), 0)
    assert len(on_disk) > len(text) and CANARY not in on_disk  # ...holding only ciphertext
    assert upload.size == len(text)
    assert upload.read() == text
    upload.close()
    assert spool.closed  # the temporary file goes with the upload


def test_an_oversized_upload_is_counted_not_kept_and_refused_by_name(settings, db):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 1000
    client = Client()
    big = SimpleUploadedFile("big.txt", b"x" * 5000, content_type="text/plain")

    response = client.post("/report/", {**report_data(client), "evidence": [big]})

    assert response.status_code == 400
    assert "“big.txt” is larger than" in response.content.decode()
    assert stored_files() == []


def test_a_form_upload_is_stored_streamed(db):
    client = Client()
    response = client.post("/report/", {**report_data(client), "evidence": [text_upload(text="CANARY-FORM " * 400_000)]})

    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.file_key_sealed and evidence.size == len(b"CANARY-FORM " * 400_000)
    assert evidence.read_file() == b"CANARY-FORM " * 400_000


# --- files stored whole, before streaming ---------------------------------------------


def _stored_whole(report: Report, data: bytes, name: str = "old.txt") -> Evidence:
    """An evidence file as Steward wrote them before streaming: one AES-GCM ciphertext of the whole file."""
    stored_name = os.urandom(16).hex()
    sealed = crypto.seal_bytes(report.data_key, data, field=f"evidence.file:{stored_name}")
    uploads.storage().save(stored_name, ContentFile(sealed))
    return Evidence.objects.create(report=report, stored_name=stored_name, content_type="text/plain", size=len(data),
                                   name_sealed=crypto.pending(report.data_key, name, field="evidence.name"))


def test_a_file_stored_whole_is_still_read_and_downloaded(file_report, triager):
    report = _file_report(file_report)
    evidence = _stored_whole(report, CANARY * 10)

    assert evidence.file_key_sealed is None
    assert evidence.read_file() == CANARY * 10
    response = login(triager).get(f"/staff/evidence/{evidence.pk}/")
    assert response.status_code == 200 and response.getvalue() == CANARY * 10


def test_reencrypt_evidence_rewrites_files_stored_whole_and_a_second_run_changes_nothing(file_report):
    report = _file_report(file_report, CleanFile("new.txt", "text/plain", b"already streamed"))
    old = _stored_whole(report, CANARY * 10)
    old_name = old.stored_name
    erased_report = _file_report(file_report)
    erased = _stored_whole(erased_report, b"gone")
    crypto.destroy(erased_report.data_key)

    out = StringIO()
    call_command("reencrypt_evidence", stdout=out)

    assert ("Rewrote 1 file(s) stored whole; copied 0; 1 already current; 1 of erased reports skipped; 0 missing; "
            "0 damaged.") in out.getvalue()
    old.refresh_from_db()
    assert old.file_key_sealed and old.stored_name != old_name
    assert old.read_file() == CANARY * 10
    assert old_name not in stored_files()
    assert erased.stored_name in stored_files()  # unreadable; the purge's sweep deletes it with its row
    assert AuditEntry.objects.filter(action="evidence.reencrypt", object_id=str(old.pk), actor_kind="system").count() == 1

    again = StringIO()
    call_command("reencrypt_evidence", stdout=again)
    assert "Rewrote 0 file(s) stored whole; copied 0; 2 already current" in again.getvalue()


def test_reencrypt_evidence_dry_run_changes_nothing(file_report):
    report = _file_report(file_report)
    old = _stored_whole(report, CANARY)
    files = stored_files()

    out = StringIO()
    call_command("reencrypt_evidence", "--dry-run", stdout=out)

    assert "Would rewrite 1 file(s) stored whole" in out.getvalue()
    assert stored_files() == files
    assert Evidence.objects.get(pk=old.pk).file_key_sealed is None


def test_reencrypt_evidence_refuses_a_missing_folder():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such folder"):
        call_command("reencrypt_evidence", "--from", "/nonexistent/evidence")


def test_reencrypt_evidence_from_an_old_folder_into_the_storage(file_report, tmp_path):
    """Moving to a new storage: files stored whole are rewritten, streamed ones copied as they are."""
    report = _file_report(file_report, CleanFile("new.txt", "text/plain", b"already streamed"))
    streamed = report.evidence.get()
    old = _stored_whole(report, CANARY)
    old_folder = tmp_path / "old-evidence"
    old_folder.mkdir()
    storage = uploads.storage()
    for name in (streamed.stored_name, old.stored_name):  # the old folder holds them; the new storage nothing
        with storage.open(name, "rb") as stored:
            (old_folder / name).write_bytes(stored.read())
        storage.delete(name)
    missing = _stored_whole(report, b"lost")
    storage.delete(missing.stored_name)

    out = StringIO()
    call_command("reencrypt_evidence", "--from", str(old_folder), stdout=out, stderr=StringIO())

    assert ("Rewrote 1 file(s) stored whole; copied 1; 0 already current; 0 of erased reports skipped; 1 missing; "
            "0 damaged.") in out.getvalue()
    old_name = old.stored_name
    old.refresh_from_db()
    assert old.read_file() == CANARY and streamed.read_file() == b"already streamed"
    assert stored_files() == sorted([streamed.stored_name, old.stored_name])
    assert sorted(path.name for path in old_folder.iterdir()) == sorted([streamed.stored_name, old_name])  # left as it was


def test_sealed_files_refuse_a_storage_that_renames(file_report):
    class Renaming:
        def save(self, name, content):
            return name + "_1"

        def delete(self, name):
            self.deleted = name

    storage = Renaming()
    primitive = crypto.new_file_key(_file_report(file_report).data_key, field="f", row="r")[1]
    with pytest.raises(RuntimeError, match="saved"):
        sealed_files.write(storage, "name", primitive, io.BytesIO(b"x"), b"ad", size=1)  # type: ignore[arg-type]
    assert storage.deleted == "name_1"


@pytest.mark.parametrize("size", [0, 1, 1024 * 1024 - 57, 1024 * 1024 - 56, 1024 * 1024 - 55, 2 * (1024 * 1024 - 16) - 40,
                                  2 * (1024 * 1024 - 16) - 39, TEN_MB])
def test_the_ciphertext_size_is_known_before_encrypting(file_report, size):
    """An object store is told the length before the ciphertext is made: the formula matches Tink's output."""
    primitive = crypto.new_file_key(_file_report(file_report).data_key, field="f", row="r")[1]
    reader = sealed_files.EncryptingReader(primitive, io.BytesIO(b"x" * size), b"ad", size=size)

    produced = 0
    while chunk := reader.read(256 * 1024):
        produced += len(chunk)

    assert produced == reader.length == crypto.file_ciphertext_size(size)


def test_a_source_shorter_than_its_stated_size_is_refused_and_leaves_no_file(file_report):
    report = _file_report(file_report)

    with pytest.raises(ValueError, match="less than its stated size"):
        uploads.store(report.data_key, io.BytesIO(b"short"), size=100, row=Evidence().row_uuid)
    assert stored_files() == []


def test_the_orphan_sweep_covers_held_files_too(db):
    import datetime

    from django.utils import timezone

    from steward.reports import held, services

    held.storage().save("2" * 32, ContentFile(b"a held file whose row was never written"))
    uploads.storage().save("3" * 32, ContentFile(b"an evidence file whose row was never written"))

    assert services.remove_orphan_files(older_than=timezone.now() - datetime.timedelta(days=1)) == 0  # too young
    assert services.remove_orphan_files(older_than=timezone.now() + datetime.timedelta(minutes=1)) == 2
    assert stored_files() == [] and held.storage().listdir("")[1] == []


def test_reencrypt_evidence_leaves_a_damaged_file_as_it_is(file_report):
    report = _file_report(file_report)
    old = _stored_whole(report, CANARY)
    path = Path(settings.MEDIA_ROOT) / "evidence" / old.stored_name
    path.write_bytes(path.read_bytes()[:-1] + b"?")
    err = StringIO()

    out = StringIO()
    call_command("reencrypt_evidence", stdout=out, stderr=err)

    assert "Rewrote 0 file(s) stored whole" in out.getvalue() and "1 damaged." in out.getvalue()
    assert "1 evidence row(s) have no readable stored file" in err.getvalue()
    assert Evidence.objects.get(pk=old.pk).stored_name == old.stored_name and path.exists()
