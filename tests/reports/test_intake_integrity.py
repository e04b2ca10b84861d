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

from steward.core import audit, crypto
from steward.reports import held, services
from steward.reports.messages import AcknowledgeReport
from steward.reports.models import Report, SubmissionReceipt
from tests.conftest import queued

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
    SubmissionReceipt.objects.update(created_at=timezone.now() - SubmissionReceipt.KEEP_FOR - timedelta(minutes=1))
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
    receipt = SubmissionReceipt.objects.get(report=report)

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
        if self.model is Report and not skipped:
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
    with monkeypatch.context() as patch:
        patch.setattr(services, "_attach", _raise_after(services._attach, when=lambda *a, **k: True))
        with pytest.raises(RuntimeError):
            client.post("/report/", data)

    response = client.post("/report/", data)

    assert response.status_code == 200
    assert Report.objects.count() == 1


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
    assert Report.objects.count() == 2


def test_reading_the_form_is_not_rate_limited(settings):
    settings.STEWARD_INTAKE_RATE = (1, 10**9)
    client = Client()
    for _ in range(3):
        assert client.get("/report/").status_code == 200
