"""Bad input on the public form: a clear message naming the field, status 400, nothing stored."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from .helpers import error_texts, report_data, snapshot

pytestmark = pytest.mark.django_db


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


CASES = [
    pytest.param({"narrative": ""}, "narrative", "What happened?", "Please tell us what happened.", id="empty-narrative"),
    pytest.param({"narrative": "   \n  "}, "narrative", "What happened?", "Please tell us what happened.",
                 id="blank-narrative"),
    pytest.param({"occurred_date": "2026-02-30"}, "occurred_date", "Date", "Enter the date as YYYY-MM-DD",
                 id="malformed-date"),
    pytest.param({"occurred_date": "yesterday"}, "occurred_date", "Date", "Enter the date as YYYY-MM-DD",
                 id="words-for-a-date"),
    pytest.param({"occurred_date": tomorrow}, "occurred_date", "Date", "The date is in the future.", id="future-date"),
    pytest.param({"occurred_date": "2026-01-01", "occurred_time": "25:99"}, "occurred_time", "Time (optional)",
                 "Enter the time as HH:MM", id="malformed-time"),
    pytest.param({"occurred_time": "18:30"}, "occurred_date", "Date",
                 "Give the date as well as the time, or clear the time.", id="time-without-date"),
    pytest.param({"space": "999999"}, "space", "Where did it happen?", "That space is not one of the choices.",
                 id="unknown-space"),
    pytest.param({"space": "not-a-number"}, "space", "Where did it happen?", "That space is not one of the choices.",
                 id="garbage-space"),
    pytest.param({"anonymous": "contact"}, "contact_email", "Your email",
                 "Give an email address, or choose to stay anonymous.", id="contact-without-email"),
    pytest.param({"anonymous": "contact", "contact_email": "not-an-address"}, "contact_email", "Your email",
                 "Enter a valid email address", id="invalid-email"),
    pytest.param({"account_handle_1": "rude-dev"}, "account_system_1", "System", "Choose the system this account is on.",
                 id="handle-without-system"),
    pytest.param({"account_system_2": "github"}, "account_handle_2", "Account name",
                 "Give the account name, or clear the system.", id="system-without-handle"),
    pytest.param({"account_system_1": "myspace", "account_handle_1": "x"}, "account_system_1", "System",
                 "Select a valid choice", id="unknown-system"),
    pytest.param({"narrative": "x" * 20001}, "narrative", "What happened?", "at most 20000 characters",
                 id="narrative-too-long"),
    pytest.param({"submission": None}, "submission", "Submission", "This field is required.", id="no-token"),
    pytest.param({"submission": "x"}, "submission", "Submission", "This form is not one we handed out.", id="bad-token"),
]


@pytest.mark.parametrize(("overrides", "field", "label", "message"), CASES)
def test_bad_input_is_refused_with_a_message_naming_the_field(space, overrides, field, label, message):
    client = Client()
    overrides = {key: value() if callable(value) else value for key, value in overrides.items()}
    data = report_data(client, **overrides)
    before = snapshot()

    response = client.post("/report/", data)

    assert response.status_code == 400
    errors = error_texts(response, field)
    assert any(message in error for error in errors), errors
    page = response.content.decode()
    assert "Please correct the following" in page
    if field != "submission":  # the hidden token has no visible label; its error still shows
        assert f"{label}: " in page
    assert snapshot() == before


def test_the_form_keeps_what_was_typed_after_an_error():
    client = Client()
    response = client.post("/report/", report_data(client, occurred_date="2026-02-30",
                                                   narrative="Someone kept sending me messages."))

    assert response.status_code == 400
    assert "Someone kept sending me messages." in response.content.decode()


def test_only_get_and_post_are_allowed():
    assert Client().put("/report/").status_code == 405
