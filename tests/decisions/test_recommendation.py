"""The recommendation: a pure function of the triage answers, the person's earlier decisions
and the ladder, with its reason in words; shown on the decision page; choosing otherwise needs
a written reason."""

from __future__ import annotations

import datetime

import pytest

from steward.cases import services as cases
from steward.cases.models import Case, Priority, Status
from steward.core.roles import Role
from steward.decisions import recommendation, services
from steward.decisions.models import Outcome
from steward.reports.services import Account
from tests.cases.helpers import answers
from tests.conftest import login, make_staff

from .conftest import awaiting, reported_person
from .helpers import current_ladder, decide, level

TODAY = datetime.date(2026, 12, 1)


def earlier(key_position: int, name: str, days_ago: int, outcome: str = Outcome.LEVEL) -> recommendation.Earlier:
    return recommendation.Earlier(outcome, key_position if outcome == Outcome.LEVEL else None, name,
                                  TODAY - datetime.timedelta(days=days_ago))


@pytest.fixture
def levels(db):
    return current_ladder().levels_in_order()


def test_a_first_violation_gets_the_mildest_level(levels):
    proposed = recommendation.recommend({"violation": "yes"}, [], levels, TODAY)
    assert (proposed.code, proposed.reason) == ("correction", "First violation on record: the mildest level.")


def test_a_second_violation_within_a_year_goes_one_level_above_the_last(levels):
    proposed = recommendation.recommend({"violation": "yes"}, [earlier(1, "Warning", 40)], levels, TODAY)
    assert proposed.code == "temporary_ban"
    assert proposed.reason == "Second violation in 12 months: one level above the last (Warning)."
    third = recommendation.recommend({}, [earlier(1, "Warning", 40), earlier(0, "Correction", 100)], levels, TODAY)
    assert third.code == "temporary_ban" and third.reason.startswith("3 violations in 12 months")


def test_an_old_sanction_counts_no_more_and_the_top_level_stays_the_top(levels):
    assert recommendation.recommend({}, [earlier(2, "Temporary ban", 400)], levels, TODAY).code == "correction"
    top = recommendation.recommend({}, [earlier(3, "Permanent ban", 10)], levels, TODAY)
    assert top.code == "permanent_ban"


@pytest.mark.parametrize("triage", [{"danger": True}, {"priority": "P1"}])
def test_severe_cases_skip_to_the_first_ban_level(levels, triage):
    proposed = recommendation.recommend(triage, [], levels, TODAY)
    assert proposed.code == "temporary_ban" and "levels are skipped" in proposed.reason


def test_no_violation_flags_and_patterns(levels):
    assert recommendation.recommend({"violation": "no"}, [], levels, TODAY).code == Outcome.NO_VIOLATION
    flagged = recommendation.recommend({}, [earlier(0, "", 30, Outcome.FLAGGED)], levels, TODAY)
    assert flagged.code == "warning" and "flagged" in flagged.reason
    assert recommendation.recommend({"pattern": True}, [], levels, TODAY).code == "warning"


def _triaged_awaiting(file_report, triager, narrative):
    report, _ = file_report(narrative=narrative, accounts=[Account("github", "mallory")])
    cases.triage_case(report.case, by=triager, answers=answers(), priority=Priority.P3, reason="Routine.")
    return awaiting(Case.objects.get(pk=report.case_id))


def test_a_person_with_an_earlier_level_2_decision_gets_a_different_recommendation(file_report, triager,
                                                                                    decision_maker):
    first = _triaged_awaiting(file_report, triager, "Mallory was rude to me in the issue tracker.")
    page = login(decision_maker).get(f"/staff/cases/{first.pk}/decision/")
    assert page.context["recommendation"].code == "correction"
    assert "First violation on record: the mildest level." in page.content.decode()
    decide(first, decision_maker, "warning")  # level 2 of the ladder

    second = _triaged_awaiting(file_report, triager, "Mallory insulted me again in the forum.")
    page = login(decision_maker).get(f"/staff/cases/{second.pk}/decision/")
    assert page.context["recommendation"].code == "temporary_ban"
    assert "Second violation in 12 months: one level above the last (Warning)." in page.content.decode()


def test_an_earlier_case_hidden_by_a_conflict_does_not_weigh(file_report, triager, decision_maker):
    first = _triaged_awaiting(file_report, triager, "Mallory was rude to me in the issue tracker.")
    decide(first, make_staff("dan", Role.DECISION_MAKER), "warning")
    assert login(decision_maker).post(f"/staff/cases/{first.pk}/conflict/", {"reason": "A friend."}).status_code == 302
    second = _triaged_awaiting(file_report, triager, "Mallory insulted me again in the forum.")
    page = login(decision_maker).get(f"/staff/cases/{second.pk}/decision/")
    assert page.context["recommendation"].code == "correction"
    assert "Second violation" not in page.content.decode()


def test_following_the_recommendation_needs_no_reason(file_report, triager, decision_maker):
    case = _triaged_awaiting(file_report, triager, "Mallory was rude to me.")
    decision = services.record_decision(case, by=decision_maker, level=level("correction"),
                                        subject=reported_person(case), reporter_summary="Corrected.",
                                        rationale="First time.")
    assert decision.recommended == "correction" and decision.departure_reason == ""
    assert Case.objects.get(pk=case.pk).status == Status.DECIDED
