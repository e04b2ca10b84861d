"""A breach during a ban: recorded by whoever may decide the case (note sealed), it sets the case
to await a new decision, for which the ladder's breach_leads_to is recommended."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.cases import services as cases
from steward.cases.models import Case, Status
from steward.core import events
from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import returns, services
from steward.decisions.events import BreachRecorded
from steward.decisions.models import Breach, Return
from tests.cases.helpers import snapshot
from tests.conftest import login

from .conftest import reported_person
from .helpers import decide, level

DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate


@pytest.fixture
def banned(reported_case, decision_maker):
    return decide(reported_case, decision_maker, "temporary_ban", days=30)


def test_a_breach_escalates_to_the_ladders_next_step(banned, decision_maker):
    seen: list[BreachRecorded] = []
    events.subscribe(BreachRecorded, seen.append)
    try:
        breach = returns.record_breach(banned, by=decision_maker, note="Wrote to the reporter again.",
                                       observed_on=TODAY(), ip="192.0.2.9")
    finally:
        events.unsubscribe(BreachRecorded, seen.append)
    assert breach.note == "Wrote to the reporter again." and b"reporter" not in bytes(breach.note_sealed)
    assert level("temporary_ban").breach_leads_to == level("permanent_ban")
    assert breach.leads_to_key == "permanent_ban"
    case = Case.objects.get(pk=banned.case_id)
    assert case.status == Status.AWAITING_DECISION
    (event,) = seen
    assert event.leads_to == "permanent_ban" and event.subject == reported_person(case).pk
    entry = AuditEntry.objects.get(action="decision.breach")
    assert entry.actor == decision_maker and "reporter" not in str(entry.detail)

    proposal = services.recommend_for(case, services.reported_people(case), by=decision_maker)
    assert proposal.code == "permanent_ban" and "breach" in proposal.reason
    # Choosing it needs no reason for departing; the breach is then answered.
    new = services.record_decision(case, by=decision_maker, level=level("permanent_ban"),
                                   subject=reported_person(case), reporter_summary="Banned for good.",
                                   rationale="Breached the temporary ban.")
    breach.refresh_from_db()
    assert breach.followed_by == new and new.departure_reason == ""
    proposal = services.recommend_for(case, services.reported_people(case), by=decision_maker)
    assert "breach" not in proposal.reason


def test_a_breached_ban_gets_no_invitation_to_return(banned, decision_maker):
    returns.record_breach(banned, by=decision_maker, note="Wrote again.", observed_on=TODAY())
    returns.run_daily(banned.ends_on - DAY)
    assert not Return.objects.exists()


def test_a_breach_on_a_closed_case_reopens_it_to_await_a_decision(banned, triager):
    cases.move_case(banned.case, by=triager, to=Status.CLOSED)
    returns.record_breach(banned, by=triager, note="Posted under another name.", observed_on=TODAY())
    assert Case.objects.get(pk=banned.case_id).status == Status.AWAITING_DECISION


@pytest.mark.parametrize(("overrides", "message"), [
    ({"note": "  "}, "Describe the breach"),
    ({"observed_on": None}, "Give the day"),
    ({"observed_on": "tomorrow"}, "Give the day"),
    ({"observed_on": "before"}, "not in force"),
])
def test_bad_input_is_refused_and_changes_nothing(banned, decision_maker, overrides, message):
    days = {"tomorrow": TODAY() + DAY, "before": banned.starts_on - DAY}
    if overrides.get("observed_on") in days:
        overrides["observed_on"] = days[overrides["observed_on"]]
    values = {"note": "Wrote again.", "observed_on": TODAY(), **overrides}
    before = snapshot()
    with pytest.raises(returns.ReturnError, match=message):
        returns.record_breach(banned, by=decision_maker, **values)
    assert snapshot() == before and not Breach.objects.exists()


def test_a_decision_that_is_not_a_ban_cannot_be_breached(reported_case, decision_maker):
    warning = decide(reported_case, decision_maker, "warning")
    with pytest.raises(returns.ReturnError, match="Only a ban"):
        returns.record_breach(warning, by=decision_maker, note="Again.", observed_on=TODAY())


def test_a_second_breach_waits_for_the_new_decision(banned, decision_maker):
    returns.record_breach(banned, by=decision_maker, note="Once.", observed_on=TODAY())
    with pytest.raises(returns.ReturnError, match="already awaits"):
        returns.record_breach(banned, by=decision_maker, note="Twice.", observed_on=TODAY())


def test_others_may_not_record_a_breach(banned, handler, unrelated):
    for outsider in (handler, unrelated):
        with pytest.raises(Denied):
            returns.record_breach(banned, by=outsider, note="Nosy.", observed_on=TODAY())
    assert not Breach.objects.exists()


def test_the_breach_page_and_the_case_page(banned, decision_maker, unrelated):
    url = reverse("decisions:record_breach", args=[banned.pk])
    assert login(unrelated).get(url).status_code in {403, 404}
    client = login(decision_maker)
    case_page = client.get(reverse("cases:detail", args=[banned.case_id]))
    assert url in case_page.text  # the active ban offers the breach page
    page = client.get(url)
    assert page.status_code == 200 and "Permanent ban" in page.text
    assert client.post(url, {"observed_on": TODAY().isoformat(), "note": ""}).status_code == 400
    assert client.post(url, {"observed_on": TODAY().isoformat(), "note": "Wrote again."}).status_code == 302
    case_page = client.get(reverse("cases:detail", args=[banned.case_id]))
    assert "Breaches" in case_page.text and "Wrote again." in case_page.text
    assert "awaiting a new decision" in case_page.text
