"""Staff writing to a reporter from the case page: /staff/reports/<id>/message/."""

from __future__ import annotations

import pytest
from django.test import Client

from steward.cases.models import Case, TimelineEvent
from steward.core.models import AuditEntry
from steward.reports.messages import ReporterNotice
from steward.reports.models import Message
from tests.conftest import login, make_staff, queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(file_report):
    return file_report(anonymous=False, contact_email="rosa@example.org")[0]


def url(report) -> str:
    return f"/staff/reports/{report.pk}/message/"


def test_a_triager_writes_to_the_reporter(report, triager):
    response = login(triager).post(url(report), {"body": "Could you tell us when it started?"}, follow=True)

    assert response.redirect_chain[0] == (f"/staff/cases/{report.case_id}/", 302)
    message = Message.objects.get()
    assert (message.report, message.direction, message.author) == (report, Message.Direction.TO_REPORTER, triager)
    assert message.body == "Could you tell us when it started?"
    assert b"when it started" not in bytes(message.body_sealed)
    assert message.read_at is None
    assert TimelineEvent.objects.filter(case=report.case, kind="message_to_reporter").exists()
    assert AuditEntry.objects.filter(action="report.message", actor=triager).exists()
    assert "Message sent." in response.content.decode()
    assert queued(ReporterNotice) == [ReporterNotice(report=report.pk)]


def test_the_assigned_handler_may_write(report, handler):
    Case.objects.filter(pk=report.case_id).update(assignee=handler)
    login(handler).post(url(report), {"body": "Thank you for the details."})
    assert Message.objects.get().author == handler


def test_an_empty_message_is_refused(report, triager):
    response = login(triager).post(url(report), {"body": "   "}, follow=True)

    assert "The message is empty." in response.content.decode()
    assert Message.objects.count() == 0
    assert queued(ReporterNotice) == []


def test_an_unrelated_handler_is_refused(report, handler, unrelated):
    Case.objects.filter(pk=report.case_id).update(assignee=handler)

    response = login(unrelated).post(url(report), {"body": "Hello"})

    assert response.status_code == 403
    assert Message.objects.count() == 0


def test_staff_without_a_role_are_refused(report):
    assert login(make_staff("olga")).post(url(report), {"body": "Hello"}).status_code == 403
    assert Message.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login_page(report):
    response = Client().post(url(report), {"body": "Hello"})
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")
    assert Message.objects.count() == 0


def test_writing_needs_a_post(report, triager):
    assert login(triager).get(url(report)).status_code == 405


def test_an_unknown_report_is_not_found(triager):
    assert login(triager).post("/staff/reports/999999/message/", {"body": "Hello"}).status_code == 404
