"""Emails to reporters: in their language, and never with what they wrote or their code."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from steward.core import crypto
from steward.reports import services, tasks
from steward.reports.models import Report
from tests.conftest import login

from .helpers import NARRATIVE, enqueued, report_data

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
    report, code = contact_report

    tasks.acknowledge_report.call(report.pk)

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
    report, code = file_report(narrative=NARRATIVE, anonymous=False, contact_email="rosa@example.org",
                               preferred_language=language)
    active: list[str] = []
    original = tasks.send_mail

    def recording(*args, **kwargs):
        active.append(translation.get_language())
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", recording)

    tasks.acknowledge_report.call(report.pk)

    assert active == [language]
    context = {"organisation": django_settings.STEWARD_ORGANISATION_NAME}
    with translation.override(language):
        expected_subject = gettext(tasks.ACK_SUBJECT) % context
    email = mailoutbox[0]
    assert email.subject == expected_subject
    assert_nothing_secret(email.subject, email.body, code)
    assert translation.get_language() == "en"  # the override did not leak


def test_a_report_without_a_language_is_acknowledged_in_the_default_one(file_report, mailoutbox):
    report, _ = file_report(anonymous=False, contact_email="rosa@example.org", preferred_language="")
    tasks.acknowledge_report.call(report.pk)
    assert mailoutbox[0].subject.startswith("We received your report")


def test_an_anonymous_report_gets_no_email_and_enqueues_none(file_report, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = file_report(anonymous=True, contact_email="ignored@example.org")

    assert enqueued("acknowledge_report") == []
    tasks.acknowledge_report.call(report.pk)
    assert mailoutbox == []


def test_the_form_enqueues_the_acknowledgement_with_only_the_report_id(django_capture_on_commit_callbacks):
    client = Client()
    data = report_data(client, anonymous="contact", contact_email="rosa@example.org", preferred_language="es")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", data)

    assert response.status_code == 200
    report = Report.objects.get()
    results = enqueued("acknowledge_report")
    assert [(result.args, result.kwargs) for result in results] == [([report.pk], {})]
    assert report.preferred_language == "es"


def test_no_email_once_the_report_is_erased(contact_report, mailoutbox):
    report, _ = contact_report
    crypto.destroy(report.data_key)

    tasks.acknowledge_report.call(report.pk)
    tasks.notify_reporter.call(report.pk)

    assert mailoutbox == []


def test_no_email_for_a_report_that_no_longer_exists(mailoutbox, db):
    tasks.acknowledge_report.call(999999)
    assert mailoutbox == []


def test_a_staff_message_enqueues_a_notice_without_content(contact_report, triager, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    report, code = contact_report
    with django_capture_on_commit_callbacks(execute=True):
        login(triager).post(f"/staff/reports/{report.pk}/message/",
                            {"body": "SECRET-QUESTION: who else was in the room?"})

    results = enqueued("notify_reporter")
    assert [(result.args, result.kwargs) for result in results] == [([report.pk], {})]

    tasks.notify_reporter.call(report.pk)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["rosa@example.org"]
    assert email.subject.startswith("There is a new message about your report")
    assert "SECRET-QUESTION" not in email.subject + email.body
    assert "who else was in the room" not in email.body
    assert_nothing_secret(email.subject, email.body, code)


def test_a_staff_message_to_an_anonymous_reporter_enqueues_nothing(file_report, triager,
                                                                   django_capture_on_commit_callbacks):
    report, _ = file_report()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_reporter(report, by=triager, body="A question for you.")
    assert enqueued("notify_reporter") == []


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_acknowledgement_reaches_a_real_smtp_server(contact_report, settings):
    report, code = contact_report
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                        "OPTIONS": {"host": "127.0.0.1", "port": port}}}
        tasks.acknowledge_report.call(report.pk)
    finally:
        controller.stop()

    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.rcpt_tos == ["rosa@example.org"]
    assert envelope.mail_from == "conduct@example.org"
    received: EmailMessage = message_from_bytes(envelope.content, policy=default_policy)
    subject = str(received["Subject"])
    body = received.get_body(preferencelist=("plain",)).get_content()
    assert subject == f"We received your report — {django_settings.STEWARD_ORGANISATION_NAME}"
    assert "/follow-up/" in body
    assert_nothing_secret(subject, body, code)
