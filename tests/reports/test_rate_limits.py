"""Rate limits on the reporter's pages: intake counts accepted reports only, replies on the
follow-up page are limited like intake, and every "please wait" page says how long to wait
(in minutes, rounded up) and sends a Retry-After header."""

from __future__ import annotations

import types

import pytest
from django.test import Client

from steward.core import ratelimit
from steward.reports.models import Message
from tests.conftest import file_received_reports

from .helpers import report_data, snapshot

pytestmark = pytest.mark.django_db
WRONG_CODE = "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"


@pytest.fixture
def clock(monkeypatch):
    """Set the rate-limit clock to a number of seconds before the end of the current hour."""
    def seconds_before_the_hour(seconds: int) -> None:
        now = 3600 * 490_000 + 3600 - seconds
        monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))
    return seconds_before_the_hour


def test_mistakes_on_the_form_do_not_count_towards_the_intake_limit(settings):
    """A reporter who made seven mistakes can still file their three reports."""
    settings.STEWARD_INTAKE_RATE = (3, 3600)
    client = Client()

    mistakes = [client.post("/report/", report_data(client, narrative="")).status_code for _ in range(7)]
    filed = [client.post("/report/", report_data(client, narrative=f"Report {n}: he shouted at me at the sprint")).status_code
             for n in range(3)]
    before = snapshot()
    fourth = client.post("/report/", report_data(client, narrative="A fourth report within the hour"))

    assert mistakes == [400] * 7
    assert filed == [200] * 3
    assert fourth.status_code == 429
    assert snapshot() == before
    assert len(file_received_reports()) == 3


def test_the_limit_is_checked_before_the_form_is_read(settings):
    settings.STEWARD_INTAKE_RATE = (1, 3600)
    client = Client()
    assert client.post("/report/", report_data(client)).status_code == 200

    response = client.post("/report/", report_data(client, narrative=""))  # would be a mistake, but it is not even read

    assert response.status_code == 429
    assert "form" not in response.context


def open_report(file_report) -> Client:
    _, code = file_report()
    client = Client()
    assert client.post("/follow-up/", {"code": code}).status_code == 302
    return client


def test_replies_on_the_follow_up_page_are_rate_limited(settings, file_report):
    settings.STEWARD_REPLY_RATE = (2, 3600)
    client = open_report(file_report)

    sent = [client.post("/follow-up/case/", {"body": f"One more thing, number {n}."}).status_code for n in range(2)]
    before = Message.objects.count()
    third = client.post("/follow-up/case/", {"body": "And a third thing."})

    assert sent == [302, 302]
    assert third.status_code == 429
    assert "Please wait a little" in third.content.decode()
    assert Message.objects.count() == before
    assert client.get("/follow-up/case/").status_code == 200  # reading the thread is never limited


def test_an_empty_reply_does_not_count_towards_the_reply_limit(settings, file_report):
    settings.STEWARD_REPLY_RATE = (1, 3600)
    client = open_report(file_report)

    empty = client.post("/follow-up/case/", {"body": "   "})
    sent = client.post("/follow-up/case/", {"body": "Here is what happened next."})

    assert empty.status_code == 400
    assert sent.status_code == 302


def test_replies_are_counted_per_client_address_across_reports(settings, file_report):
    settings.STEWARD_REPLY_RATE = (1, 3600)
    first, second = open_report(file_report), open_report(file_report)

    assert first.post("/follow-up/case/", {"body": "First reply."}).status_code == 302
    assert second.post("/follow-up/case/", {"body": "Another report, same connection."}).status_code == 429
    assert second.post("/follow-up/case/", {"body": "From elsewhere."}, REMOTE_ADDR="203.0.113.77").status_code == 302


def over_the_intake_limit(client: Client):
    client.post("/report/", report_data(client))
    return client.post("/report/", report_data(client))


def over_the_code_limit(client: Client):
    client.post("/follow-up/", {"code": WRONG_CODE})
    return client.post("/follow-up/", {"code": WRONG_CODE})


def over_the_guideline_subscription_limit(client: Client):
    client.post("/guidelines/subscribe/", {"email": "reader@example.org", "language": "en"})
    return client.post("/guidelines/subscribe/", {"email": "reader@example.org", "language": "en"})


@pytest.mark.parametrize("over_the_limit", [over_the_intake_limit, over_the_code_limit, over_the_guideline_subscription_limit])
@pytest.mark.parametrize(("seconds_left", "wait"), [
    (125, "Please try again in 3 minutes."),
    (30, "Please try again in 1 minute."),
    (3600, "Please try again in 60 minutes."),
])
def test_every_please_wait_page_says_how_long(settings, clock, over_the_limit, seconds_left, wait):
    settings.STEWARD_INTAKE_RATE = settings.STEWARD_FOLLOWUP_RATE = (1, 3600)
    clock(seconds_left)

    response = over_the_limit(Client())

    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds_left)
    assert wait in response.content.decode()


def test_the_reply_page_says_how_long_too(settings, clock, file_report):
    settings.STEWARD_REPLY_RATE = (1, 900)
    clock(61)  # 900 divides an hour: 61 seconds before the hour is 61 seconds before the window ends
    client = open_report(file_report)
    client.post("/follow-up/case/", {"body": "First reply."})

    response = client.post("/follow-up/case/", {"body": "Second reply."})

    assert response.status_code == 429
    assert response["Retry-After"] == "61"
    assert "Please try again in 2 minutes." in response.content.decode()

