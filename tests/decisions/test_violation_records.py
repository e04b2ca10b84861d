"""Decisions feed the registry: a sanction (or "flagged") becomes a violation record of the person,
screened against at once; an appeal that reverses it sets the record aside; erasing the case
keeps the record, which holds no narrative."""

from __future__ import annotations

from typing import Any

import pytest

from steward.cases.models import ErasureReason
from steward.decisions import appeals
from steward.registry import screening
from steward.registry.models import Result, Screening, ViolationRecord
from steward.reports.services import Account
from steward.retention.erasure import erase_case
from tests.conftest import make_staff
from tests.decisions.conftest import awaiting, reported_person
from tests.decisions.helpers import decide
from tests.decisions.test_appeals_service import GROUNDS, _token


@pytest.fixture
def screener(db: Any) -> Any:
    return make_staff("sia", "screener")


@pytest.fixture
def mallory_case(file_report: Any) -> Any:
    report, _code = file_report(accounts=[Account("github", "mallory")])
    return awaiting(report.case)


def _screen(screener: Any, handle: str = "Mallory", emails: tuple[str, ...] = ()) -> str:
    applicant = screening.check_applicant(name="M. Example", emails=emails, accounts=[("github", handle)])
    done = screening.screen([screening.Row(1, applicant)],
                            purpose="grant", channel=Screening.Channel.FORM, by=screener)
    return screening.answers(done, by=screener)[0].result


def test_a_ban_is_a_record_and_the_person_is_referred_from_then_on(mallory_case, decision_maker, screener):
    assert _screen(screener) == Result.CLEAR
    decision = decide(mallory_case, decision_maker, "temporary_ban", days=30)
    record = ViolationRecord.objects.get()
    assert (record.decision, record.case, record.person, record.ban, record.level_key) == (
        decision.pk, mallory_case.pk, reported_person(mallory_case), "temporary", "temporary_ban")
    assert record.ends_on == decision.ends_on and record.counts() and not record.restricted
    assert _screen(screener) == Result.REFERRED


def test_a_warning_is_a_record_too_and_no_violation_is_not(mallory_case, decision_maker, file_report):
    decide(mallory_case, decision_maker, "warning")
    assert ViolationRecord.objects.get().level_key == "warning"
    report, _code = file_report(accounts=[Account("github", "trent")])
    decide(awaiting(report.case), decision_maker, "no_violation")
    assert ViolationRecord.objects.count() == 1


def test_an_appeal_that_reverses_the_decision_sets_its_record_aside(file_report, decision_maker, screener):
    report, _code = file_report(accounts=[Account("email", "mallory@example.net")], anonymous=False,
                                contact_email="rita@example.org")
    banned = decide(awaiting(report.case), decision_maker, "temporary_ban", days=60)
    assert _screen(screener, emails=("Mallory@example.net",)) == Result.REFERRED
    reviewer = make_staff("rory", "decision_maker")
    appeal = appeals.appeal_by_link(_token(banned), grounds=GROUNDS)
    appeals.decide_appeal(appeal, by=reviewer, outcome="reversed", reasons="It was someone else.",
                          reporter_message="The decision was reversed.")
    assert ViolationRecord.objects.get().set_aside_at is not None
    assert _screen(screener, emails=("Mallory@example.net",)) == Result.CLEAR


def test_erasing_the_case_keeps_the_record(mallory_case, decision_maker, screener, django_capture_on_commit_callbacks):
    decide(mallory_case, decision_maker, "permanent_ban")
    with django_capture_on_commit_callbacks(execute=True):
        erase_case(mallory_case, by=decision_maker, reason=ErasureReason.REQUEST, ip="192.0.2.9")
    record = ViolationRecord.objects.get()
    assert record.counts() and record.counts_until is None
    assert _screen(screener) == Result.REFERRED
