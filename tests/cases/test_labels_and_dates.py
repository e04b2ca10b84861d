"""Staff pages speak in words, not codes: statuses, timeline events, outcomes and audited actions
read as labels in the interface language; dates and times follow that language and name the zone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone, translation

from steward.cases import services
from steward.cases.models import Case, Status, TimelineEvent
from tests.conftest import login, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_and_zone_restored():
    """A request in German leaves German active in this thread: later tests must start from English."""
    yield
    translation.deactivate()
    timezone.deactivate()


def text(response) -> str:
    """What a reader sees: the page without its tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_status_changes_on_the_timeline_read_as_labels(case, triager):
    Case.objects.filter(pk=case.pk).update(status=Status.INVESTIGATING)
    services.move_case(case, by=triager, to=Status.AWAITING_DECISION, reason="Facts are clear")

    seen = text(login(triager).get(f"/staff/cases/{case.pk}/"))

    assert "Status changed from “Investigating” to “Awaiting decision”" in seen
    assert "awaiting_decision" not in seen and "investigating" not in seen.replace("Investigating", "")


@pytest.mark.parametrize(("kind", "data", "expected"), [
    ("decided", {"outcome": "permanent_ban"}, "Decision recorded: Permanent ban"),  # recorded before the ladder
    ("decided", {"outcome": "extended_ban", "level_name": "Extended ban"}, "Decision recorded: Extended ban"),
    ("decided", {"outcome": "out_of_scope", "level_name": ""}, "Decision recorded: Out of scope"),
    ("erased", {"reason": "retention"}, "Case erased (Retention period ended)"),
    ("conflict", {"staff": "Tara", "source": "declared"}, "Conflict of interest recorded for Tara (Declared)"),
    ("some_future_event", {}, "Some future event"),
])
def test_stored_codes_in_timeline_events_read_as_labels(case, kind, data, expected):
    services.record_event(case, kind, **data)
    assert TimelineEvent.objects.filter(case=case, kind=kind).get().describe() == expected


def test_timeline_labels_follow_the_interface_language(case):
    services.record_event(case, "status", old="investigating", new="awaiting_decision")
    event = TimelineEvent.objects.filter(case=case, kind="status").get()
    with translation.override("de"):
        described = event.describe()
    assert "awaiting_decision" not in described and "investigating" not in described


def test_the_access_history_names_each_action(case, triager):
    auditor = make_staff("audrey", "auditor")
    login(triager).get(f"/staff/cases/{case.pk}/")

    seen = text(login(auditor).get(f"/staff/cases/{case.pk}/access/"))

    assert "Case opened" in seen and "Case read" in seen and "Report filed" in seen


def test_the_queue_status_filter_and_rows_use_labels(case, triager):
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_DECISION)
    seen = text(login(triager).get("/staff/cases/"))
    assert "Awaiting decision" in seen and "awaiting_decision" not in seen


@pytest.mark.parametrize(("language", "due", "opened"), [
    ("en", "03/04/2026 2:05 p.m. CET", "03/02/2026"),
    ("de", "04.03.2026 14:05 CET", "02.03.2026"),
])
def test_queue_dates_follow_the_language_and_name_the_time_zone(case, triager, settings, language, due, opened):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.deactivate()
    Case.objects.filter(pk=case.pk).update(due_at=datetime.datetime(2026, 3, 4, 13, 5, tzinfo=datetime.UTC),
                                           opened_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))

    seen = text(login(triager).get("/staff/cases/", HTTP_ACCEPT_LANGUAGE=language))

    assert due in seen
    assert opened in seen


@pytest.mark.parametrize(("language", "expected"), [("en", "March 4, 2026, 1:05 p.m. UTC"), ("de", "4. März 2026 13:05 UTC")])
def test_the_case_page_names_the_time_zone_of_its_times(case, triager, language, expected):
    Case.objects.filter(pk=case.pk).update(due_at=datetime.datetime(2026, 3, 4, 13, 5, tzinfo=datetime.UTC))

    seen = text(login(triager).get(f"/staff/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language))

    assert expected in seen
