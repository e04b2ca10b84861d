"""Evidence and held files in an S3-compatible object store: a real S3 server (moto's, from PyPI)
started by these tests on a free port of 127.0.0.1, reached over HTTP by django-storages and boto3
exactly as a production object store would be. Nothing is skipped: without moto the module fails.

Each test gets a bucket of its own; MEDIA_ROOT must stay empty throughout (web processes keep
nothing of evidence on local disk)."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from steward.cases.models import ErasureReason
from steward.core import crypto
from steward.reports import held, uploads
from steward.reports.models import Evidence, HeldUpload, Report
from steward.reports.uploads import CleanFile
from steward.retention import purge
from steward.retention.erasure import erase_case
from steward.retention.permissions import PURGE
from tests.conftest import login

from .helpers import held_files, listed_files, png_upload, report_data, stored_files, text_upload

pytestmark = [pytest.mark.s3, pytest.mark.django_db]
CANARY = "CANARY-S3-EVIDENCE: he posted my address"
REGION, ACCESS, SECRET = "eu-west-1", "steward-test-access", "steward-test-secret"


# The server runs in a process of its own (so the memory measured here is Steward's alone), binds a
# free port and says which, and stops when its standard input closes.
SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = (tmp_path_factory.mktemp("s3") / "server.log").open("w")  # its request log; a pipe would fill up
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=log, text=True)
    assert process.stdout is not None and process.stdin is not None
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        log.close()
        raise RuntimeError(f"The S3 server (moto[server], a development dependency) did not start: "
                           f"{Path(log.name).read_text()[-2000:]}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def bucket(s3_server: str, settings: Any) -> Any:
    """A fresh bucket, and both file storages pointed at it as STEWARD_STORAGE=s3 would."""
    name = f"steward-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION, aws_access_key_id=ACCESS,
                          aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    common = {"bucket_name": name, "endpoint_url": s3_server, "region_name": REGION, "access_key": ACCESS,
              "secret_key": SECRET, "addressing_style": "path", "signature_version": "s3v4"}
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "steward.core.s3_storage.StreamingS3Storage", "OPTIONS": {**common, "location": "evidence"}},
        "held": {"BACKEND": "steward.core.s3_storage.StreamingS3Storage", "OPTIONS": {**common, "location": "held"}},
    }
    client.bucket = name
    return client


def objects(bucket: Any) -> list[str]:
    return sorted(item["Key"] for item in bucket.list_objects_v2(Bucket=bucket.bucket).get("Contents", []))


def object_bytes(bucket: Any, key: str) -> bytes:
    return bucket.get_object(Bucket=bucket.bucket, Key=key)["Body"].read()


def local_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_report_with_evidence_is_stored_in_the_bucket_and_downloaded_by_staff(bucket, triager):
    client = Client()
    response = client.post("/report/", {**report_data(client), "evidence": [text_upload(text=CANARY), png_upload()]})
    assert response.status_code == 200

    keys = objects(bucket)
    evidence = list(Evidence.objects.order_by("pk"))
    assert keys == sorted(f"evidence/{item.stored_name}" for item in evidence)
    assert all(CANARY.encode() not in object_bytes(bucket, key) for key in keys)  # ciphertext only
    text = evidence[0]
    download = login(triager).get(f"/staff/evidence/{text.pk}/")
    assert download.status_code == 200 and download.streaming
    assert download.getvalue() == CANARY.encode()
    preview = login(triager).get(f"/staff/evidence/{evidence[1].pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert local_files() == []  # nothing of it on the web process's disk


def test_held_files_wait_in_the_bucket_until_the_corrected_form_is_filed(bucket):
    client = Client()
    data = report_data(client, narrative="")

    first = client.post("/report/", {**data, "evidence": [text_upload(text=CANARY)]})

    assert first.status_code == 400
    assert [key.split("/")[0] for key in objects(bucket)] == ["held"]
    assert held_files() == [HeldUpload.objects.get().stored_name]
    assert CANARY.encode() not in object_bytes(bucket, objects(bucket)[0])

    second = client.post("/report/", {**data, "narrative": "He posted my home address in the forum.",
                                      "held_file": listed_files(first)})

    assert second.status_code == 200
    evidence = Report.objects.get().evidence.get()
    assert evidence.read_file() == CANARY.encode()
    assert objects(bucket) == [f"evidence/{evidence.stored_name}"]  # the held copy is gone
    assert HeldUpload.objects.count() == 0
    assert local_files() == []


def test_erasing_the_case_deletes_its_objects_and_its_key(bucket, file_report, django_capture_on_commit_callbacks):
    report, _code = file_report(files=[CleanFile("log.txt", "text/plain", CANARY.encode())])
    evidence = report.evidence.get()
    assert objects(bucket) == [f"evidence/{evidence.stored_name}"]
    wrapped = bytes(evidence.file_key_sealed)

    with django_capture_on_commit_callbacks(execute=True):
        erase_case(report.case, by=PURGE, reason=ErasureReason.RETENTION)

    assert objects(bucket) == []
    report.data_key.refresh_from_db()
    with pytest.raises(crypto.KeyDestroyed):  # a copy of the object kept elsewhere opens no more
        crypto.file_key(report.data_key, wrapped, field="evidence.file_key", row=evidence.row_uuid)


def test_the_purge_removes_orphaned_objects_and_keeps_the_rest(bucket, file_report, monkeypatch):
    report, _code = file_report(files=[CleanFile("log.txt", "text/plain", CANARY.encode())])
    kept = report.evidence.get().stored_name
    uploads.storage().save("0" * 32, ContentFile(b"left by an interrupted erasure"))

    monkeypatch.setattr(purge, "ORPHAN_FILE_AGE", datetime.timedelta(days=1))
    assert purge.remove_orphan_files() == 0  # the orphan is too young: it may be an upload being saved
    monkeypatch.setattr(purge, "ORPHAN_FILE_AGE", datetime.timedelta(seconds=-60))
    assert purge.remove_orphan_files() == 1

    assert stored_files() == [kept]


def test_moving_existing_files_into_the_bucket(bucket, file_report, tmp_path):
    """The operator's move to an object store: the old MEDIA_ROOT/evidence folder into the bucket."""
    report, _code = file_report()
    old_folder = tmp_path / "old-evidence"
    old_folder.mkdir()
    stored_name = uuid.uuid4().hex  # a file as Steward stored them before streaming: AES-GCM of the whole file
    (old_folder / stored_name).write_bytes(crypto.seal_bytes(report.data_key, CANARY.encode(),
                                                             field=f"evidence.file:{stored_name}"))
    evidence = Evidence.objects.create(report=report, stored_name=stored_name, content_type="text/plain",
                                       size=len(CANARY), name_sealed=crypto.pending(report.data_key, "old.txt",
                                                                                    field="evidence.name"))

    out = StringIO()
    call_command("reencrypt_evidence", "--from", str(old_folder), stdout=out)

    assert "Rewrote 1 file(s) stored whole" in out.getvalue()
    evidence.refresh_from_db()
    assert objects(bucket) == [f"evidence/{evidence.stored_name}"]
    assert evidence.read_file() == CANARY.encode()


def test_ten_megabytes_through_the_object_store_stay_out_of_memory(bucket, file_report):
    """tracemalloc peaks while a 10 MB file is encrypted into the bucket and read back: the upload is sent as
    it is encrypted (its length known beforehand), the download decrypted as the body arrives."""
    data = os.urandom(10 * 1024 * 1024)
    report, _code = file_report()
    row = Evidence().row_uuid
    uploads.storage().listdir("")  # the process's S3 client is made once (its API model is large), not per file

    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        stored_name, wrapped = uploads.store(report.data_key, io.BytesIO(data), size=len(data), row=row)
        stored_peak = tracemalloc.get_traced_memory()[1] - start

        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        size = 0
        with uploads.open_stored(report.data_key, stored_name, wrapped, row=row) as stream:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
        read_peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()

    assert size == len(data)
    print(f"\n10 MB evidence, S3 storage: peak {stored_peak / 2**20:.2f} MiB storing, {read_peak / 2**20:.2f} MiB reading")
    assert stored_peak < 3 * 2**20, stored_peak
    assert read_peak < 3 * 2**20, read_peak
    assert local_files() == []


def test_a_missing_object_is_a_missing_file(bucket):
    with pytest.raises(FileNotFoundError):
        uploads.storage().open("f" * 32, "rb")
    assert held.storage().listdir("") == ([], [])
