"""The reporter's follow-up portal: a receipt code opens the report in this browser session;
the reporter sees status, handler, messages and the decision, and can reply."""

from __future__ import annotations

import pytest
from django.test import Client

from steward.cases import services as cases
from steward.cases.messages import AssigneeNotice
from steward.cases.models import Case, Status, TimelineEvent
from steward.core import audit
from steward.core.models import AuditEntry
from steward.decisions import services as decisions
from steward.decisions.models import Outcome
from steward.reports import receipts
from steward.reports import services as reports
from steward.reports.models import Evidence, Message
from steward.reports.views import SESSION_KEY
from tests.conftest import queued

from .helpers import EXE_BYTES, png_upload, snapshot, stored_files, text_upload, upload

pytestmark = pytest.mark.django_db
NOT_FOUND = "We could not find a report with that code. Check the code and try again."


@pytest.fixture
def filed(file_report):
    """A report and its receipt code."""
    return file_report()


def open_report(code: str) -> Client:
    client = Client()
    response = client.post("/follow-up/", {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/follow-up/case/"
    return client


def test_the_code_form_renders():
    response = Client().get("/follow-up/")
    assert response.status_code == 200
    assert "Receipt code" in response.content.decode()


@pytest.mark.parametrize("code", ["AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "not a code", "", "AAAAA"])
def test_a_wrong_code_gets_one_generic_error(filed, code):
    client = Client()
    response = client.post("/follow-up/", {"code": code})

    assert response.status_code == 400
    assert NOT_FOUND in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get("/follow-up/case/")["Location"] == "/follow-up/"


def test_the_right_code_opens_the_report_page(filed):
    report, code = filed
    client = open_report(code)

    assert client.session[SESSION_KEY] == report.pk
    page = client.get("/follow-up/case/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your report" in text
    assert "Received — waiting to be read" in text
    assert "The community team" in text
    assert "No messages yet." in text
    assert AuditEntry.objects.filter(action="report.follow_up", actor_kind="reporter", ip=None).exists()


def test_the_code_is_forgiving_about_case_spaces_and_confusable_letters(monkeypatch, file_report):
    monkeypatch.setattr(receipts, "new_code", lambda: "0A1B2-C3D4E-5F6G7-H8J9K-M0N0P")
    report, code = file_report()
    assert code == "0A1B2-C3D4E-5F6G7-H8J9K-M0N0P"

    for typed in ["0a1b2-c3d4e-5f6g7-h8j9k-m0n0p", " oa1b2 c3d4e 5f6g7 h8j9k monop ", "OAIB2C3D4E5F6G7H8J9KMONOP",
                  "0alb2 - c3d4e - 5f6g7 - h8j9k - m0n0p"]:
        client = open_report(typed)
        assert client.session[SESSION_KEY] == report.pk


def test_a_real_random_code_typed_in_lower_case_with_spaces_works(filed):
    report, code = filed
    client = open_report("  " + code.lower().replace("-", " ") + "  ")
    assert client.session[SESSION_KEY] == report.pk


def test_opening_a_report_starts_a_fresh_session(filed):
    _, code = filed
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    earlier = session.session_key

    client.post("/follow-up/", {"code": code})

    assert client.session.session_key != earlier


def test_too_many_wrong_codes_lock_out_even_the_right_one(settings, filed):
    settings.STEWARD_FOLLOWUP_RATE = (3, 10**9)
    _, code = filed
    client = Client()
    for _ in range(3):
        assert client.post("/follow-up/", {"code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"}).status_code == 400

    response = client.post("/follow-up/", {"code": code})

    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    assert "conduct@example.org" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_few_mistakes_do_not_lock_out_the_right_code(settings, filed):
    settings.STEWARD_FOLLOWUP_RATE = (3, 10**9)
    report, code = filed
    client = Client()
    for _ in range(2):
        client.post("/follow-up/", {"code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"})
    response = client.post("/follow-up/", {"code": code})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == report.pk


def test_the_handler_first_name_is_shown_after_assignment(filed, triager, handler):
    report, code = filed
    client = open_report(code)
    cases.assign_case(report.case, by=triager, assignee=handler)

    text = client.get("/follow-up/case/").content.decode()

    assert "Hana" in text
    assert handler.username not in text
    assert handler.email not in text


def test_staff_messages_are_shown_and_marked_read(filed, triager):
    report, code = filed
    message = reports.message_reporter(report, by=triager, body="Could you tell us which channel it was in?")
    client = open_report(code)

    text = client.get("/follow-up/case/").content.decode()

    assert "Could you tell us which channel it was in?" in text
    assert "Tara" in text
    message.refresh_from_db()
    assert message.read_at is not None


def test_the_status_and_decision_summary_are_shown_once_decided(filed, triager):
    report, code = filed
    client = open_report(code)
    assert "Decision" not in client.get("/follow-up/case/").content.decode()

    Case.objects.filter(pk=report.case_id).update(status=Status.AWAITING_DECISION)
    decisions.record_decision(report.case, by=triager, outcome=Outcome.NO_VIOLATION,
                              reporter_summary="The person you reported is suspended from the forum for three months.",
                              rationale="Recorded for the test.",
                              departure_reason="Recorded for the test.")

    text = client.get("/follow-up/case/").content.decode()
    assert "Decided" in text
    assert "The person you reported is suspended from the forum for three months." in text


def test_internal_notes_and_staff_reasons_never_reach_the_reporter(filed, triager):
    report, code = filed
    cases.add_note(report.case, by=triager, body="INTERNAL-NOTE-CANARY: reporter seems credible")
    Case.objects.filter(pk=report.case_id).update(status=Status.AWAITING_DECISION)
    cases.move_case(report.case, by=triager, to=Status.CLOSED, reason="INTERNAL-REASON-CANARY")
    client = open_report(code)

    text = client.get("/follow-up/case/").content.decode()

    assert "INTERNAL-NOTE-CANARY" not in text
    assert "INTERNAL-REASON-CANARY" not in text
    assert "Closed" in text


def test_reporters_on_a_merged_case_do_not_see_each_other(file_report, triager):
    first, first_code = file_report(narrative="FIRST-NARRATIVE-CANARY: insults in the chat room.")
    second, second_code = file_report(narrative="SECOND-NARRATIVE-CANARY: insults in the chat room.")
    reports.message_reporter(second, by=triager, body="MESSAGE-FOR-SECOND-ONLY")
    cases.merge_cases(first.case, [second.case], by=triager)

    text = open_report(first_code).get("/follow-up/case/").content.decode()
    assert "MESSAGE-FOR-SECOND-ONLY" not in text
    assert "SECOND-NARRATIVE-CANARY" not in text
    assert "MESSAGE-FOR-SECOND-ONLY" in open_report(second_code).get("/follow-up/case/").content.decode()


def test_a_reply_with_text_and_a_file_reaches_the_handler(filed, triager, handler):
    report, code = filed
    cases.assign_case(report.case, by=triager, assignee=handler)
    client = open_report(code)
    notices_before = len(queued(AssigneeNotice))

    response = client.post("/follow-up/case/", {"body": "It happened again yesterday, screenshot attached.",
                                                "files": [png_upload("again.png")]})

    assert response.status_code == 302
    assert response["Location"] == "/follow-up/case/"
    message = Message.objects.get(direction=Message.Direction.FROM_REPORTER)
    assert message.report == report
    assert message.author is None
    assert message.body == "It happened again yesterday, screenshot attached."
    assert b"It happened again" not in bytes(message.body_sealed)
    evidence = Evidence.objects.get()
    assert (evidence.report, evidence.message, evidence.name) == (report, message, "again.png")
    assert stored_files() == [evidence.stored_name]
    kinds = list(TimelineEvent.objects.filter(case=report.case).values_list("kind", flat=True))
    assert "message_from_reporter" in kinds and "evidence_added" in kinds
    assert queued(AssigneeNotice)[notices_before:] == [AssigneeNotice(case=report.case_id, reason="reporter_message")]
    assert AuditEntry.objects.filter(action="report.reply", actor_kind="reporter", ip=None).exists()

    page = client.get("/follow-up/case/")
    text = page.content.decode()
    assert "Thank you. Your message was sent to the people handling your report." in text
    assert "It happened again yesterday, screenshot attached." in text
    assert "again.png" in text


def test_a_file_alone_is_a_valid_reply(filed):
    report, code = filed
    client = open_report(code)

    response = client.post("/follow-up/case/", {"body": "", "files": [text_upload("more.txt")]})

    assert response.status_code == 302
    message = Message.objects.get()
    assert message.body == ""
    assert message.files.get().name == "more.txt"
    kinds = set(TimelineEvent.objects.filter(case=report.case).values_list("kind", flat=True))
    assert "evidence_added" in kinds and "message_from_reporter" not in kinds


def test_a_reply_on_an_unassigned_case_notifies_nobody(filed):
    _, code = filed
    client = open_report(code)
    client.post("/follow-up/case/", {"body": "One more thing."})
    assert Message.objects.count() == 1
    assert queued(AssigneeNotice) == []


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_an_empty_reply_gets_a_clear_error(filed, body):
    _, code = filed
    client = open_report(code)
    before = snapshot()

    response = client.post("/follow-up/case/", {"body": body})

    assert response.status_code == 400
    assert "Write a message or choose a file to send." in response.content.decode()
    assert snapshot()["messages"] == before["messages"]
    assert snapshot()["timeline"] == before["timeline"]


def test_a_reply_with_a_disguised_file_is_refused_and_stores_nothing(filed):
    _, code = filed
    client = open_report(code)
    before = snapshot()

    response = client.post("/follow-up/case/", {"body": "Here is the log.", "files": [upload("log.txt", EXE_BYTES)]})

    assert response.status_code == 400
    assert "“log.txt” is not a type we accept" in response.content.decode()
    assert "Add files (optional): " in response.content.decode()
    after = snapshot()
    assert (after["messages"], after["evidence"], after["files"], after["timeline"]) == (
        before["messages"], before["evidence"], before["files"], before["timeline"])


def test_a_crash_while_replying_leaves_no_message_or_file(filed, monkeypatch):
    _, code = filed
    client = open_report(code)
    before = snapshot()
    original = audit.record

    def failing(actor, action, *args, **kwargs):
        entry = original(actor, action, *args, **kwargs)
        if action == "report.reply":
            raise RuntimeError("simulated crash")
        return entry

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        client.post("/follow-up/case/", {"body": "with a file", "files": [png_upload()]})

    after = snapshot()
    assert (after["messages"], after["evidence"], after["files"], after["timeline"]) == (
        before["messages"], before["evidence"], before["files"], before["timeline"])


def test_without_a_code_in_the_session_the_page_redirects_to_the_code_form(filed):
    client = Client()
    assert client.get("/follow-up/case/")["Location"] == "/follow-up/"
    response = client.post("/follow-up/case/", {"body": "Trying without a code."})
    assert response.status_code == 302
    assert response["Location"] == "/follow-up/"
    assert Message.objects.count() == 0


def test_leaving_clears_the_session(filed):
    _, code = filed
    client = open_report(code)

    response = client.post("/follow-up/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/follow-up/"
    assert SESSION_KEY not in client.session
    assert client.get("/follow-up/case/")["Location"] == "/follow-up/"


def test_leaving_needs_a_post(filed):
    _, code = filed
    client = open_report(code)
    assert client.get("/follow-up/leave/").status_code == 405
    assert client.session[SESSION_KEY]
