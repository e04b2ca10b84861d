"""Helpers shared by the report tests: a valid form submission, uploaded files and a
snapshot of everything intake could write."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfWriter

from steward.cases.models import Case, Party, TimelineEvent
from steward.core.models import AuditEntry, DataKey, OutboxMessage
from steward.registry.models import Identity, Person
from steward.reports import held, uploads
from steward.reports.models import Evidence, HeldUpload, Message, ReceivedReport, Report
from tests.conftest import png_bytes

# Five groups of five Crockford base32 symbols (no I, L, O, U).
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$")
NARRATIVE = "He kept posting my home address in the project forum after I asked him to stop."


def pdf_bytes() -> bytes:
    """A real one-page PDF: uploads are parsed and rewritten, so a bare header is not enough."""
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_BYTES = pdf_bytes()
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
BINARY_BYTES = bytes([0x80, 0x81, 0xFE, 0x9C, 0xC3, 0x28]) * 50  # neither UTF-8 nor a known file type


def report_data(client: Client, **overrides: Any) -> dict[str, Any]:
    """A complete, valid submission of the public form, with the token the form handed out."""
    page = client.get("/report/")
    data: dict[str, Any] = {
        "narrative": NARRATIVE, "reporter_role": "affected", "ongoing": "yes", "danger_now": "no",
        "consent_contact_reported": "no", "consent_name_to_reported": "no", "anonymous": "anonymous",
        "preferred_language": "en", "submission": page.context["form"]["submission"].initial,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def listed_files(response: Any) -> list[str]:
    """The held files a re-displayed report form lists, as the browser sends them back (`held_file`)."""
    return re.findall(r'name="held_file" value="(\d+)"', response.content.decode())


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_upload(name: str = "screenshot.png") -> SimpleUploadedFile:
    return upload(name, png_bytes(), "image/png")


def jpeg_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    return upload(name, png_bytes(with_exif=True), "image/jpeg")


def text_upload(name: str = "chat-log.txt", text: str = "CANARY-CHAT-LOG: you are not welcome here") -> SimpleUploadedFile:
    return upload(name, text.encode(), "text/plain")


def _listed(storage: Any) -> list[str]:
    try:
        return sorted(storage.listdir("")[1])
    except FileNotFoundError:  # nothing stored yet
        return []


def stored_files() -> list[str]:
    """Files in the evidence storage, whichever it is (a folder of MEDIA_ROOT, or an object store)."""
    return _listed(uploads.storage())


def held_files() -> list[str]:
    """Files kept (sealed) for report forms that came back for a correction."""
    return _listed(held.storage())


def snapshot() -> dict[str, Any]:
    """Everything a report submission could write, to prove a refused one wrote nothing."""
    return {
        "reports": Report.objects.count(),
        "cases": Case.objects.count(),
        "data_keys": DataKey.objects.count(),
        "evidence": Evidence.objects.count(),
        "messages": Message.objects.count(),
        "parties": Party.objects.count(),
        "people": Person.objects.count(),
        "identities": Identity.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "files": stored_files(),
        "held_uploads": HeldUpload.objects.count(),
        "held_files": held_files(),
        "receipts": ReceivedReport.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def error_texts(response: Any, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]
