"""Evidence files: memory and time of the streamed storage path against the whole-file format it replaced.

A 10 MiB file is encrypted into the evidence storage and read back, first as Steward does it
(Tink streaming AEAD, a segment at a time, `steward.core.sealed_files`), then the way files were
stored before (one AES-GCM ciphertext of the whole file), on the filesystem storage and, when
moto's S3 server can be started (a development dependency), on an S3-compatible store.
Printed per storage: the peak Python memory (tracemalloc) and the time of each, and the ratios
streamed / whole. Run alone: `.venv/bin/python benchmarks/evidence.py`.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)

SIZE = 10 * 1024 * 1024
ROUNDS = 3
SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


def _measure(step: Callable[[], None]) -> tuple[float, float]:
    """(peak MiB above the start, seconds): the best of ROUNDS, as the machine is shared."""
    peaks, times = [], []
    for _ in range(ROUNDS):
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            began = time.perf_counter()
            step()
            times.append(time.perf_counter() - began)
            peaks.append((tracemalloc.get_traced_memory()[1] - start) / 2**20)
        finally:
            tracemalloc.stop()
    return min(peaks), min(times)


def _compare(label: str, storage: Any) -> None:
    import tink
    from django.core.files.base import ContentFile
    from tink import aead, streaming_aead

    from steward.core import crypto, sealed_files

    data = os.urandom(SIZE)
    stream_key = tink.new_keyset_handle(crypto.FILE_KEY_TEMPLATE).primitive(streaming_aead.StreamingAead)
    whole_key = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM).primitive(aead.Aead)
    storage.exists("warm-up")  # a storage's client is made once per process, not per file

    def streamed() -> None:
        name = uuid.uuid4().hex
        sealed_files.write(storage, name, stream_key, io.BytesIO(data), b"bench", size=len(data))
        with sealed_files.open_stream(storage, name, stream_key, b"bench") as stream:
            while stream.read(64 * 1024):
                pass
        storage.delete(name)

    def whole() -> None:
        name = uuid.uuid4().hex
        storage.save(name, ContentFile(whole_key.encrypt(data, b"bench")))
        with storage.open(name, "rb") as stored:
            assert whole_key.decrypt(stored.read(), b"bench") is not None
        storage.delete(name)

    streamed_peak, streamed_time = _measure(streamed)
    whole_peak, whole_time = _measure(whole)
    print(f"  {label:<11} streamed: peak {streamed_peak:5.2f} MiB, {streamed_time * 1000:6.0f} ms   "
          f"whole file: peak {whole_peak:5.2f} MiB, {whole_time * 1000:6.0f} ms   "
          f"ratios streamed/whole: memory {streamed_peak / whole_peak:.2f}, time {streamed_time / whole_time:.2f}",
          flush=True)


def run(work: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    os.environ.setdefault("STEWARD_VAR_DIR", str(work / "evidence-var"))
    import django

    django.setup()
    from steward.core.s3_storage import StreamingS3Storage
    from steward.core.storage import PrivateFileSystemStorage

    print(f"\nEvidence storage: a {SIZE // 2**20} MiB file stored and read back (best of {ROUNDS})", flush=True)
    _compare("filesystem", PrivateFileSystemStorage(location=str(work / "evidence-files")))
    try:
        server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
    except OSError as error:
        print(f"  S3: not measured ({error})")
        return
    assert server.stdout is not None and server.stdin is not None
    try:
        port = server.stdout.readline().strip()
        if not port.isdigit():
            print("  S3: not measured (moto's S3 server, a development dependency, did not start)")
            return
        import boto3

        url, bucket = f"http://127.0.0.1:{port}", "steward-bench"
        options = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "bench",
                   "aws_secret_access_key": "bench"}
        boto3.client("s3", **options).create_bucket(Bucket=bucket)
        _compare("S3 (moto)", StreamingS3Storage(bucket_name=bucket, endpoint_url=url, region_name="us-east-1",
                                                 access_key="bench", secret_key="bench", addressing_style="path",
                                                 location="evidence"))
    finally:
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="steward-bench-evidence-") as folder:
        run(Path(folder))
