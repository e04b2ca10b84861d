"""Export for access requests: what goes in for each way a person is connected, and who may ask."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from steward.cases import services as cases
from steward.cases.models import Party
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.reports import services as reports
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from steward.retention.export import export_person
from tests.conftest import login

from .conftest import awaiting
from .helpers import decide


@pytest.fixture
def world(file_report, triager, decision_maker):
    report, _ = file_report(narrative="Mallory insulted me repeatedly in the issue tracker.", anonymous=False,
                            contact_name="Rita", contact_email="Rita@Example.org", wishes="An apology.",
                            accounts=[Account("github", "mallory")],
                            files=[CleanFile(name="screenshot.txt", content_type="text/plain", data=b"log")])
    reports.message_reporter(report, by=triager, body="Could you tell us when it started?")
    reports.reporter_reply(report, body="Last spring.", files=[])
    cases.add_party(report.case, system="github", handle="rita", role=Party.Role.REPORTER, by=triager)
    cases.add_note(report.case, by=triager, body="Internal: talked to the maintainers.")
    case = awaiting(report.case)
    decide(case, decision_maker, "temporary_ban", days=30, summary="A ban of 30 days.",
           rationale="Internal reasons naming the reporter Rita.")
    other, _ = file_report(narrative="Someone else's report about Mallory.", anonymous=False,
                           contact_email="other@example.org", accounts=[Account("github", "mallory")])
    return case, report, other


def test_the_reported_person_gets_their_accounts_cases_and_the_decisions_about_them(world, administrator):
    case, _, other = world
    document = export_person(by=administrator, system="github", handle="@Mallory")
    assert [a["handle"] for a in document["person"]["accounts"]] == ["mallory"]
    assert [c["case"] for c in document["cases"]] == [case.reference, other.case.reference]
    first = document["cases"][0]
    assert first["role"] == "reported" and first["status"] == "decided"
    assert first["decisions"][0]["outcome"] == "temporary_ban" and first["decisions"][0]["ends_on"]
    assert document["person"]["decisions"][0]["outcome"] == "temporary_ban"
    text = json.dumps(document)
    for withheld in ("insulted", "Rita", "Internal", "apology", "Last spring", "A ban of 30 days"):
        assert withheld not in text  # the reports, the reporter, notes and reasons concern other people
    assert document["reports"] == []


def test_the_reporter_gets_their_own_reports_in_full_by_email(world, administrator):
    case, report, _ = world
    document = export_person(by=administrator, system="github", handle="rita", email="rita@example.org")
    assert [c["role"] for c in document["cases"]] == ["reporter"]
    assert document["cases"][0]["decision_summary"] == "A ban of 30 days."
    [mine] = document["reports"]
    assert mine["report"] == report.reference and mine["case"] == case.reference
    assert mine["narrative"] == "Mallory insulted me repeatedly in the issue tracker."
    assert mine["contact_name"] == "Rita" and mine["wishes"] == "An apology."
    assert [(m["direction"], m["body"]) for m in mine["messages"]] == [
        ("to_reporter", "Could you tell us when it started?"), ("from_reporter", "Last spring.")]
    assert [f["name"] for f in mine["files"]] == ["screenshot.txt"]
    text = json.dumps(document)
    assert "Internal" not in text and "Someone else" not in text


def test_an_erased_report_is_listed_as_erased(world, administrator, decision_maker, django_capture_on_commit_callbacks):
    from steward.retention.erasure import erase_case

    _, _, other = world
    with django_capture_on_commit_callbacks(execute=True):
        erase_case(other.case, by=decision_maker, reason="request")
    document = export_person(by=administrator, email="other@example.org")
    assert document["reports"] == []  # erasure removed the email's index as well
    document = export_person(by=administrator, system="github", handle="mallory")
    # No ban was decided there: erasing it removed the person's link to that case too.
    assert [c["case"] for c in document["cases"]] == [world[0].reference]


def test_unknown_people_get_an_empty_document(world, administrator):
    document = export_person(by=administrator, system="gitlab", handle="nobody", email="nobody@example.org")
    assert document["person"] is None and document["cases"] == [] and document["reports"] == []


def test_the_export_is_audited_without_content(world, administrator):
    export_person(by=administrator, system="github", handle="mallory", ip="192.0.2.4")
    entry = AuditEntry.objects.filter(action="person.export").get()
    assert entry.actor == administrator and entry.object_type == "person"
    assert entry.detail == {"by_account": True, "by_email": False, "found_person": True, "cases": 2, "reports": 0}


def test_nothing_to_look_up_is_refused(administrator):
    with pytest.raises(DomainError, match="Give an account"):
        export_person(by=administrator)


def test_only_administrators_may_export(world, triager, decision_maker, handler):
    for user in (triager, decision_maker, handler):
        with pytest.raises(Denied):
            export_person(by=user, system="github", handle="mallory")
    assert not AuditEntry.objects.filter(action="person.export").exists()


# --- the page ----------------------------------------------------------------------


def test_the_page_returns_a_download_that_is_not_stored(world, administrator):
    client = login(administrator)
    assert client.get("/staff/people/export/").status_code == 200
    response = client.post("/staff/people/export/", {"system": "github", "handle": "mallory", "email": ""})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="steward-access-request-')
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["person"]["accounts"][0]["handle"] == "mallory"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Give an account (system and name) or an email address."),
    ({"system": "github"}, "Give both the system and the account name, or neither."),
    ({"handle": "mallory"}, "Give both the system and the account name, or neither."),
    ({"email": "not an email"}, "Enter a valid email address."),
    ({"system": "myspace", "handle": "x"}, "Select a valid choice."),
])
def test_bad_input_is_named(world, administrator, data, message):
    response = login(administrator).post("/staff/people/export/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(action="person.export").exists()


def test_others_are_refused_and_a_stale_sign_in_must_reauthenticate(world, triager, decision_maker, administrator):
    for user in (triager, decision_maker):
        assert login(user).post("/staff/people/export/", {"system": "github", "handle": "mallory"}).status_code == 403
    assert Client().get("/staff/people/export/").status_code == 302
    stale = login(administrator, at=time.time() - 3 * 3600)
    response = stale.post("/staff/people/export/", {"system": "github", "handle": "mallory"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert not AuditEntry.objects.filter(action="person.export").exists()
