"""The follow-up page shows the reporter what they sent, a decision with how to appeal, and
signing out of the report on a device says the report itself goes on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from steward.cases import services as cases
from steward.cases.models import Case, Status
from steward.core.models import AuditEntry
from steward.decisions import services as decisions
from steward.decisions.models import Outcome
from steward.reports.models import Report
from tests.conftest import file_received_reports

from .helpers import png_upload, report_data, text_upload
from .test_follow_up import open_report
from .test_intake_integrity import received_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(file_report):
    return file_report()


def file_by_form(**overrides) -> tuple[Report, str]:
    client = Client()
    response = client.post("/report/", report_data(client, **overrides))
    file_received_reports()
    assert response.status_code == 200, response.content.decode()[:2000]
    return Report.objects.latest("pk"), received_code(response)


def sent_section(page: str) -> str:
    match = re.search(r'<details class="sent" id="sent">(.*?)</details>', page, re.S)
    assert match, page
    return match.group(1)


def test_the_reporter_sees_what_they_sent(space):
    _, code = file_by_form(
        narrative="He posted my home address in the forum.", wishes="I want him removed from the forum.",
        involved="a maintainer called Bob", witnesses="Alice saw it", location="https://example.org/t/42",
        space=space.pk, ongoing="no", danger_now="yes", account_system_1="github", account_handle_1="rude-dev",
        consent_contact_reported="yes", evidence=[png_upload("address-post.png"), text_upload("dm.txt")])
    client = open_report(code)

    sent = sent_section(client.get("/follow-up/case/").content.decode())

    for text in ("He posted my home address in the forum.", "I want him removed from the forum.",
                 "a maintainer called Bob", "Alice saw it", "https://example.org/t/42", space.name,
                 "No, it has stopped", "It happened to me", "GitHub: <span dir=\"auto\">rude-dev</span>",
                 "address-post.png", "dm.txt", "You stay anonymous"):
        assert text in sent, text
    assert re.search(r"Is anyone in danger right now\?</dt><dd>Yes", sent)
    assert re.search(r"May we contact the person you reported about this\?</dt><dd>Yes", sent)
    assert AuditEntry.objects.filter(action="report.follow_up", actor_kind="reporter").exists()


def test_unanswered_questions_are_shown_as_not_said():
    _, code = file_by_form(danger_now=None, reporter_role=None)

    sent = sent_section(open_report(code).get("/follow-up/case/").content.decode())

    assert re.search(r"Is anyone in danger right now\?</dt><dd>not said", sent)
    assert re.search(r"How you were involved</dt><dd>not said", sent)


def test_files_sent_later_stay_in_the_thread_not_in_what_was_sent_first(filed):
    _, code = filed
    client = open_report(code)
    client.post("/follow-up/case/", {"body": "One more.", "files": [png_upload("later.png")]})

    page = client.get("/follow-up/case/").content.decode()

    assert "later.png" in page
    assert "later.png" not in sent_section(page)


def test_a_decision_says_how_to_appeal_and_whom_to_write_to(filed, triager, settings):
    settings.STEWARD_CONTACT_EMAIL = "appeals@example.net"
    report, code = filed
    client = open_report(code)
    assert "If you disagree" not in client.get("/follow-up/case/").content.decode()

    Case.objects.filter(pk=report.case_id).update(status=Status.AWAITING_DECISION)
    decisions.record_decision(report.case, by=triager, outcome=Outcome.NO_VIOLATION,
                              reporter_summary="A warning was given.", rationale="Recorded for the test.",
                              departure_reason="Recorded for the test.")
    page = client.get("/follow-up/case/").content.decode()

    assert "A warning was given." in page
    assert "If you disagree" in page
    assert '<a href="mailto:appeals@example.net">appeals@example.net</a>' in page
    assert "/guidelines/#appeals" in page


def test_signing_out_says_the_report_is_still_open(filed):
    _, code = filed
    client = open_report(code)
    page = client.get("/follow-up/case/").content.decode()
    assert "Sign out of this report on this device" in page
    assert "Close my report" not in page

    response = client.post("/follow-up/leave/", follow=True)

    text = response.content.decode()
    assert "You are signed out of your report on this device. Your report is still open" in text
    assert "does not withdraw or close it" in text
    assert client.get("/follow-up/case/")["Location"] == "/follow-up/"


def test_signing_out_of_a_closed_report_does_not_call_it_open(filed, triager):
    report, code = filed
    Case.objects.filter(pk=report.case_id).update(status=Status.AWAITING_DECISION)
    cases.move_case(report.case, by=triager, to=Status.CLOSED, reason="Handled.")
    client = open_report(code)

    text = client.post("/follow-up/leave/", follow=True).content.decode()

    assert "Signing out does not change your report." in text
    assert "still open" not in text
