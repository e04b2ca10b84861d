"""The form answers nothing for the reporter: "Is anyone in danger right now?" starts unanswered,
an unanswered question is stored as unknown and shown as "not said", and the form's promise
"only the first question is required" is true."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from steward.reports.forms import ReportForm
from steward.reports.models import Report
from tests.conftest import file_received_reports, login

from .helpers import report_data

pytestmark = pytest.mark.django_db


def radio_inputs(page: str, name: str) -> list[str]:
    return [tag for tag in re.findall(r"<input[^>]*>", page) if f'name="{name}"' in tag]


def test_no_answer_about_danger_is_chosen_in_advance():
    page = Client().get("/report/").content.decode()

    radios = radio_inputs(page, "danger_now")
    assert len(radios) == 2
    assert not [tag for tag in radios if "checked" in tag]


def test_an_unanswered_danger_question_is_stored_as_unknown_and_shown_as_not_said(triager):
    client = Client()
    data = report_data(client)
    del data["danger_now"]

    response = client.post("/report/", data)
    file_received_reports()

    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.danger_now is None
    assert report.case.danger is False and report.case.priority is None
    case_page = login(triager).get(f"/staff/cases/{report.case_id}/").content.decode()
    assert re.search(r"<dt>Danger now</dt><dd>\s*not said\s*</dd>", case_page), case_page


@pytest.mark.parametrize(("answer", "stored"), [("no", False), ("yes", True)])
def test_an_answer_about_danger_is_stored_as_given(answer, stored):
    client = Client()
    assert client.post("/report/", report_data(client, danger_now=answer)).status_code == 200
    file_received_reports()
    assert Report.objects.get().danger_now is stored


def test_the_involvement_question_is_optional_and_shown_as_not_said(triager):
    client = Client()
    response = client.post("/report/", report_data(client, reporter_role=None))
    file_received_reports()

    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.reporter_role == ""
    case_page = login(triager).get(f"/staff/cases/{report.case_id}/").content.decode()
    assert "involvement not said" in case_page


def test_only_the_first_question_needs_an_answer():
    """What the form promises: every other question may be left as the form first shows it."""
    form = ReportForm()
    page = Client().get("/report/").content.decode()
    assert "Only the first question is required." in page
    must_answer = [name for name, field in form.fields.items()
                   if field.required and form.get_initial_for_field(field, name) in (None, "")]
    assert must_answer == ["narrative"]


def test_a_report_with_only_what_happened_is_filed():
    client = Client()
    token = client.get("/report/").context["form"]["submission"].initial
    form_defaults = {"ongoing": "unknown", "consent_contact_reported": "no", "consent_name_to_reported": "no",
                     "anonymous": "anonymous", "preferred_language": "en"}  # what the form shows already chosen

    response = client.post("/report/", {"narrative": "He insulted me in the chat.", "submission": token, **form_defaults})
    file_received_reports()

    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    assert (report.danger_now, report.reporter_role) == (None, "")
