"""A dump of the database and of the media folder shows no report text.

Every sensitive field and file gets its own canary string; then the SQLite database
(iterdump of the live connection: the test database lives in memory) or the PostgreSQL
database (pg_dump of the test database: `make test` runs the suite on both) and every
file under MEDIA_ROOT are searched for each canary: as written, case-folded,
hex-encoded (how both dumps print binary columns) and base64-encoded.
"""

from __future__ import annotations

import base64
import datetime
import io
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from steward.cases import services as cases
from steward.cases.models import Party, Priority, Status
from steward.core.crypto import new_token
from steward.core.roles import Role
from steward.decisions import services as decisions
from steward.reports import services as reports
from steward.reports import uploads
from steward.reports.models import Report
from tests.cases.helpers import answers
from tests.conftest import make_staff, missing
from tests.decisions.helpers import level

pytestmark = pytest.mark.django_db(transaction=True)  # committed, so pg_dump's own connection sees it

FIELDS = ["narrative", "location", "involved", "witnesses", "wishes", "occurred_approx", "contact_name", "contact_email",
          "category", "account", "message_to", "message_from", "note", "triage_reason", "triage_answers", "party",
          "status_reason", "decision_summary", "decision_rationale", "decision_conditions", "decision_departure",
          "file_name", "file_content", "image_name",
          "image_exif", "reply_file_name", "reply_file_content", "held_file_name", "held_file_content"]


@pytest.fixture
def canaries() -> dict[str, str]:
    run = uuid.uuid4().hex[:12]
    return {field: f"Canary{run}{field.replace('_', '')}Zq" for field in FIELDS}


def jpeg_with_exif(text: str) -> bytes:
    image = Image.new("RGB", (16, 16), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = text  # Make
    exif[0x010E] = text  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    assert text.encode() in out.getvalue()
    return out.getvalue()


def fill(canaries: dict[str, str]) -> Report:
    """Put every canary where a reporter or staff member would put it, through the services.

    Adds the receipt code, the form's token and a held file's token to `canaries`: none may show either."""
    c = canaries
    triager = make_staff("tess", Role.TRIAGER)
    decider = make_staff("dina", Role.DECISION_MAKER)
    image = uploads.check(SimpleUploadedFile(f"{c['image_name']}.jpg", jpeg_with_exif(c["image_exif"])))
    text_file = uploads.check(SimpleUploadedFile(f"{c['file_name']}.txt", f"log: {c['file_content']}\n".encode()))
    email = f"{c['contact_email'].lower()}@example.org"
    intake = reports.Intake(
        narrative=f"What happened: {c['narrative']}", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token=uuid.uuid4().hex, occurred_at=timezone.now() - datetime.timedelta(days=2),
        occurred_approx=c["occurred_approx"], location=c["location"], involved=c["involved"], witnesses=c["witnesses"],
        wishes=c["wishes"], anonymous=False, contact_name=c["contact_name"], contact_email=email,
        accounts=[reports.Account("github", c["account"])], categories=[c["category"]], files=[image, text_file],
    )
    report, code = reports.submit_report(intake)
    # The receipt code is kept (sealed under the form's token) to be shown again: neither it nor the token may show.
    c["receipt_code"], c["receipt_code_plain"], c["submission_token"] = code, code.replace("-", ""), intake.submission_token
    # A form that came back for a correction and was never sent again: its file is held, sealed.
    held_token = new_token()
    reports.hold_files(held_token, [uploads.check(SimpleUploadedFile(
        f"{c['held_file_name']}.txt", f"log: {c['held_file_content']}\n".encode()))])
    c["held_token"] = held_token
    case = report.case
    reports.message_reporter(report, by=triager, body=c["message_to"])
    reply_file = uploads.check(SimpleUploadedFile(f"{c['reply_file_name']}.txt", c["reply_file_content"].encode()))
    reports.reporter_reply(report, body=c["message_from"], files=[reply_file])
    cases.add_note(case, by=triager, body=c["note"])
    cases.triage_case(case, by=triager, answers=answers(reporter_country=c["triage_answers"]), priority=Priority.P2,
                      reason=c["triage_reason"])
    cases.add_party(case, system="matrix", handle=c["party"], role=Party.Role.WITNESS, by=triager)
    cases.move_case(case, by=triager, to=Status.AWAITING_DECISION, reason=c["status_reason"])
    subject = Party.objects.get(case=case, role=Party.Role.REPORTED).person
    decisions.record_decision(case, by=decider, level=level("temporary_ban"), subject=subject,
                              ends_on=timezone.localdate() + datetime.timedelta(days=30),
                              conditions=c["decision_conditions"], departure_reason=c["decision_departure"],
                              reporter_summary=c["decision_summary"], rationale=c["decision_rationale"])
    return report


def b64_forms(data: bytes) -> list[bytes]:
    """The base64 text `data` turns into wherever it starts (the three alignments), minus the edges."""
    forms = []
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + data)
            forms.append(encoded[4 if shift else 0:-4])
    return forms


def forms_of(canary: str) -> list[bytes]:
    raw = canary.encode()
    folded = canary.casefold().encode()
    return [raw, folded, canary.upper().encode(), raw.hex().encode(), raw.hex().upper().encode(), folded.hex().encode(),
            folded.hex().upper().encode(), *b64_forms(raw), *b64_forms(folded)]


def assert_no_canary(where: str, blob: bytes, canaries: dict[str, str]) -> None:
    found = [(field, form) for field, canary in canaries.items() for form in forms_of(canary) if form in blob]
    assert not found, f"{where} shows {found}"


def media_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def check_the_canaries_are_really_there(canaries: dict[str, str], report: Report) -> None:
    """The detector works: the content reads back through the keys, and a planted form is found."""
    report = Report.objects.select_related("data_key").get(pk=report.pk)
    assert canaries["narrative"] in report.narrative
    assert report.categories == [canaries["category"]]
    names = sorted(e.name for e in report.evidence.all())
    assert names == sorted([f"{canaries['image_name']}.jpg", f"{canaries['file_name']}.txt",
                            f"{canaries['reply_file_name']}.txt"])
    assert [f.name for f in reports.held_files(canaries["held_token"])] == [f"{canaries['held_file_name']}.txt"]
    stored_image = next(e for e in report.evidence.all() if e.content_type == "image/jpeg")
    clear_image = stored_image.read_file()
    assert canaries["image_exif"].encode() not in clear_image  # the EXIF was stripped before encryption
    with pytest.raises(AssertionError):
        assert_no_canary("planted", b"x" + base64.b64encode(b"ab" + canaries["note"].encode()), canaries)
    with pytest.raises(AssertionError):
        assert_no_canary("planted", b"X'" + canaries["note"].encode().hex().upper().encode(), canaries)


def test_media_folder_shows_no_canary(canaries):
    report = fill(canaries)
    check_the_canaries_are_really_there(canaries, report)
    files = media_files()
    assert len(files) == 4  # three evidence files and one held for a form never sent again
    for path in files:
        assert_no_canary(str(path), path.read_bytes(), canaries)


def sqlite_dump() -> bytes:
    connection.ensure_connection()
    dump = "\n".join(connection.connection.iterdump()).encode()
    assert b"INSERT INTO \"reports_report\"" in dump  # the dump holds the rows
    return dump


def postgres_dump() -> bytes:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        missing("pg_dump", "install the PostgreSQL client (apt-get install postgresql-client; `make test` does)")
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [pg_dump, "--no-owner", "--dbname", db["NAME"], "--username", db.get("USER") or "postgres",
               "--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    dump = subprocess.run(command, capture_output=True, env=env, check=True, timeout=120).stdout
    assert b"COPY public.reports_report" in dump
    return dump


# The database of this run, dumped the way its operators would: `make test` runs the suite on both.
DUMPS = {"sqlite": ("the SQLite dump", sqlite_dump), "postgresql": ("the PostgreSQL dump", postgres_dump)}


def test_database_dump_shows_no_canary(canaries):
    what, dump = DUMPS[connection.vendor]
    report = fill(canaries)
    check_the_canaries_are_really_there(canaries, report)
    assert_no_canary(what, dump(), canaries)
