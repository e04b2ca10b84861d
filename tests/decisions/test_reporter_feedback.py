"""The reporters told the proposed outcome before it is enacted: the decision maker's notice, the
email that there is something to read (no content, no code), the follow-up page with its feedback
form, the feedback recorded once, sealed and audited, shown to those who decide; refused after
the proposal was enacted or withdrawn; never waited for."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import translation

from steward.cases.models import TimelineEvent
from steward.core.models import AuditEntry, OutboxMessage
from steward.core.roles import Role
from steward.decisions import proposals, reporter_feedback
from steward.decisions.models import Proposal, ReporterFeedback, ReporterNotice
from steward.reports.services import Account
from tests.conftest import deliver_outbox, login, make_staff

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, level

NOTICE = "We propose a written warning to the person you reported."
FEEDBACK = "A warning feels too mild after three months of this."
REPORTER = "rhea.reporter@example.org"


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def two_reports(file_report: Any) -> Any:
    """A case awaiting a decision with two reports: one reporter left an address, one is anonymous."""
    first, first_code = file_report(accounts=[Account("github", "mallory")], contact_email=REPORTER, anonymous=False)
    second, second_code = file_report(accounts=[Account("github", "mallory")])
    from steward.reports.models import Report
    Report.objects.filter(pk=second.pk).update(case=first.case)
    return awaiting(first.case), (first, first_code), (second, second_code)


def _propose(case: Any, by: Any) -> Proposal:
    return proposals.propose(case, proposals.ProposalInput(
        level=level("warning"), subject=reported_person(case), reporter_summary="A warning.",
        rationale="Insults.", departure_reason=DEPARTURE), by=by)


def _reporter(code: str) -> Client:
    client = Client()
    assert client.post("/follow-up/", {"code": code}).status_code == 302
    return client


def _counts() -> tuple[int, int, int, int]:
    return (ReporterNotice.objects.count(), ReporterFeedback.objects.count(), TimelineEvent.objects.count(),
            OutboxMessage.objects.count())


def test_telling_the_reporters_emails_those_with_an_address_without_content(two_reports, decision_maker):
    case, _first, _second = two_reports
    proposal = _propose(case, decision_maker)
    mail.outbox.clear()
    OutboxMessage.objects.all().delete()
    notice = reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    assert notice.text == NOTICE
    with connection.cursor() as cursor:  # sealed with the case key: the table holds no text
        cursor.execute("SELECT text_sealed FROM decisions_reporternotice")
        assert NOTICE.encode() not in bytes(cursor.fetchone()[0])
    assert OutboxMessage.objects.filter(kind="reports.reporter_to_read").count() == 1  # the anonymous one: none
    deliver_outbox()
    [sent] = mail.outbox
    assert sent.to == [REPORTER]
    assert "warning" not in sent.body.lower() and "/follow-up/" in sent.body
    assert TimelineEvent.objects.filter(case=case, kind="reporters_told").exists()
    audited = AuditEntry.objects.get(action="decision.reporters_told")
    assert audited.detail["reports"] == 2 and audited.detail["emailed"] == 1
    assert NOTICE not in str(audited.detail)


def test_bad_notice_is_refused_and_changes_nothing(two_reports, decision_maker):
    case, *_ = two_reports
    proposal = _propose(case, decision_maker)
    before = _counts()
    with pytest.raises(proposals.DecisionError) as empty:
        reporter_feedback.tell_reporters(proposal, by=decision_maker, text="   ")
    assert empty.value.field == "text"
    with pytest.raises(proposals.DecisionError):
        reporter_feedback.tell_reporters(proposal, by=decision_maker, text="x" * 2001)
    reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    told = _counts()
    with pytest.raises(proposals.DecisionError, match="already told"):
        reporter_feedback.tell_reporters(proposal, by=decision_maker, text="Again.")
    assert _counts() == told and told[0] == before[0] + 1


def test_telling_is_for_who_decides_the_case(two_reports, decision_maker):
    case, *_ = two_reports
    proposal = _propose(case, decision_maker)
    handler = make_staff("hana", Role.CASE_HANDLER)
    before = _counts()
    denied = login(handler).post(f"/staff/proposals/{proposal.pk}/tell-reporters/", {"text": NOTICE})
    assert denied.status_code in {403, 404}
    assert _counts() == before
    allowed = login(decision_maker).post(f"/staff/proposals/{proposal.pk}/tell-reporters/", {"text": NOTICE})
    assert allowed.status_code == 302
    assert ReporterNotice.objects.get(proposal=proposal).text == NOTICE
    page = login(decision_maker).get(f"/staff/cases/{case.pk}/decision/").content.decode()
    assert NOTICE in page and "No feedback yet" in page


def test_each_reporter_reads_it_and_gives_feedback_once(two_reports, decision_maker):
    case, (first, first_code), (second, second_code) = two_reports
    proposal = _propose(case, decision_maker)
    reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    reporter = _reporter(first_code)
    page = reporter.get("/follow-up/case/").content.decode()
    assert NOTICE in page and "Send my feedback" in page
    assert AuditEntry.objects.filter(action="decision.reporter_notice_read").count() == 1
    empty = reporter.post("/follow-up/feedback/", {"agrees": "disagree", "feedback": ""})
    assert empty.status_code == 400 and ReporterFeedback.objects.count() == 0
    given = reporter.post("/follow-up/feedback/", {"agrees": "disagree", "feedback": FEEDBACK})
    assert given.status_code == 302
    feedback = ReporterFeedback.objects.get()
    assert feedback.report == first.pk and feedback.agrees is False and feedback.body == FEEDBACK
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_sealed FROM decisions_reporterfeedback")
        assert FEEDBACK.encode() not in bytes(cursor.fetchone()[0])
    assert TimelineEvent.objects.filter(case=case, kind="reporter_feedback").exists()
    after = reporter.get("/follow-up/case/").content.decode()
    assert "You gave your feedback" in after and FEEDBACK in after and "Send my feedback" not in after
    before = _counts()
    again = reporter.post("/follow-up/feedback/", {"feedback": "Second thoughts."})
    assert again.status_code == 400 and "already gave your feedback" in again.content.decode()
    assert _counts() == before
    # The other reporter still may, without an agreement said; they never see the first one's words.
    other = _reporter(second_code)
    assert FEEDBACK not in other.get("/follow-up/case/").content.decode()
    assert other.post("/follow-up/feedback/", {"feedback": "Fine by me."}).status_code == 302
    assert ReporterFeedback.objects.get(report=second.pk).agrees is None
    # Those who decide read both on the proposal.
    page = login(decision_maker).get(f"/staff/cases/{case.pk}/decision/").content.decode()
    assert FEEDBACK in page and "Fine by me." in page and "disagrees" in page


def test_a_reporter_of_another_case_or_without_a_code_sees_nothing(two_reports, decision_maker, file_report):
    case, *_ = two_reports
    reporter_feedback.tell_reporters(_propose(case, decision_maker), by=decision_maker, text=NOTICE)
    _elsewhere, code = file_report()
    stranger = _reporter(code)
    assert NOTICE not in stranger.get("/follow-up/case/").content.decode()
    before = _counts()
    refused = stranger.post("/follow-up/feedback/", {"feedback": FEEDBACK})
    assert refused.status_code == 400 and "no proposed outcome" in refused.content.decode()
    anonymous = Client().post("/follow-up/feedback/", {"feedback": FEEDBACK})
    assert anonymous.status_code == 302 and anonymous["Location"] == "/follow-up/"
    assert _counts() == before


@pytest.mark.parametrize("close", ["enact", "withdraw"])
def test_feedback_after_the_proposal_closed_is_refused(two_reports, decision_maker, close):
    case, (_first, code), _second = two_reports
    proposal = _propose(case, decision_maker)
    reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    reporter = _reporter(code)
    assert "Send my feedback" in reporter.get("/follow-up/case/").content.decode()  # the page is open meanwhile
    if close == "enact":  # recorded, not binding: enacting does not wait for feedback
        proposals.enact(proposal, by=decision_maker, override_reason="Not waiting.")
    else:
        proposals.withdraw(proposal, by=decision_maker)
    before = _counts()
    refused = reporter.post("/follow-up/feedback/", {"agrees": "agree", "feedback": FEEDBACK})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert ("already taken" in text) if close == "enact" else ("withdrawn" in text)
    assert "your feedback was not recorded" in text
    assert _counts() == before and not ReporterFeedback.objects.exists()
    with pytest.raises(proposals.DecisionError):
        reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)


def test_the_case_page_shows_the_feedback_on_the_enacted_decision(two_reports, decision_maker):
    case, (_first, code), _second = two_reports
    proposal = _propose(case, decision_maker)
    reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    assert _reporter(code).post("/follow-up/feedback/", {"agrees": "agree", "feedback": FEEDBACK}).status_code == 302
    proposals.enact(proposal, by=decision_maker, override_reason="Not waiting.")
    page = login(decision_maker).get(f"/staff/cases/{case.pk}/").content.decode()
    assert FEEDBACK in page and "agrees" in page
    timeline = TimelineEvent.objects.filter(case=case).values_list("kind", flat=True)
    assert {"reporters_told", "reporter_feedback", "decided"} <= set(timeline)


def test_the_feedback_address_takes_posts_only_and_the_timeline_reads_in_words(two_reports, decision_maker):
    case, (_first, code), _second = two_reports
    proposal = _propose(case, decision_maker)
    reporter_feedback.tell_reporters(proposal, by=decision_maker, text=NOTICE)
    reporter = _reporter(code)
    assert reporter.get("/follow-up/feedback/").status_code == 405
    assert reporter.post("/follow-up/feedback/", {"agrees": "disagree", "feedback": FEEDBACK}).status_code == 302
    page = login(decision_maker).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "The reporters were told the proposed outcome" in page
    assert "A reporter gave feedback on the proposed outcome: disagrees" in page
    assert FEEDBACK not in str(list(AuditEntry.objects.values_list("detail", flat=True)))
