"""The reported person's chance to respond: the email with a single-use "respond" link, the page
without an account (a neutral description, never who reported), the response sealed and recorded;
tampered and reused links refused; a response recorded by staff."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from steward.cases.models import TimelineEvent
from steward.core.models import AuditEntry
from steward.decisions import proposals
from steward.decisions.models import ResponseRequest
from steward.reports.services import Account
from tests.conftest import deliver_outbox, login

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, level


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The messages are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield

DESCRIPTION = "Messages in the project chat in March were reported as insulting."
REPORTER = "rhea.reporter@example.org"


@pytest.fixture
def emailable_case(file_report: Any) -> Any:
    report, _ = file_report(accounts=[Account("email", "mallory@example.org")], contact_email=REPORTER)
    return awaiting(report.case)


def _proposal(case: Any, by: Any) -> Any:
    return proposals.propose(case, proposals.ProposalInput(
        level=level("warning"), subject=reported_person(case), reporter_summary="A warning.",
        rationale="Insults.", departure_reason=DEPARTURE), by=by)


def _ask(case: Any, by: Any, language: str = "en") -> tuple[Any, str]:
    proposal = _proposal(case, by)
    proposals.request_response(proposal, by=by, person=reported_person(case), description=DESCRIPTION,
                               language=language)
    deliver_outbox()
    sent = mail.outbox[-1]
    link = re.search(r"https?://\S+(/l/respond/[^/\s]+/)", sent.body)
    assert link is not None
    return proposal, link.group(1)


def test_the_person_is_emailed_a_link_and_responds_once(emailable_case, decision_maker):
    _, path = _ask(emailable_case, decision_maker)
    sent = mail.outbox[-1]
    assert sent.to == ["mallory@example.org"]
    assert emailable_case.reference not in sent.subject and DESCRIPTION not in sent.body
    page = Client().get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert DESCRIPTION in text
    assert REPORTER not in text and "rhea" not in text.lower()  # never who reported
    done = Client().post(path, {"response": "I did not mean to offend; I apologise."})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    answered = ResponseRequest.objects.get()
    assert answered.response == "I did not mean to offend; I apologise."
    assert b"apologise" not in bytes(answered.response_sealed)
    assert answered.channel == ResponseRequest.Channel.LINK and answered.responded_at is not None
    assert TimelineEvent.objects.filter(case=emailable_case, kind="response_received").exists()
    again = Client().post(path, {"response": "A second answer."})
    assert again.status_code == 410 and "already used" in again.content.decode()
    answered.refresh_from_db()
    assert answered.response == "I did not mean to offend; I apologise."
    # The decision makers read it on the decision page.
    staff_page = login(decision_maker).get(f"/staff/cases/{emailable_case.pk}/decision/").content.decode()
    assert "I did not mean to offend" in staff_page


def test_the_page_is_in_the_language_chosen(emailable_case, decision_maker):
    _, path = _ask(emailable_case, decision_maker, language="de")
    page = Client().get(path)
    assert page.status_code == 200
    assert 'lang="de"' in page.content.decode() or "Antwort" in page.content.decode()


def test_a_tampered_link_is_refused_and_records_nothing(emailable_case, decision_maker):
    _, path = _ask(emailable_case, decision_maker)
    token = path.split("/")[3]
    tampered = f"/l/respond/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}/"
    assert Client().get(tampered).status_code == 410
    response = Client().post(tampered, {"response": "Forged."})
    assert response.status_code == 410 and "not valid" in response.content.decode()
    assert ResponseRequest.objects.get().responded_at is None


def test_an_empty_response_is_refused_and_the_link_stays_usable(emailable_case, decision_maker):
    _, path = _ask(emailable_case, decision_maker)
    refused = Client().post(path, {"response": "  "})
    assert refused.status_code == 400
    assert ResponseRequest.objects.get().responded_at is None
    assert Client().post(path, {"response": "Now my answer."}).status_code == 200


def test_a_link_to_a_withdrawn_proposal_is_closed(emailable_case, decision_maker):
    proposal, path = _ask(emailable_case, decision_maker)
    proposals.withdraw(proposal, by=decision_maker)
    assert Client().get(path).status_code == 410


def test_only_a_reported_person_with_an_email_address_can_be_asked(reported_case, decision_maker):
    proposal = _proposal(reported_case, decision_maker)  # mallory is a GitHub account only
    with pytest.raises(proposals.DecisionError) as refused:
        proposals.request_response(proposal, by=decision_maker, person=reported_person(reported_case),
                                   description=DESCRIPTION, language="en")
    assert refused.value.field == "person"
    assert not ResponseRequest.objects.exists()


def test_staff_record_a_response_received_another_way(reported_case, decision_maker):
    proposal = _proposal(reported_case, decision_maker)
    recorded = proposals.record_response(proposal, by=decision_maker, person=reported_person(reported_case),
                                         response="Said on the phone that it will not happen again.")
    assert recorded.channel == ResponseRequest.Channel.OTHER and recorded.recorded_by == decision_maker
    assert AuditEntry.objects.filter(action="decision.response").count() == 1


def test_an_outsider_may_not_ask_for_a_response(emailable_case, decision_maker, unrelated):
    proposal = _proposal(emailable_case, decision_maker)
    client = login(unrelated)
    response = client.post(f"/staff/proposals/{proposal.pk}/request-response/", {
        "person": reported_person(emailable_case).pk, "language": "en", "description": DESCRIPTION})
    assert response.status_code in (403, 404)
    assert not ResponseRequest.objects.exists()
