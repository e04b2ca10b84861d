"""Evidence uploads: checked by content, stripped of metadata, encrypted on disk; a bad
file is refused with a message naming it, and nothing of the report is stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import tink
from django.conf import settings
from django.test import Client
from PIL import Image, PngImagePlugin

from steward.reports import services, uploads
from steward.reports.models import Evidence, Report
from tests.conftest import png_bytes

from .helpers import (
    BINARY_BYTES,
    EXE_BYTES,
    PDF_BYTES,
    error_texts,
    jpeg_upload,
    png_upload,
    report_data,
    snapshot,
    stored_files,
    text_upload,
    upload,
)

pytestmark = pytest.mark.django_db
EVIDENCE_LABEL = "Screenshots or other files (optional)"


def submit(*files):
    client = Client()
    return client.post("/report/", {**report_data(client), "evidence": list(files)})


def on_disk(evidence: Evidence) -> bytes:
    return (Path(settings.MEDIA_ROOT) / "evidence" / evidence.stored_name).read_bytes()


def test_exif_metadata_is_removed_from_a_jpeg():
    original = png_bytes(with_exif=True)
    assert b"CanaryCameraMaker" in original
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get(0x010F) == "CanaryCameraMaker"

    response = submit(jpeg_upload("holiday.jpg"))

    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/jpeg"
    clean = evidence.read_file()
    assert b"CanaryCameraMaker" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert image.size == (8, 8)
        assert dict(image.getexif()) == {}
    assert evidence.size == len(clean)


def test_evidence_is_encrypted_on_disk():
    response = submit(text_upload("chat-log.txt", "CANARY-CHAT-LOG: you are not welcome here"), jpeg_upload())

    assert response.status_code == 200
    text, photo = Evidence.objects.order_by("pk")
    raw_text, raw_photo = on_disk(text), on_disk(photo)
    assert b"CANARY-CHAT-LOG" not in raw_text
    assert not raw_photo.startswith(b"\xff\xd8")  # not a JPEG any more: ciphertext
    assert b"CanaryCameraMaker" not in raw_photo
    assert text.read_file() == b"CANARY-CHAT-LOG: you are not welcome here"
    assert sorted(stored_files()) == sorted([text.stored_name, photo.stored_name])
    # The file name is sealed too, and the stored name reveals nothing.
    assert text.name == "chat-log.txt"
    assert b"chat-log" not in bytes(text.name_sealed)
    assert "chat" not in text.stored_name
    assert (text.content_type, text.size) == ("text/plain", len(b"CANARY-CHAT-LOG: you are not welcome here"))


def test_png_text_chunks_and_exif_are_removed():
    image = Image.new("RGBA", (6, 6), (10, 200, 30, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "CanaryAuthorName")
    exif = Image.Exif()
    exif[0x010F] = "CanaryCameraMaker"
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif.tobytes())
    assert b"CanaryAuthorName" in out.getvalue() and b"CanaryCameraMaker" in out.getvalue()

    assert submit(upload("transparent.png", out.getvalue())).status_code == 200

    evidence = Evidence.objects.get()
    clean = evidence.read_file()
    assert b"CanaryAuthorName" not in clean and b"CanaryCameraMaker" not in clean
    with Image.open(io.BytesIO(clean)) as stripped:
        assert stripped.mode == "RGBA"
        assert stripped.getpixel((0, 0)) == (10, 200, 30, 128)
        assert not stripped.text


def test_a_stored_file_cannot_be_opened_under_another_name_or_row():
    submit(png_upload())
    submit(text_upload())
    evidence, other = Evidence.objects.order_by("pk")
    folder = Path(settings.MEDIA_ROOT) / "evidence"
    (folder / "elsewhere").write_bytes(on_disk(evidence))

    with pytest.raises(tink.TinkError):  # the ciphertext is bound to its stored name
        uploads.open_stored(evidence.report.data_key, "elsewhere", evidence.file_key_sealed, row=evidence.row_uuid).read()
    with pytest.raises(tink.TinkError):  # and its key to its row
        uploads.open_stored(evidence.report.data_key, evidence.stored_name, evidence.file_key_sealed, row=other.row_uuid)
    # Another row's file put in this one's place does not open either.
    (folder / evidence.stored_name).write_bytes(on_disk(other))
    with pytest.raises(tink.TinkError):
        evidence.read_file()


@pytest.mark.parametrize(("name", "content", "detected"), [
    ("screenshot.png", png_bytes(), "image/png"),
    ("notes.md", b"# Notes\nIt happened twice, both times in #general.", "text/plain"),
    ("message.pdf", PDF_BYTES, "application/pdf"),
    ("MIXED.JPEG", png_bytes(with_exif=True), "image/jpeg"),
])
def test_accepted_types(name, content, detected):
    response = submit(upload(name, content))

    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert (evidence.name, evidence.content_type) == (name, detected)


BAD_FILES = [
    pytest.param("screenshot.png", PDF_BYTES, "does not contain what its name says: its content is application/pdf",
                 id="pdf-named-png"),
    pytest.param("screenshot.png", EXE_BYTES, "is not a type we accept", id="exe-named-png"),
    pytest.param("readme.txt", EXE_BYTES, "is not a type we accept", id="exe-named-txt"),
    pytest.param("setup.exe", EXE_BYTES, "is not a type we accept", id="exe"),
    pytest.param("chat-log.txt", BINARY_BYTES, "is not a type we accept", id="binary-named-txt"),
    pytest.param("photo.jpg", png_bytes(), "does not contain what its name says: its content is image/png",
                 id="png-named-jpg"),
    pytest.param("script.html", b"<script>alert(1)</script>", "does not contain what its name says", id="html"),
    pytest.param("broken.png", png_bytes()[:40], "could not be read as an image", id="truncated-png"),
    pytest.param("empty.txt", b"", None, id="empty"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_a_disguised_or_unreadable_file_is_refused_and_nothing_is_stored(name, content, message):
    client = Client()
    data = {**report_data(client), "evidence": [png_upload("fine.png"), upload(name, content)]}
    before = snapshot()

    response = client.post("/report/", data)

    assert response.status_code == 400
    errors = error_texts(response, "evidence")
    assert errors, response.context["form"].errors
    if message is not None:
        assert any(name in error and message in error for error in errors), errors
    assert f"{EVIDENCE_LABEL}: " in response.content.decode()
    # The refused file is stored nowhere; the good one is only held (sealed) for the corrected form.
    # (An empty file fails the whole field before any file is checked, so nothing is held then.)
    expected = [] if message is None else ["fine.png"]
    assert [held.name for held in services.held_files(data["submission"])] == expected
    unheld = ("held_uploads", "held_files")
    assert {k: v for k, v in snapshot().items() if k not in unheld} == {k: v for k, v in before.items() if k not in unheld}


def test_an_oversize_file_is_refused(settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 100
    client = Client()
    data = {**report_data(client), "evidence": [upload("big.txt", b"a" * 101, "text/plain")]}
    before = snapshot()

    response = client.post("/report/", data)

    assert response.status_code == 400
    errors = error_texts(response, "evidence")
    assert any("“big.txt” is larger than 100" in error for error in errors), errors
    assert f"{EVIDENCE_LABEL}: " in response.content.decode()
    assert snapshot() == before


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 100
    assert submit(upload("exact.txt", b"a" * 100, "text/plain")).status_code == 200
    assert Evidence.objects.get().size == 100


def test_too_many_files_are_refused(settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 2
    client = Client()
    data = {**report_data(client), "evidence": [png_upload("1.png"), png_upload("2.png"), png_upload("3.png")]}
    before = snapshot()

    response = client.post("/report/", data)

    assert response.status_code == 400
    assert error_texts(response, "evidence") == ["Send at most 2 files."]
    assert snapshot() == before


def test_the_maximum_number_of_files_is_accepted(settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 2
    assert submit(png_upload("1.png"), png_upload("2.png")).status_code == 200
    assert Evidence.objects.count() == 2
    assert len(stored_files()) == 2


def test_a_path_in_the_file_name_is_dropped():
    submit(upload("../../etc/passwd.txt", b"root:x:0:0", "text/plain"))

    evidence = Evidence.objects.get()
    assert evidence.name == "passwd.txt"
    assert stored_files() == [evidence.stored_name]
    assert not (Path(settings.MEDIA_ROOT).parent / "etc").exists()


def test_files_belong_to_the_report_not_to_a_message():
    submit(png_upload())
    evidence = Evidence.objects.get()
    assert evidence.report == Report.objects.get()
    assert evidence.message is None
