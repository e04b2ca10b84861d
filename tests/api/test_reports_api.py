"""Submitting a report and following it up through the API: the form's validation and messages,
the intake service, the pages' rate limits (per token), idempotent retries, evidence files."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from steward.cases.models import Case, Party, Priority
from steward.core.api import Scope
from steward.core.models import AuditEntry
from steward.reports import services as report_services
from steward.reports.models import Evidence, Message, Report
from tests.api.conftest import ApiClient
from tests.conftest import file_received_reports, png_bytes

NARRATIVE = "He kept sending me insulting messages in the project chat for weeks."


def submit(client: ApiClient, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/api/reports/", body, content_type="application/json", headers=headers)


def test_a_submitted_report_opens_a_case_and_returns_its_receipt_code(submitter, space):
    response = submit(submitter, {
        "narrative": NARRATIVE, "danger_now": True, "ongoing": "yes", "space": space.pk, "location": "#general",
        "occurred_date": "2026-11-20", "occurred_time": "18:30", "reporter_role": "affected",
        "accounts": [{"system": "github", "handle": "rude-dev"}], "anonymous": False, "contact_name": "Ana",
        "contact_email": "ana@example.net", "consent_contact_reported": True, "preferred_language": "es"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["danger_now"] is True and body["repeated"] is False and body["ack_hours"] > 0
    report = report_services.find_report(body["receipt_code"])
    assert report is not None
    assert report.narrative == NARRATIVE and report.location == "#general" and report.contact_email == "ana@example.net"
    assert report.channel == Report.Channel.WEB and report.recorded_by is None and report.preferred_language == "es"
    assert report.case.priority == Priority.P1  # danger: P1 from the first second, as from the form
    assert Party.objects.filter(case=report.case, role=Party.Role.REPORTED).count() == 1
    entry = AuditEntry.objects.get(action="report.submit")
    assert entry.actor_kind == "reporter" and entry.actor is None and entry.ip is None


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"narrative": ""}, "narrative", "Please tell us what happened."),
    ({"narrative": NARRATIVE, "anonymous": False}, "contact_email", "Give an email address, or choose to stay anonymous."),
    ({"narrative": NARRATIVE, "contact_email": "not-an-address"}, "contact_email", "Enter a valid email address"),
    ({"narrative": NARRATIVE, "occurred_date": "2999-01-01"}, "occurred_date", "The date is in the future."),
    ({"narrative": NARRATIVE, "occurred_time": "10:00"}, "occurred_date", "Give the date as well as the time"),
    ({"narrative": NARRATIVE, "space": 987654}, "space", "That space is not one of the choices."),
    ({"narrative": NARRATIVE, "categories": ["not-a-category"]}, "categories", "is not one of the choices"),
    ({"narrative": NARRATIVE, "accounts": [{"system": "github", "handle": ""}]}, "accounts.0.handle",
     "Give the account name, or clear the system."),
    ({"narrative": "x" * 20001}, "narrative", "at most 20000 characters"),
    ({"narrative": NARRATIVE, "danger_now": "perhaps"}, "danger_now", "Must be a valid boolean."),
    ({"narrative": ["a", "list"]}, "narrative", "Not a valid string."),
    ({}, "narrative", "This field is required."),
])
def test_refused_input_names_the_field_with_the_forms_message_and_stores_nothing(submitter, body, field, message):
    response = submit(submitter, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(message in text for text in errors[field]), errors
    assert not Report.objects.exists() and not Case.objects.exists()
    assert NARRATIVE.encode() not in response.content


def test_a_body_that_is_not_json_is_refused(submitter):
    response = submitter.post("/api/reports/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert not Report.objects.exists()


def test_a_retry_with_the_same_idempotency_key_answers_the_same_receipt_code(submitter, make_token):
    first = submit(submitter, {"narrative": NARRATIVE}, **{"Idempotency-Key": "forum-post-4711"})
    again = submit(submitter, {"narrative": NARRATIVE}, **{"Idempotency-Key": "forum-post-4711"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["receipt_code"] == first.json()["receipt_code"] and again.json()["repeated"] is True
    file_received_reports()  # the worker files them a moment later
    assert Report.objects.count() == 1
    # Another token's key is its own: the same words from another tool are another report.
    other = submit(ApiClient(make_token(Scope.REPORTS_SUBMIT, name="Chat bot")), {"narrative": NARRATIVE},
                   **{"Idempotency-Key": "forum-post-4711"})
    assert other.status_code == 201 and other.json()["receipt_code"] != first.json()["receipt_code"]
    assert submit(submitter, {"narrative": NARRATIVE}).status_code == 201  # no key: a new report each time
    file_received_reports()  # the worker files them a moment later
    assert Report.objects.count() == 3


def test_a_bad_idempotency_key_is_refused(submitter):
    response = submit(submitter, {"narrative": NARRATIVE}, **{"Idempotency-Key": "has spaces in it"})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Report.objects.exists()


def test_the_intake_rate_limit_counts_accepted_reports_per_token(submitter, make_token, settings):
    settings.STEWARD_INTAKE_RATE = (2, 3600)
    assert submit(submitter, {"narrative": ""}).status_code == 400  # refused input does not count
    assert submit(submitter, {"narrative": NARRATIVE}).status_code == 201
    assert submit(submitter, {"narrative": NARRATIVE}).status_code == 201
    limited = submit(submitter, {"narrative": NARRATIVE})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert set(limited.json()) == {"detail"}
    file_received_reports()  # the worker files them a moment later
    assert Report.objects.count() == 2
    other = ApiClient(make_token(Scope.REPORTS_SUBMIT, name="Chat bot"))
    assert submit(other, {"narrative": NARRATIVE}).status_code == 201


def test_evidence_files_go_through_the_forms_checks(submitter):
    response = submitter.post("/api/reports/", {
        "narrative": NARRATIVE, "evidence": [SimpleUploadedFile("shot.png", png_bytes(), content_type="image/png")]})
    assert response.status_code == 201, response.json()
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png" and evidence.name == "shot.png"
    refused = submitter.post("/api/reports/", {
        "narrative": NARRATIVE, "evidence": [SimpleUploadedFile("shot.png", b"MZ\x90\x00 not an image")]})
    assert refused.status_code == 400 and "is not a type we accept" in refused.json()["errors"]["evidence"][0]
    assert Report.objects.count() == 1 and Evidence.objects.count() == 1


# Follow-up by receipt code.

def follow(client: ApiClient, code: str) -> Any:
    return client.post("/api/follow-up/", {"code": code}, content_type="application/json")


def test_the_follow_up_shows_what_the_follow_up_page_shows(follower, file_report, handler, triager):
    report, code = file_report()
    Case.objects.filter(pk=report.case_id).update(assignee=handler)
    report.case.refresh_from_db()
    report_services.message_reporter(report, by=triager, body="Could you tell us when this started?")
    report_services.reporter_reply(report, body="It started in October.", files=[])
    response = follow(follower, code.lower().replace("-", " "))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "new" and body["status_label"] == "Received — waiting to be read"
    assert body["handler"] == "Hana" and body["due_at"] is not None and body["decision_summary"] is None
    assert [(m["direction"], m["author"], m["body"]) for m in body["messages"]] == [
        ("to_reporter", "Tara", "Could you tell us when this started?"), ("from_reporter", "", "It started in October.")]
    assert Message.objects.get(direction=Message.Direction.TO_REPORTER).read_at is not None
    assert AuditEntry.objects.filter(action="report.follow_up", actor_kind="reporter").count() == 1


def test_the_follow_up_shows_the_decision_and_where_to_appeal(follower, file_report, settings):
    report, code = file_report()
    case = report.case
    case.status, case.decision_summary = "decided", "A temporary ban from the chat."
    case.save()
    body = follow(follower, code).json()
    assert body["decision_summary"] == "A temporary ban from the chat."
    assert body["appeal_contact"] == settings.STEWARD_CONTACT_EMAIL
    assert body["carried_out_on"] is None  # no rollout has finished carrying it out


def test_a_wrong_code_is_not_found_and_counts_towards_the_limit(follower, file_report, settings):
    settings.STEWARD_FOLLOWUP_RATE = (2, 900)
    _report, code = file_report()
    assert follow(follower, code).status_code == 200  # a right code does not count
    wrong = follow(follower, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
    assert wrong.status_code == 404 and "could not find a report" in wrong.json()["detail"]
    assert follow(follower, "not a code").status_code == 404
    limited = follow(follower, code)
    assert limited.status_code == 429 and "Retry-After" in limited


def test_the_code_is_never_taken_from_the_url(follower, file_report):
    _report, code = file_report()
    assert follower.get("/api/follow-up/", {"code": code}).status_code == 405
    assert follower.post(f"/api/follow-up/?code={code}", {}, content_type="application/json").status_code == 400


def test_an_erased_report_says_so_and_nothing_else(follower, file_report):
    report, code = file_report()
    Case.objects.filter(pk=report.case_id).update(erased_at=timezone.now() - datetime.timedelta(minutes=1))
    body = follow(follower, code).json()
    assert body["erased"] is True and body["messages"] == [] and body["decision_summary"] is None
