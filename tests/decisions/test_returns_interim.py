"""Interim measures: imposed on an open case by whoever may decide it, ended by the daily job on
their date or by the decision; shown on the case page; refused input changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.cases.models import Space, Status, TimelineEvent
from steward.core import events
from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import interim, returns
from steward.decisions.events import InterimMeasureEnded, InterimMeasureImposed
from steward.decisions.models import InterimMeasure, InterimRestriction
from tests.cases.helpers import snapshot
from tests.conftest import login, make_staff

from .conftest import reported_person
from .helpers import decide

DAY = datetime.timedelta(days=1)


@pytest.fixture
def published(monkeypatch):
    """The events published during a test."""
    seen: list[object] = []
    for kind in (InterimMeasureImposed, InterimMeasureEnded):
        events.subscribe(kind, seen.append)
    yield seen
    for kind in (InterimMeasureImposed, InterimMeasureEnded):
        events.unsubscribe(kind, seen.append)


def _impose(case, by, **overrides):
    values = {"subject": reported_person(case), "restriction": InterimRestriction.NO_CONTACT,
              "ends_on": timezone.localdate() + 14 * DAY, "reason": "He keeps writing to the reporter.",
              "systems": ["github"]}
    values.update(overrides)
    return interim.impose(case, by=by, **values)


def test_a_measure_is_imposed_sealed_audited_and_published(reported_case, decision_maker, published):
    space = Space.objects.create(name="Forum", kind=Space.Kind.FORUM)
    measure = _impose(reported_case, decision_maker, spaces=[space], ip="192.0.2.5")
    assert measure.reason == "He keeps writing to the reporter."
    assert b"reporter" not in bytes(measure.reason_sealed)
    assert measure.is_active and list(measure.spaces.all()) == [space] and measure.systems == ["github"]
    entry = AuditEntry.objects.get(action="decision.interim_impose")
    assert entry.actor == decision_maker and entry.detail["restriction"] == "no_contact"
    assert "writing" not in str(entry.detail)
    assert TimelineEvent.objects.filter(case=reported_case, kind="interim_imposed").exists()
    (event,) = published
    assert isinstance(event, InterimMeasureImposed)
    assert event.subject == reported_person(reported_case).pk and event.spaces == (space.pk,)
    assert event.systems == ("github",) and event.ends_on == measure.ends_on


def test_the_daily_job_ends_a_measure_on_its_date(reported_case, decision_maker, published):
    measure = _impose(reported_case, decision_maker, ends_on=timezone.localdate() + 3 * DAY)
    assert returns.run_daily(timezone.localdate() + 2 * DAY)["interim_ended"] == 0
    assert returns.run_daily(timezone.localdate() + 3 * DAY)["interim_ended"] == 1
    measure.refresh_from_db()
    assert not measure.is_active and measure.ended_because == InterimMeasure.Ended.DATE
    assert isinstance(published[-1], InterimMeasureEnded) and published[-1].because == "date"
    assert AuditEntry.objects.filter(action="decision.interim_end").count() == 1
    assert returns.run_daily(timezone.localdate() + 4 * DAY)["interim_ended"] == 0  # once


def test_the_decision_ends_the_case_measures(reported_case, decision_maker, published):
    measure = _impose(reported_case, decision_maker)
    decide(reported_case, decision_maker, "warning")
    measure.refresh_from_db()
    assert measure.ended_because == InterimMeasure.Ended.DECISION
    assert [type(e) for e in published] == [InterimMeasureImposed, InterimMeasureEnded]
    assert TimelineEvent.objects.filter(case=reported_case, kind="interim_ended").exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ends_on": None}, "ends on a date in the future"),
    ({"ends_on": "today"}, "ends on a date in the future"),
    ({"reason": "  "}, "Write why"),
    ({"restriction": "exile"}, "Choose the restriction"),
    ({"systems": ["myspace"]}, "Unknown system"),
    ({"subject": None}, "Choose one of the people"),
])
def test_bad_input_is_refused_and_changes_nothing(reported_case, decision_maker, overrides, message):
    if overrides.get("ends_on") == "today":
        overrides["ends_on"] = timezone.localdate()
    before = snapshot()
    with pytest.raises(interim.InterimError, match=message):
        _impose(reported_case, decision_maker, **overrides)
    assert snapshot() == before and not InterimMeasure.objects.exists()


def test_a_decided_case_takes_no_interim_measure(reported_case, decision_maker):
    decide(reported_case, decision_maker, "warning")
    with pytest.raises(interim.InterimError, match="for open cases"):
        _impose(reported_case, decision_maker)


def test_triagers_may_impose_on_any_open_case_decision_makers_only_on_cases_to_decide(case, triager, decision_maker):
    from steward.cases import services as cases

    cases.add_party(case, system="github", handle="mallory", role="reported", by=triager)
    assert case.status == Status.NEW
    with pytest.raises(Denied):
        _impose(case, decision_maker)
    assert _impose(case, triager).imposed_by == triager


def test_others_are_refused(reported_case, handler, unrelated):
    for who in (handler, unrelated):
        with pytest.raises(Denied):
            _impose(reported_case, who)
    assert not InterimMeasure.objects.exists()


def test_the_page_imposes_a_measure_and_the_case_page_shows_it(reported_case, decision_maker):
    client = login(decision_maker)
    url = reverse("decisions:impose_interim", args=[reported_case.pk])
    page = client.get(url)
    assert page.status_code == 200 and "mallory" in page.text
    assert AuditEntry.objects.filter(action="case.view", detail__page="interim").exists()
    refused = client.post(url, {"subject": reported_person(reported_case).pk, "restriction": "no_contact",
                                "ends_on": timezone.localdate().isoformat(), "reason": "Keeps writing."})
    assert refused.status_code == 400 and "future" in refused.text and not InterimMeasure.objects.exists()
    done = client.post(url, {"subject": reported_person(reported_case).pk, "restriction": "no_contact",
                             "ends_on": (timezone.localdate() + 10 * DAY).isoformat(), "reason": "Keeps writing."})
    assert done.status_code == 302
    case_page = client.get(reverse("cases:detail", args=[reported_case.pk]))
    assert "Interim measures" in case_page.text and "Keeps writing." in case_page.text
    assert "No contact with the people involved" in case_page.text


def test_the_page_is_refused_to_those_who_may_not_impose(reported_case):
    outsider = make_staff("olga", "case_handler")
    assert login(outsider).get(reverse("decisions:impose_interim", args=[reported_case.pk])).status_code in {403, 404}
