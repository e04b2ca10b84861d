"""The case queue and one case through the API, for a `cases:read` token: exactly the owner's need
to know, the queue page's filters and paging, audited like the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from steward.cases import services as case_services
from steward.cases.models import Case, CaseReading, Consultation
from steward.core.api import Scope
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from tests.api.conftest import ApiClient
from tests.conftest import make_staff, png_bytes
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import decide


@pytest.fixture
def reader(make_token, triager) -> ApiClient:
    return ApiClient(make_token(Scope.CASES_READ, owner=triager))


def consult(case: Case, consultant: User, by: User, parts: set[str]) -> Consultation:
    consultation = Consultation(
        case=case, consultant=consultant, kind="legal", requested_by=by,
        **{f"shares_{part}": part in parts for part in ("summary", "reports", "evidence", "notes", "parties")})
    consultation.question = "Is this defamation?"
    consultation.save(force_insert=True)
    return consultation


def test_the_queue_lists_what_the_queue_page_shows_and_is_audited(reader, triager, file_report):
    first, _code = file_report()
    second, _code = file_report(narrative="Someone was harassed at the meetup after the talks.", danger_now=True)
    case_services.set_case_title(first.case, by=triager, title="Insults in chat")
    response = reader.get("/api/cases/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["page"] == 1 and body["pages"] == 1
    assert [row["reference"] for row in body["results"]] == [second.case.reference, first.case.reference]  # P1 first
    assert body["results"][1]["title"] == "Insults in chat" and body["results"][0]["danger"] is True
    entry = AuditEntry.objects.get(action="case.queue")
    assert entry.actor == triager and entry.detail == {"cases": [second.case.pk, first.case.pk]}
    assert b"insulting" not in response.content  # the queue shows no report text


def test_the_queue_filters_and_pages_like_the_queue_page(reader, file_report, settings):
    report, _code = file_report()
    file_report(danger_now=True)
    assert [r["id"] for r in reader.get("/api/cases/", {"priority": "untriaged"}).json()["results"]] == [report.case_id]
    assert [r["id"] for r in reader.get("/api/cases/", {"q": report.case.reference}).json()["results"]] == [report.case_id]
    assert reader.get("/api/cases/", {"status": "closed"}).json()["count"] == 0


@pytest.mark.parametrize(("query", "field"), [
    ({"status": "sleeping"}, "status"), ({"priority": "P9"}, "priority"), ({"space": "987654"}, "space"),
    ({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"page": "2"}, "page"), ({"assignee": "987654"}, "assignee"),
])
def test_a_bad_filter_names_the_problem(reader, case, query, field):
    response = reader.get("/api/cases/", query)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not AuditEntry.objects.filter(action="case.queue").exists()


def test_a_case_handler_lists_only_the_cases_assigned_to_them(make_token, handler, file_report):
    mine, _code = file_report()
    file_report()
    Case.objects.filter(pk=mine.case_id).update(assignee=handler)
    client = ApiClient(make_token(Scope.CASES_READ, owner=handler))
    assert [row["id"] for row in client.get("/api/cases/").json()["results"]] == [mine.case_id]


def test_a_case_reads_as_on_its_page_audited_once(reader, triager, file_report):
    report, _code = file_report(files=[CleanFile(name="shot.png", content_type="image/png", data=png_bytes())])
    case = report.case
    case_services.add_note(case, by=triager, body="Talked to the moderators.")
    response = reader.get(f"/api/cases/{case.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["full"] is True and body["parts"] == ["evidence", "notes", "parties", "reporter_identity", "reports", "summary"]
    assert body["reports"][0]["narrative"] == "He kept sending me insulting messages in the project chat."
    assert body["reports"][0]["evidence"][0]["name"] == "shot.png"
    assert [note["body"] for note in body["notes"]] == ["Talked to the moderators."]
    assert "triage" in body["actions"] and body["summary"]["status"] == "new"
    assert AuditEntry.objects.filter(action="case.view", actor=triager, object_id=str(case.pk)).count() == 1
    assert CaseReading.objects.filter(case=case, user=triager).exists()  # the reporters' messages count as read


def test_a_decided_case_shows_its_decisions_to_full_readers_only(make_token, reader, triager, file_report):
    report, _code = file_report(accounts=[Account("github", "mallory")])
    case = awaiting(report.case)
    decide(case, make_staff("dora", Role.DECISION_MAKER), summary="A warning was given.", rationale="First time.")
    [decision] = reader.get(f"/api/cases/{case.pk}/").json()["decisions"]
    assert decision["outcome"] == "warning" and decision["decided_by"] == "dora"
    assert decision["reporter_summary"] == "A warning was given." and decision["rationale"] == "First time."
    assert decision["applies_to"] == [{"system": "github", "handle": "mallory"}]
    lawyer = make_staff("lee", Role.CONSULTANT_LEGAL)
    consult(case, lawyer, triager, {"summary", "reports"})
    consulted = ApiClient(make_token(Scope.CASES_READ, owner=lawyer)).get(f"/api/cases/{case.pk}/")
    assert "decisions" not in consulted.json() and b"First time." not in consulted.content


def test_a_narrowly_consulted_consultant_sees_only_what_the_consultation_shares(make_token, triager, file_report):
    report, _code = file_report()
    case = report.case
    case_services.add_note(case, by=triager, body="Talked to the moderators.")
    lawyer = make_staff("lee", Role.CONSULTANT_LEGAL)
    consult(case, lawyer, triager, {"summary"})
    client = ApiClient(make_token(Scope.CASES_READ, owner=lawyer))
    body = client.get(f"/api/cases/{case.pk}/").json()
    assert body["full"] is False and body["parts"] == ["summary"]
    assert "summary" in body and "timeline" in body
    assert not {"reports", "notes", "triages", "parties", "conflicts"} & set(body)
    assert [c["consultant"] for c in body["consultations"]] == ["lee"]
    assert b"insulting" not in client.get(f"/api/cases/{case.pk}/").content
    assert [row["id"] for row in client.get("/api/cases/").json()["results"]] == [case.pk]


def test_a_consultant_shown_the_reports_but_not_the_evidence_gets_no_files(make_token, triager, file_report):
    report, _code = file_report(files=[CleanFile(name="shot.png", content_type="image/png", data=png_bytes())])
    lawyer = make_staff("lee", Role.CONSULTANT_LEGAL)
    consult(report.case, lawyer, triager, {"summary", "reports"})
    body: dict[str, Any] = ApiClient(make_token(Scope.CASES_READ, owner=lawyer)).get(f"/api/cases/{report.case_id}/").json()
    assert body["reports"][0]["narrative"].startswith("He kept sending me")
    assert "evidence" not in body["reports"][0] and "notes" not in body


def test_a_consultation_withdrawn_ends_the_tokens_access_at_once(make_token, triager, file_report):
    report, _code = file_report()
    lawyer = make_staff("lee", Role.CONSULTANT_LEGAL)
    consultation = consult(report.case, lawyer, triager, {"summary", "reports"})
    client = ApiClient(make_token(Scope.CASES_READ, owner=lawyer))
    assert client.get(f"/api/cases/{report.case_id}/").status_code == 200
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.WITHDRAWN)
    assert client.get(f"/api/cases/{report.case_id}/").status_code == 404


def test_a_case_declared_conflicted_disappears_from_the_token(reader, triager, case):
    from steward.cases import conflicts

    conflicts.declare_conflict(case, by=triager, reason="I know the reporter.")
    hidden = reader.get(f"/api/cases/{case.pk}/")
    assert hidden.status_code == 404 and hidden.json() == reader.get("/api/cases/987654/").json()
    assert reader.get("/api/cases/").json()["count"] == 0
