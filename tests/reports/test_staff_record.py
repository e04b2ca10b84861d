"""Staff recording a report on someone's behalf at /staff/reports/new/."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from steward.cases.messages import SecurityAlert
from steward.cases.models import TimelineEvent
from steward.core.models import AuditEntry
from steward.reports.models import Evidence, Report
from tests.conftest import login, make_staff, queued

from .helpers import CODE_RE, NARRATIVE, png_upload, snapshot

pytestmark = pytest.mark.django_db
URL = "/staff/reports/new/"


def staff_data(client: Client, **overrides):
    page = client.get(URL)
    assert page.status_code == 200
    data = {
        "channel": "phone", "narrative": NARRATIVE, "reporter_role": "witness", "ongoing": "unknown",
        "danger_now": "no", "consent_contact_reported": "no", "consent_name_to_reported": "no",
        "anonymous": "anonymous", "preferred_language": "en", "submission": page.context["form"]["submission"].initial,
    }
    data.update(overrides)
    return data


def test_the_form_offers_every_channel_but_the_web_form(triager):
    response = login(triager).get(URL)

    assert response.status_code == 200
    channels = [value for value, _ in response.context["form"].fields["channel"].choices]
    assert "web" not in channels
    assert {"email", "phone", "in_person", "moderator"} <= set(channels)


def test_a_triager_records_a_report(triager):
    client = login(triager)

    response = client.post(URL, staff_data(client, channel="phone"), REMOTE_ADDR="198.51.100.9")

    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.channel == Report.Channel.PHONE
    assert report.recorded_by == triager
    assert report.narrative == NARRATIVE
    assert report.reporter_role == Report.ReporterRole.WITNESS
    code = response.context["code"]
    assert CODE_RE.match(code)
    assert code in response.content.decode()
    assert f"/staff/cases/{report.case_id}/" in response.content.decode()
    assert TimelineEvent.objects.filter(case=report.case, kind="opened", data__channel="phone").exists()
    entry = AuditEntry.objects.get(action="report.submit")
    assert (entry.actor, entry.actor_kind, entry.ip) == (triager, "staff", "198.51.100.9")
    assert entry.detail["channel"] == "phone"
    assert AuditEntry.objects.get(action="case.open").actor_kind == "staff"


def test_a_case_handler_may_record_with_evidence(handler):
    client = login(handler)

    response = client.post(URL, {**staff_data(client, channel="email"), "evidence": [png_upload()]})

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.channel, report.recorded_by) == (Report.Channel.EMAIL, handler)
    assert Evidence.objects.get().report == report


def test_the_channel_is_required_and_web_is_not_a_choice(triager):
    client = login(triager)
    before = snapshot()

    for channel in ["", "web"]:
        response = client.post(URL, staff_data(client, channel=channel))
        assert response.status_code == 400
        assert response.context["form"].errors["channel"]
        assert "How was the report received?: " in response.content.decode()

    assert snapshot() == before


def test_bad_input_is_refused_and_nothing_stored(triager):
    client = login(triager)
    before = snapshot()

    response = client.post(URL, staff_data(client, narrative="", anonymous="contact"))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["narrative"] == ["Please tell us what happened."]
    assert form.errors["contact_email"] == ["Give an email address, or choose to stay anonymous."]
    assert snapshot() == before


def test_a_double_submit_shows_the_same_code_and_stores_nothing(triager):
    client = login(triager)
    data = staff_data(client)
    first = client.post(URL, data)
    assert first.status_code == 200
    before = snapshot()

    response = client.post(URL, data)

    assert response.status_code == 200
    assert response.context["code"] == first.context["code"]
    assert "We had already received this report. Here is its receipt code again." in response.content.decode()
    assert snapshot() == before


def test_the_recording_form_chooses_no_answer_about_danger_in_advance(triager):
    client = login(triager)
    page = client.get(URL).content.decode()
    assert 'name="danger_now" value="no" required' not in page
    assert not [tag for tag in page.split("<input")[1:] if 'name="danger_now"' in tag and "checked" in tag]

    data = staff_data(client)
    del data["danger_now"]
    assert client.post(URL, data).status_code == 200
    assert Report.objects.get().danger_now is None


def test_files_are_kept_when_the_recording_form_comes_back_for_a_correction(triager):
    client = login(triager)
    data = staff_data(client)

    first = client.post(URL, {**data, "narrative": "", "evidence": png_upload("call-notes.png")})

    assert first.status_code == 400
    assert "Attached: call-notes.png" in first.content.decode()
    assert client.post(URL, data).status_code == 200
    assert [e.name for e in Evidence.objects.all()] == ["call-notes.png"]


def test_anonymous_visitors_are_sent_to_the_login_page():
    client = Client()
    for response in (client.get(URL), client.post(URL, {"narrative": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/?next=")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("roles", [(), ("administrator",), ("auditor",)])
def test_staff_without_an_intake_role_are_refused(roles, triager):
    outsider = make_staff("olga", *roles)
    data = staff_data(login(triager))
    client = login(outsider)

    assert client.get(URL).status_code == 403
    assert client.post(URL, data).status_code == 403
    assert Report.objects.count() == 0


def test_an_account_that_is_not_staff_is_refused(db):
    member = User.objects.create_user("member", "member@example.org", "correct horse battery staple 42")
    assert login(member).get(URL).status_code == 404  # no staff page exists for an account without staff access


def test_a_recorded_report_of_danger_is_p1_and_alerts_security(triager):
    client = login(triager)
    data = staff_data(client, channel="in_person", danger_now="yes")
    response = client.post(URL, data)

    assert response.status_code == 200
    case = Report.objects.get().case
    assert case.priority == "P1"
    assert queued(SecurityAlert) == [SecurityAlert(case=case.pk)]
