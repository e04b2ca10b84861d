"""A decision waits for the consultations the decision-making policy requires, unless a decision
maker writes why it cannot wait: the override is sealed on the timeline and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from steward.cases import consultations
from steward.cases import services as case_services
from steward.cases.models import Case, Status, TimelineEvent
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.decisions import services
from steward.decisions.models import Decision
from tests.cases.helpers import answers, snapshot
from tests.conftest import login, make_staff

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, MESSAGE, choice, level

OVERRIDE = "The reported person keeps posting; HR is away until next month."


@pytest.fixture
def hr(db: Any) -> Any:
    return make_staff("hera", Role.CONSULTANT_HR, first_name="Hera")


@pytest.fixture
def staff_case(reported_case: Case, triager: Any) -> Case:
    """The reported person is a staff member (triage says so); the case awaits a decision."""
    Case.objects.filter(pk=reported_case.pk).update(status=Status.TRIAGED)
    given = answers(staff_or_contractor_involved=True)
    case_services.triage_case(reported_case, by=triager, answers=given, priority=case_services.propose_priority(given),
                              reason="")
    return awaiting(reported_case)


def _record(case: Case, by: Any, **overrides: Any) -> Decision:
    values = {**choice("warning"), "subject": reported_person(case), "reporter_summary": "A warning was given.",
              "rationale": "Insults in the chat, first time.", "departure_reason": DEPARTURE}
    values.update(overrides)
    return services.record_decision(case, by=by, **values)


def _ask_hr(case: Case, triager: Any, hr: Any) -> Any:
    return consultations.request_consultation(case, by=triager, consultant=hr, kind="hr", parts={"summary"},
                                              question="Is this a conduct matter for HR?")


def test_a_decision_is_refused_while_hr_was_not_asked_and_nothing_changes(staff_case, decision_maker):
    before = snapshot()
    with pytest.raises(services.DecisionError) as refused:
        _record(staff_case, decision_maker)
    assert refused.value.field == "override_reason"
    assert "HR (not asked yet)" in str(refused.value.message)
    assert snapshot() == before and not Decision.objects.exists()


def test_a_decision_is_refused_while_the_hr_consultation_is_open(staff_case, decision_maker, triager, hr):
    _ask_hr(staff_case, triager, hr)
    with pytest.raises(services.DecisionError, match=r"HR \(asked, not answered yet\)"):
        _record(staff_case, decision_maker, override_reason="   ")
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(action="decision.consultation_override").exists()


def test_once_hr_answered_the_decision_is_recorded_without_an_override(staff_case, decision_maker, triager, hr):
    consultations.answer_consultation(_ask_hr(staff_case, triager, hr), by=hr, answer="HR will follow up.")
    decision = _record(staff_case, decision_maker)
    assert decision.case.status == Status.DECIDED
    assert not AuditEntry.objects.filter(action="decision.consultation_override").exists()
    assert not TimelineEvent.objects.filter(kind="consultation_override").exists()


def test_an_override_with_a_reason_is_sealed_and_audited(staff_case, decision_maker):
    decision = _record(staff_case, decision_maker, override_reason=OVERRIDE, ip="192.0.2.9")
    assert decision.case.status == Status.DECIDED
    entry = AuditEntry.objects.get(action="decision.consultation_override")
    assert entry.actor == decision_maker and entry.object_id == str(staff_case.pk) and entry.ip == "192.0.2.9"
    assert entry.detail == {"kinds": ["hr"], "states": {"hr": "not_asked"}}
    assert OVERRIDE not in str(entry.detail)
    event = TimelineEvent.objects.get(case=staff_case, kind="consultation_override")
    assert event.detail == OVERRIDE and OVERRIDE.encode() not in bytes(event.detail_sealed)
    assert event.actor == decision_maker
    assert event.describe() == "Decision allowed without waiting for the HR consultation"


def test_a_case_no_rule_applies_to_is_decided_without_consultations(reported_case, decision_maker):
    assert _record(reported_case, decision_maker).case.status == Status.DECIDED


def test_the_decision_page_lists_the_consultations_and_asks_for_a_reason(staff_case, decision_maker):
    client = login(decision_maker)
    url = f"/staff/cases/{staff_case.pk}/decision/"
    page = client.get(url).content.decode()
    assert "Consultations required before a decision" in page and "not asked yet" in page
    assert 'name="override_reason"' in page
    data = {"choice": f"level:{level('warning').pk}", "subject": str(reported_person(staff_case).pk),
            "starts_on": timezone.localdate().isoformat(), "departure_reason": DEPARTURE,
            "reporter_summary": "A warning was given.", "rationale": "Insults in the chat.", **MESSAGE}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "needs these consultations before a decision: HR (not asked yet)" in refused.content.decode()
    assert not Decision.objects.exists()
    assert client.post(url, {**data, "override_reason": OVERRIDE}).status_code == 302
    assert Decision.objects.count() == 1


def test_the_decision_page_has_no_override_when_nothing_is_pending(reported_case, decision_maker):
    page = login(decision_maker).get(f"/staff/cases/{reported_case.pk}/decision/").content.decode()
    assert "no consultation rule applies, the community team decides alone" in page
    assert 'name="override_reason"' not in page
