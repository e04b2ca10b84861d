"""Emails to reporters: in their language, and never with what they wrote or their code."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from steward.core import crypto, outbox
from steward.core.models import OutboxMessage
from steward.reports import notifications, services
from steward.reports.messages import AcknowledgeReport, ReporterNotice
from tests.conftest import deliver_outbox, file_received_reports, login, queued
from tests.smtp import mailers, smtp_server

from .helpers import NARRATIVE, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact_report(file_report):
    """A report whose reporter left an address, and its receipt code."""
    return file_report(narrative=NARRATIVE, anonymous=False, contact_name="Rosa", contact_email="rosa@example.org",
                       preferred_language="en")


def assert_nothing_secret(subject: str, body: str, code: str) -> None:
    for text in (subject, body):
        assert NARRATIVE not in text
        assert "home address" not in text
        assert code not in text
        assert code.replace("-", "") not in text
        assert code.lower() not in text


def test_the_acknowledgement_is_sent_without_content_or_code(contact_report, mailoutbox):
    _, code = contact_report

    deliver_outbox()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["rosa@example.org"]
    assert email.subject == f"We received your report — {django_settings.STEWARD_ORGANISATION_NAME}"
    assert django_settings.STEWARD_BASE_URL.rstrip("/") + "/follow-up/" in email.body
    assert f"within {django_settings.STEWARD_ACK_HOURS} hours" in email.body
    assert_nothing_secret(email.subject, email.body, code)
    assert not email.attachments


@pytest.mark.parametrize("language", ["es", "de", "fr", "ar"])
def test_the_acknowledgement_is_in_the_reporters_language(file_report, mailoutbox, monkeypatch, language):
    _, code = file_report(narrative=NARRATIVE, anonymous=False, contact_email="rosa@example.org",
                               preferred_language=language)
    active: list[str] = []
    original = outbox.Delivery.email

    def recording(*args, **kwargs):
        active.append(translation.get_language())
        return original(*args, **kwargs)

    monkeypatch.setattr(outbox.Delivery, "email", recording)

    deliver_outbox()

    assert active == [language]
    context = {"organisation": django_settings.STEWARD_ORGANISATION_NAME}
    with translation.override(language):
        expected_subject = gettext(notifications.ACK_SUBJECT) % context
    email = mailoutbox[0]
    assert email.subject == expected_subject
    assert_nothing_secret(email.subject, email.body, code)
    assert translation.get_language() == "en"  # the override did not leak


def test_a_report_without_a_language_is_acknowledged_in_the_default_one(file_report, mailoutbox):
    file_report(anonymous=False, contact_email="rosa@example.org", preferred_language="")
    deliver_outbox()
    assert mailoutbox[0].subject.startswith("We received your report")


def test_an_anonymous_report_gets_no_email_and_queues_none(file_report, mailoutbox):
    file_report(anonymous=True, contact_email="ignored@example.org")

    assert queued(AcknowledgeReport) == []
    deliver_outbox()
    assert mailoutbox == []


def test_the_form_queues_the_acknowledgement_with_only_the_report_id():
    client = Client()
    data = report_data(client, anonymous="contact", contact_email="rosa@example.org", preferred_language="es")
    response = client.post("/report/", data)
    (report,) = file_received_reports()

    assert response.status_code == 200
    assert queued(AcknowledgeReport) == [AcknowledgeReport(report=report.pk)]
    assert OutboxMessage.objects.get(kind=AcknowledgeReport.kind).payload == {"report": report.pk}
    assert report.preferred_language == "es"


def test_no_email_once_the_report_is_erased(contact_report, mailoutbox):
    report, _ = contact_report
    with transaction.atomic():
        outbox.send(ReporterNotice(report=report.pk))
    crypto.destroy(report.data_key)

    assert deliver_outbox() == 2

    assert mailoutbox == []
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.DROPPED}


def test_no_email_for_a_report_that_no_longer_exists(mailoutbox, db):
    with transaction.atomic():
        outbox.send(AcknowledgeReport(report=999999))
    deliver_outbox()
    assert mailoutbox == []


def test_a_staff_message_queues_a_notice_without_content(contact_report, triager, mailoutbox):
    report, code = contact_report
    deliver_outbox()  # the acknowledgement
    mailoutbox.clear()
    login(triager).post(f"/staff/reports/{report.pk}/message/",
                        {"body": "SECRET-QUESTION: who else was in the room?"})

    assert queued(ReporterNotice) == [ReporterNotice(report=report.pk)]

    deliver_outbox()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["rosa@example.org"]
    assert email.subject.startswith("There is a new message about your report")
    assert "SECRET-QUESTION" not in email.subject + email.body
    assert "who else was in the room" not in email.body
    assert_nothing_secret(email.subject, email.body, code)


def test_a_staff_message_to_an_anonymous_reporter_queues_nothing(file_report, triager):
    report, _ = file_report()
    services.message_reporter(report, by=triager, body="A question for you.")
    assert queued(ReporterNotice) == []


def test_the_acknowledgement_reaches_a_real_smtp_server(contact_report, settings):
    _, code = contact_report
    with smtp_server() as (inbox, port):
        settings.MAILERS = mailers(port)
        deliver_outbox()

    assert len(inbox.received) == 1
    mail = inbox.received[0]
    assert mail.to == ["rosa@example.org"]
    assert mail.mail_from == "conduct@example.org"
    received, subject, body = mail.message, mail.subject, mail.body
    assert subject == f"We received your report — {django_settings.STEWARD_ORGANISATION_NAME}"
    # The outbox row's idempotency key is the Message-ID, so a receiver can spot a repeated send.
    assert received["Message-ID"] == f"<{OutboxMessage.objects.get().idempotency_key}@example.org>"
    assert "/follow-up/" in body
    assert_nothing_secret(subject, body, code)
