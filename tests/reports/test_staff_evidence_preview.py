"""Image evidence previewed on the case page (/staff/evidence/<id>/preview/): always a copy
Steward re-encoded (no metadata), sandboxed, never cached, audited like a download, for exactly
those who may download the original. Originals still only download as attachments."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.registry import services as registry
from steward.reports import uploads
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from tests.conftest import login, make_staff, png_bytes

from .helpers import text_upload, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(file_report):
    files = [uploads.check(upload("photo.jpg", png_bytes(with_exif=True))),
             uploads.check(upload("screen.png", png_bytes())),
             uploads.check(text_upload("chat-log.txt", "CANARY-CHAT-LOG: you are not welcome here"))]
    report, _ = file_report(files=files)
    return list(report.evidence.order_by("pk"))


def url(item) -> str:
    return f"/staff/evidence/{item.pk}/preview/"


def test_a_jpeg_preview_is_a_fresh_inline_copy_with_sandbox_headers(triager, evidence):
    response = login(triager).get(url(evidence[0]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"CanaryCameraMaker" not in response.content and b"Exif" not in response.content
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "JPEG" and image.size == (8, 8)
        assert not image.getexif()


def test_a_png_preview_is_a_png(triager, evidence):
    response = login(triager).get(url(evidence[1]))
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG" and image.getpixel((0, 0))[:3] == (200, 30, 30)


def test_a_large_image_is_scaled_down(file_report, triager):
    big = io.BytesIO()
    Image.new("RGB", (4000, 1000), (10, 20, 30)).save(big, "PNG")
    report, _ = file_report(files=[CleanFile(name="wide.png", content_type="image/png", data=big.getvalue())])
    response = login(triager).get(url(report.evidence.get()))
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (uploads.PREVIEW_MAX_SIDE, uploads.PREVIEW_MAX_SIDE // 4)


def test_an_image_above_the_pixel_limit_is_not_decoded(file_report, triager, monkeypatch):
    monkeypatch.setattr(uploads, "PREVIEW_MAX_PIXELS", 63)  # the 8×8 test image has 64
    report, _ = file_report(files=[CleanFile(name="x.png", content_type="image/png", data=png_bytes())])
    assert login(triager).get(url(report.evidence.get())).status_code == 404


def test_a_file_that_is_not_an_image_has_no_preview(triager, evidence):
    response = login(triager).get(url(evidence[2]))
    assert response.status_code == 404
    assert b"CANARY-CHAT-LOG" not in response.content
    assert not AuditEntry.objects.filter(action="evidence.preview").exists()


def test_every_preview_is_audited(triager, evidence):
    client = login(triager)
    client.get(url(evidence[0]), REMOTE_ADDR="198.51.100.7")
    client.get(url(evidence[0]), REMOTE_ADDR="198.51.100.7")
    entries = AuditEntry.objects.filter(action="evidence.preview")
    assert entries.count() == 2
    entry = entries.first()
    assert (entry.actor, entry.object_type, entry.object_id, entry.ip) == (triager, "evidence", str(evidence[0].pk),
                                                                           "198.51.100.7")


def test_the_assigned_handler_may_preview(handler, evidence):
    Case.objects.filter(pk=evidence[0].report.case_id).update(assignee=handler)
    assert login(handler).get(url(evidence[0])).status_code == 200


def test_an_unrelated_handler_is_refused(unrelated, handler, evidence):
    Case.objects.filter(pk=evidence[0].report.case_id).update(assignee=handler)
    response = login(unrelated).get(url(evidence[0]))
    assert response.status_code == 403
    assert not response.content.startswith(b"\xff\xd8")
    assert not AuditEntry.objects.filter(action="evidence.preview").exists()


def test_a_conflicted_triager_gets_404(file_report, triager):
    registry.link_staff_account(triager, system="github", handle="tara-gh")
    report, _ = file_report(accounts=[Account(system="github", handle="tara-gh")],
                            files=[CleanFile(name="x.png", content_type="image/png", data=png_bytes())])
    assert login(triager).get(url(report.evidence.get())).status_code == 404
    assert not AuditEntry.objects.filter(action="evidence.preview").exists()


@pytest.mark.parametrize("roles", [(), ("administrator",)])
def test_staff_without_a_case_role_are_refused(roles, evidence):
    assert login(make_staff("olga", *roles)).get(url(evidence[0])).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(evidence):
    response = Client().get(url(evidence[0]))
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next=")


def test_the_case_page_shows_previews_for_images_and_a_download_for_every_file(triager, evidence):
    page = login(triager).get(f"/staff/cases/{evidence[0].report.case_id}/").content.decode()
    for item in evidence:
        assert f'href="/staff/evidence/{item.pk}/" download' in page
    assert f'src="/staff/evidence/{evidence[0].pk}/preview/"' in page
    assert f'src="/staff/evidence/{evidence[1].pk}/preview/"' in page
    assert f"/staff/evidence/{evidence[2].pk}/preview/" not in page


def test_the_original_still_downloads_as_an_attachment(triager, evidence):
    response = login(triager).get(f"/staff/evidence/{evidence[0].pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
