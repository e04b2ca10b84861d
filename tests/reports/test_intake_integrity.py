"""Intake is all or nothing: a double submit stores one report (and is answered with the same
receipt code for a day), a crash half-way stores none and leaves no file behind, and anonymous
intake is rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from steward.cases.models import Case
from steward.core import audit, crypto
from steward.reports import held, services
from steward.reports.messages import AcknowledgeReport
from steward.reports.models import ReceivedReport, Report
from tests.conftest import deliver_outbox, file_received_reports, queued

from .helpers import png_upload, report_data, snapshot, stored_files, text_upload

pytestmark = pytest.mark.django_db


def received_code(response) -> str:
    match = re.search(r'<p class="code" id="receipt-code" translate="no">([^<]+)</p>', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def test_a_second_submit_of_the_same_form_shows_the_same_code_and_stores_nothing(django_capture_on_commit_callbacks):
    """A reload, a retry on a slow network or a lost response: the reporter gets their code, not a dead end."""
    client = Client()
    data = report_data(client, anonymous="contact", contact_email="rosa@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/report/", {**data, "evidence": png_upload()})
    assert first.status_code == 200
    code = received_code(first)
    before = snapshot()
    assert len(before["files"]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/report/", {**data, "evidence": png_upload()})

    assert second.status_code == 200
    assert received_code(second) == code
    assert "We had already received this report. Here is its receipt code again." in second.content.decode()
    assert snapshot() == before
    assert len(queued(AcknowledgeReport)) == 1
    assert services.find_report(code) == Report.objects.get()


def test_after_a_day_a_second_submit_is_still_refused_but_the_code_is_gone(settings):
    client = Client()
    data = report_data(client)
    assert client.post("/report/", data).status_code == 200
    ReceivedReport.objects.update(received_at=timezone.now() - ReceivedReport.KEEP_FOR - timedelta(minutes=1))
    before = snapshot()

    response = client.post("/report/", data)

    assert response.status_code == 409
    assert "This report was already received. Use the receipt code you were given to follow it." in response.content.decode()
    assert not response.context.get("code")
    assert snapshot() == before


def test_the_kept_code_opens_only_with_the_form_token():
    intake = services.Intake(narrative="Once is enough, thank you.", reporter_role="witness",
                             submission_token="only-the-browser-knows-this")
    report, code = services.submit_report(intake)
    receipt = ReceivedReport.objects.get(report=report)

    assert code.encode() not in bytes(receipt.code_sealed)
    assert receipt.submission_hash == report.submission_hash  # a keyed hash, never the token itself
    assert "only-the-browser-knows-this" not in receipt.submission_hash
    assert held.open_code("only-the-browser-knows-this", receipt) == code
    assert held.open_code("someone-else-s-token-guess", receipt) is None


def test_the_same_token_through_the_service_raises_duplicate_submission_with_the_code():
    intake = services.Intake(narrative="Once is enough, thank you.", reporter_role="witness", submission_token="same")
    report, code = services.submit_report(intake)
    before = snapshot()

    with pytest.raises(services.DuplicateSubmission) as raised:
        services.submit_report(services.Intake(narrative="Once is enough.", reporter_role="witness",
                                               submission_token="same"))

    assert (raised.value.code, raised.value.report) == (code, report)
    assert snapshot() == before


def test_a_race_past_the_duplicate_check_is_still_refused_and_answered_with_the_code(monkeypatch):
    """Two requests with one token can both pass the first check; the unique hash stops the second."""
    client = Client()
    data = report_data(client)
    first = client.post("/report/", data)
    assert first.status_code == 200
    before = snapshot()
    original = QuerySet.exists
    skipped: list[bool] = []

    def exists_misses_once(self):
        if self.model is ReceivedReport and not skipped:
            skipped.append(True)
            return False
        return original(self)

    monkeypatch.setattr(QuerySet, "exists", exists_misses_once)
    response = client.post("/report/", {**data, "evidence": png_upload()})

    assert skipped == [True]
    assert response.status_code == 200
    assert received_code(response) == received_code(first)
    assert snapshot() == before


def _raise_after(original, *, when):
    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            raise RuntimeError("simulated crash during intake")
        return result
    return wrapper


@pytest.mark.parametrize("crash_point", ["attach", "seal", "audit"])
def test_a_crash_half_way_leaves_no_report_case_key_or_file(monkeypatch, crash_point, django_capture_on_commit_callbacks):
    client = Client()
    client.post("/report/", report_data(client))  # an earlier report must survive untouched
    file_received_reports()
    before = snapshot()
    assert before["reports"] == 1

    if crash_point == "attach":  # after the case, report and the evidence files were written
        monkeypatch.setattr(services, "_attach", _raise_after(services._attach, when=lambda *a, **k: True))
    elif crash_point == "seal":  # after the case and its data key exist, while sealing the report
        monkeypatch.setattr(crypto, "seal", _raise_after(
            crypto.seal, when=lambda key, value, *, field, **_: field == "report.wishes"))
    else:  # the very last write of intake
        monkeypatch.setattr(audit, "record", _raise_after(
            audit.record, when=lambda actor, action, *a, **k: action == "report.submit"))

    data = report_data(client, wishes="Please make it stop.", account_system_1="github", account_handle_1="rude-dev",
                       danger_now="yes", anonymous="contact", contact_email="rosa@example.org")
    data["evidence"] = [png_upload(), text_upload()]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="simulated crash"):
        client.post("/report/", data)

    assert snapshot() == before
    assert stored_files() == before["files"]


def test_after_a_crash_the_same_form_can_be_sent_again(monkeypatch):
    client = Client()
    data = report_data(client)
    before = snapshot()
    with monkeypatch.context() as patch:  # the last row of the answer, the filing message, added to the other two
        patch.setattr(services.outbox, "message_row", _raise_after(services.outbox.message_row, when=lambda *a, **k: True))
        with pytest.raises(RuntimeError):
            client.post("/report/", data)
    assert snapshot() == before

    response = client.post("/report/", data)

    assert response.status_code == 200
    assert len(file_received_reports()) == 1


def test_a_crash_while_filing_keeps_the_received_report_and_files_it_once_later(monkeypatch):
    """The reporter was answered: whatever happens to the worker, the report is filed, once."""
    client = Client()
    code = received_code(client.post("/report/", report_data(client, account_system_1="github",
                                                             account_handle_1="rude-dev")))
    received = ReceivedReport.objects.get()
    answered = snapshot()
    with monkeypatch.context() as patch:
        patch.setattr(services, "_attach", _raise_after(services._attach, when=lambda *a, **k: True))
        with pytest.raises(RuntimeError):
            services.file_received(received.pk)
    assert snapshot() == answered  # no case, no report, no party: and the sealed intake is still there
    assert ReceivedReport.objects.get().intake_sealed

    assert deliver_outbox() == 1  # the worker's filing message, tried again
    report = Report.objects.get()
    assert services.file_received(received.pk) == report  # asked again: filed already, nothing more
    assert services.find_report(code) == report
    assert Report.objects.count() == Case.objects.count() == 1
    assert not ReceivedReport.objects.get().intake_sealed  # filing emptied it


def test_anonymous_intake_is_rate_limited(settings):
    settings.STEWARD_INTAKE_RATE = (2, 10**9)
    client = Client()
    for _ in range(2):
        assert client.post("/report/", report_data(client)).status_code == 200
    before = snapshot()

    response = client.post("/report/", report_data(client))

    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    assert snapshot() == before


def test_the_rate_limit_counts_per_address(settings):
    settings.STEWARD_INTAKE_RATE = (1, 10**9)
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    assert first.post("/report/", report_data(first)).status_code == 200
    assert first.post("/report/", report_data(first)).status_code == 429
    assert second.post("/report/", report_data(second)).status_code == 200
    assert len(file_received_reports()) == 2


def test_reading_the_form_is_not_rate_limited(settings):
    settings.STEWARD_INTAKE_RATE = (1, 10**9)
    client = Client()
    for _ in range(3):
        assert client.get("/report/").status_code == 200


def test_the_same_form_sent_again_before_and_after_filing_gets_the_same_code():
    client = Client()
    data = report_data(client, anonymous="contact", contact_email="rosa@example.org")
    code = received_code(client.post("/report/", data))
    answered = snapshot()

    again = client.post("/report/", data)  # not filed yet

    assert received_code(again) == code
    assert "We had already received this report. Here is its receipt code again." in again.content.decode()
    assert snapshot() == answered
    (report,) = file_received_reports()
    filed = snapshot()

    once_more = client.post("/report/", data)  # filed meanwhile

    assert received_code(once_more) == code
    assert snapshot() == filed
    assert services.find_report(code) == report
    assert len(queued(AcknowledgeReport)) == 1


def test_a_received_report_is_sealed_until_filed_and_emptied_after():
    client = Client()
    client.post("/report/", report_data(client, narrative="The treasurer threatened me after the sprint.",
                                        anonymous="contact", contact_email="rosa@example.org"))
    received = ReceivedReport.objects.get()
    sealed = bytes(received.intake_sealed)
    assert b"treasurer" not in sealed and b"rosa@example.org" not in sealed
    assert "treasurer" in received.intake  # opens with the report's own key

    (report,) = file_received_reports()

    received.refresh_from_db()
    assert received.intake_sealed is None and received.report == report and received.filed_at is not None
    assert report.data_key_id == received.data_key_id  # the key it was sealed under is the report's
    assert report.narrative == "The treasurer threatened me after the sprint."
    assert report.contact_email == "rosa@example.org"


def test_filed_receipts_are_purged_after_a_day_and_unfiled_reports_never():
    client = Client()
    client.post("/report/", report_data(client))
    client.post("/report/", report_data(client))
    first = ReceivedReport.objects.order_by("pk").first()
    services.file_received(first.pk)
    ReceivedReport.objects.update(received_at=timezone.now() - ReceivedReport.KEEP_FOR - timedelta(minutes=1))

    services.purge_held()

    assert list(ReceivedReport.objects.values_list("report", flat=True)) == [None]  # waits to be filed
    assert len(file_received_reports()) == 1


def test_reports_with_files_or_danger_are_filed_before_the_answer(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/report/", {**report_data(client), "evidence": png_upload()})
        client.post("/report/", report_data(client, danger_now="yes"))

    assert Report.objects.count() == Case.objects.count() == 2
    assert not ReceivedReport.objects.filter(report__isnull=True).exists()
    assert Case.objects.filter(priority="P1").count() == 1
