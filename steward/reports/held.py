"""What a report form keeps for the reporter between two sends of the same form: the files they
attached before a correction, and the receipt code of a report already filed.

Both are sealed under a key derived from the form's submission token (`crypto.seal_for_token`):
only the reporter's browser holds it, so neither the database nor the files on disk open without
it. Services call these; nothing here checks access or writes the audit log.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import tink
from django.conf import settings

from steward.core import crypto

from .models import HeldUpload, SubmissionReceipt
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


def held_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "held"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(token: str, submission_hash: str, clean: CleanFile) -> HeldUpload:
    """Seal and write one file and its row; the caller deletes the file if its transaction fails."""
    stored_name = uuid.uuid4().hex
    sealed = crypto.seal_for_token(token, clean.data, purpose=FILES, field=f"file:{stored_name}")
    (held_dir() / stored_name).write_bytes(sealed)
    return HeldUpload.objects.create(
        submission_hash=submission_hash, stored_name=stored_name, content_type=clean.content_type, size=len(clean.data),
        name_sealed=crypto.seal_for_token(token, clean.name.encode(), purpose=FILES, field=f"name:{stored_name}"),
    )


def describe(token: str, held: HeldUpload) -> HeldFile:
    name = crypto.open_for_token(token, held.name_sealed, purpose=FILES, field=f"name:{held.stored_name}")
    return HeldFile(pk=held.pk, name=name.decode(), size=held.size)


def load(token: str, held: HeldUpload) -> CleanFile | None:
    """The file as it was checked and cleaned when it was first sent; None if it can no longer be read."""
    try:
        sealed = (held_dir() / held.stored_name).read_bytes()
        data = crypto.open_for_token(token, sealed, purpose=FILES, field=f"file:{held.stored_name}")
    except (OSError, tink.TinkError):
        log.warning("held upload %s could not be read", held.pk)
        return None
    return CleanFile(name=describe(token, held).name, content_type=held.content_type, data=data)


def discard(stored_names: list[str]) -> None:
    for stored_name in stored_names:
        (held_dir() / stored_name).unlink(missing_ok=True)


def seal_code(token: str, submission_hash: str, code: str) -> bytes:
    return crypto.seal_for_token(token, code.encode(), purpose=RECEIPTS, field=submission_hash)


def open_code(token: str, receipt: SubmissionReceipt) -> str | None:
    try:
        return crypto.open_for_token(token, receipt.code_sealed, purpose=RECEIPTS, field=receipt.submission_hash).decode()
    except tink.TinkError:
        return None
