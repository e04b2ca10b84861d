"""Staff download of evidence at /staff/evidence/<id>/: always an attachment, audited,
need-to-know only."""

from __future__ import annotations

import pytest
from django.test import Client

from steward.cases.models import Case
from steward.core.models import AuditEntry
from steward.reports import uploads
from tests.conftest import login, make_staff, png_bytes

from .helpers import text_upload, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(file_report):
    files = [uploads.check(text_upload("chat-log.txt", "CANARY-CHAT-LOG: you are not welcome here")),
             uploads.check(upload("photo.jpg", png_bytes(with_exif=True)))]
    report, _ = file_report(files=files)
    return list(report.evidence.order_by("pk"))


@pytest.fixture
def text_evidence(evidence):
    return evidence[0]


def url(item) -> str:
    return f"/staff/evidence/{item.pk}/"


def test_a_triager_downloads_the_file_as_an_attachment(triager, text_evidence):
    response = login(triager).get(url(text_evidence))

    assert response.status_code == 200
    assert response.streaming  # decrypted as it is sent, never whole in memory
    assert response.getvalue() == b"CANARY-CHAT-LOG: you are not welcome here"
    assert response["Content-Length"] == str(len(b"CANARY-CHAT-LOG: you are not welcome here"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="chat-log.txt"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_an_image_is_a_download_too_and_has_no_metadata(triager, evidence):
    response = login(triager).get(url(evidence[1]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    content = response.getvalue()
    assert content.startswith(b"\xff\xd8")
    assert b"CanaryCameraMaker" not in content


def test_every_download_is_audited(triager, text_evidence):
    client = login(triager)
    client.get(url(text_evidence), REMOTE_ADDR="198.51.100.7")
    client.get(url(text_evidence), REMOTE_ADDR="198.51.100.7")

    entries = AuditEntry.objects.filter(action="evidence.download")
    assert entries.count() == 2
    entry = entries.first()
    assert (entry.actor, entry.actor_kind, entry.object_type, entry.object_id, entry.ip) == (
        triager, "staff", "evidence", str(text_evidence.pk), "198.51.100.7")


def test_the_assigned_handler_may_download(handler, text_evidence):
    Case.objects.filter(pk=text_evidence.report.case_id).update(assignee=handler)

    response = login(handler).get(url(text_evidence))

    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="evidence.download", actor=handler).count() == 1


def test_an_unrelated_handler_is_refused(unrelated, handler, text_evidence):
    Case.objects.filter(pk=text_evidence.report.case_id).update(assignee=handler)

    response = login(unrelated).get(url(text_evidence))

    assert response.status_code == 403
    assert b"CANARY-CHAT-LOG" not in response.content
    assert not AuditEntry.objects.filter(action="evidence.download").exists()


@pytest.mark.parametrize("roles", [(), ("administrator",)])
def test_staff_without_a_case_role_are_refused(roles, text_evidence):
    outsider = make_staff("olga", *roles)

    response = login(outsider).get(url(text_evidence))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="evidence.download").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(text_evidence):
    response = Client().get(url(text_evidence))

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")
    assert not AuditEntry.objects.filter(action="evidence.download").exists()


def test_unknown_evidence_is_not_found(triager):
    assert login(triager).get("/staff/evidence/999999/").status_code == 404


def test_an_unusual_file_name_is_quoted_safely(file_report, triager):
    name = 'captura "ñ"; x.png'
    report, _ = file_report(files=[uploads.check(upload(name, png_bytes()))])

    response = login(triager).get(url(report.evidence.get()))

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert "\n" not in disposition and '"ñ"' not in disposition
