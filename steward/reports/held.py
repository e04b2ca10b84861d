"""What a report form keeps for the reporter between two sends of the same form: the files they
attached before a correction, and the receipt code of a report already received.

Both are sealed under a key derived from the form's submission token (`crypto.seal_for_token`):
only the reporter's browser holds it, so neither the database nor the stored files open without
it. Services call these; nothing here checks access or writes the audit log.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

import tink
from django.conf import settings
from django.core.files.storage import Storage

from steward.core import crypto, sealed_files
from steward.core import storage as file_storage

from .models import HeldUpload, ReceivedReport
from .uploads import CleanFile

log = logging.getLogger(__name__)
FILES, RECEIPTS = "held-upload", "receipt-again"
# What new_token() hands out is 32 URL-safe characters; anything else is not a form Steward gave out.
TOKEN_RE = re.compile(r"\A[A-Za-z0-9_-]{16,64}\Z")


@dataclass(frozen=True)
class HeldFile:
    """A held upload as the re-displayed form lists it."""

    pk: int
    name: str
    size: int


def valid_token(value: object) -> str | None:
    return value if isinstance(value, str) and TOKEN_RE.fullmatch(value) else None


def storage() -> Storage:
    return file_storage.get(file_storage.HELD)


def _file_ad(stored_name: str) -> bytes:
    return f"steward-held:{stored_name}".encode()


def write(token: str, submission_hash: str, clean: CleanFile) -> HeldUpload:
    """Encrypt one file segment by segment into the held storage, and write its row; the caller deletes
    the file if its transaction fails."""
    stored_name = uuid.uuid4().hex
    wrapped, primitive = crypto.new_token_file_key(token, purpose=FILES, field=f"key:{stored_name}")
    with clean.open() as source:
        sealed_files.write(storage(), stored_name, primitive, source, _file_ad(stored_name), size=clean.size)
    return HeldUpload.objects.create(
        submission_hash=submission_hash, stored_name=stored_name, content_type=clean.content_type, size=clean.size,
        name_sealed=crypto.seal_for_token(token, clean.name.encode(), purpose=FILES, field=f"name:{stored_name}"),
        file_key_sealed=wrapped,
    )


def describe(token: str, held: HeldUpload) -> HeldFile:
    name = crypto.open_for_token(token, held.name_sealed, purpose=FILES, field=f"name:{held.stored_name}")
    return HeldFile(pk=held.pk, name=name.decode(), size=held.size)


def _read(token: str, held: HeldUpload) -> bytes:
    if held.file_key_sealed is None:  # stored whole, before streaming
        sealed = sealed_files.read_all(storage(), held.stored_name)
        return crypto.open_for_token(token, sealed, purpose=FILES, field=f"file:{held.stored_name}")
    primitive = crypto.token_file_key(token, held.file_key_sealed, purpose=FILES, field=f"key:{held.stored_name}")
    # Read whole, like a fresh upload after its check, so a damaged file is left out before the report is filed.
    with sealed_files.open_stream(storage(), held.stored_name, primitive, _file_ad(held.stored_name)) as stream:
        return stream.read(settings.STEWARD_EVIDENCE_MAX_BYTES + 1)


def load(token: str, held: HeldUpload) -> CleanFile | None:
    """The file as it was checked and cleaned when it was first sent; None if it can no longer be read."""
    try:
        data = _read(token, held)
    except (OSError, tink.TinkError):
        log.warning("held upload %s could not be read", held.pk)
        return None
    return CleanFile(name=describe(token, held).name, content_type=held.content_type, data=data)


def discard(stored_names: list[str]) -> None:
    sealed_files.discard(storage(), stored_names)


def seal_code(token: str, submission_hash: str, code: str) -> bytes:
    return crypto.seal_for_token(token, code.encode(), purpose=RECEIPTS, field=submission_hash)


def open_code(token: str, receipt: ReceivedReport) -> str | None:
    try:
        return crypto.open_for_token(token, receipt.code_sealed, purpose=RECEIPTS, field=receipt.submission_hash).decode()
    except tink.TinkError:
        return None
