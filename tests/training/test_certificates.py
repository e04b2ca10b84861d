"""Certificates: a PDF naming the learner and the course, for the learner and coordinators only."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.training import certificates, content
from steward.training.models import Completion, CourseVersion, VersionTranslation
from tests.conftest import login, make_staff

from .conftest import make_learner


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _passed(version: CourseVersion, learner, language: str = "en") -> Completion:
    return Completion.objects.create(learner=learner, course=version.course, version=version, language=language,
                                     passed_at=timezone.now(), expires_on=timezone.localdate().replace(year=2027))


@pytest.mark.django_db
def test_the_learner_downloads_their_certificate(course_version: CourseVersion) -> None:
    learner = make_learner("cora")
    learner.user.first_name, learner.user.last_name = "Cora", "Nakamura"
    learner.user.save()
    completion = _passed(course_version, learner)
    client = Client()
    client.force_login(learner.user)
    response = client.get(f"/learn/certificates/{completion.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "Cora Nakamura" in text and "First aid for enforcement" in text and "Certificate of completion" in text
    assert str(completion.certificate) in text.replace("\n", "")
    assert AuditEntry.objects.filter(action="training.certificate_download", actor=learner.user).exists()


@pytest.mark.django_db
def test_another_learner_gets_nothing(course_version: CourseVersion) -> None:
    completion = _passed(course_version, make_learner("cora"))
    client = Client()
    client.force_login(make_learner("dan").user)
    assert client.get(f"/learn/certificates/{completion.pk}.pdf").status_code == 404
    assert client.get("/learn/certificates/999999.pdf").status_code == 404
    assert not AuditEntry.objects.filter(action="training.certificate_download").exists()


@pytest.mark.django_db
def test_a_coordinator_downloads_any_but_a_screener_none(course_version: CourseVersion) -> None:
    completion = _passed(course_version, make_learner("cora"))
    url = f"/staff/training/completions/{completion.pk}/certificate.pdf"
    assert login(make_staff("tess", Role.TRAINER)).get(url).status_code == 200
    assert login(make_staff("sam", Role.SCREENER)).get(url).status_code == 404


@pytest.mark.django_db
def test_the_certificate_is_in_the_language_passed_in_with_the_name_in_its_script(course_version: CourseVersion) -> None:
    learner = make_learner("layla")
    learner.user.first_name, learner.user.last_name = "ليلى", "الحسن"
    learner.user.save()
    source = content.version_places(course_version)
    VersionTranslation.objects.create(version=course_version, language="ar",
                                      texts=content.stamped({"title": "الإسعافات الأولية للتطبيق"}, source))
    completion = _passed(course_version, learner, language="ar")
    pdf = certificates.certificate_pdf(certificates.completion_for(completion.pk, by=learner.user), by=learner.user)
    assert pdf.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    covered = set().union(*(certificates._characters(path) for path in certificates.fonts_for("ليلى الحسن")))
    assert all(ord(character) in covered for character in "ليلىالحسن"), "every letter of the name has a glyph"
