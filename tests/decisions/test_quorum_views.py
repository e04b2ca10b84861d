"""The proposal steps through the pages: proposing only, changing, voting, enacting, the decision
policy page, and who may use each (allowed and denied)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from steward.core.roles import Role
from steward.decisions import proposals
from steward.decisions.models import Decision, DecisionPolicy, Proposal, Vote
from tests.conftest import login, make_staff

from .test_decision_view import post_data, url


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The messages are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def colleague(db: Any) -> Any:
    return make_staff("cleo", Role.DECISION_MAKER, first_name="Cleo")


def _propose(client: Any, case: Any, **overrides: Any) -> Proposal:
    response = client.post(url(case), {**post_data(case, **overrides), "action": "propose"})
    assert response.status_code == 302 and response["Location"] == url(case)
    return Proposal.objects.get(status=Proposal.Status.OPEN)


def test_proposing_only_decides_nothing_and_the_page_shows_the_proposal(reported_case, decision_maker):
    client = login(decision_maker)
    proposal = _propose(client, reported_case)
    assert not Decision.objects.exists()
    page = client.get(url(reported_case)).content.decode()
    assert "Proposed decision" in page and "Enact the decision" in page
    assert "The reported person is banned for two months." in page  # the form holds the proposal to change it
    response = client.post(f"/staff/proposals/{proposal.pk}/enact/")
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{reported_case.pk}/"
    assert Decision.objects.get().proposal == proposal


def test_the_form_changes_the_open_proposal(reported_case, decision_maker, colleague):
    DecisionPolicy.objects.create(quorum=2)
    client = login(decision_maker)
    proposal = _propose(client, reported_case)
    proposals.vote(proposal, by=colleague, approve=True)
    _propose(client, reported_case, rationale="Second offence, and a third complaint since.")
    proposal.refresh_from_db()
    assert proposal.rationale == "Second offence, and a third complaint since."
    assert not Vote.objects.filter(current=True).exists()
    assert Proposal.objects.count() == 1


def test_a_colleague_signs_off_on_the_page_and_the_proposer_cannot(reported_case, decision_maker, colleague):
    DecisionPolicy.objects.create(quorum=2)
    proposal = _propose(login(decision_maker), reported_case)
    own = login(decision_maker).post(f"/staff/proposals/{proposal.pk}/vote/", {"vote": "approve"}, follow=True)
    assert "another decision maker must sign it off" in own.content.decode()
    assert not Vote.objects.exists()
    signing = login(colleague)
    assert "Record my vote" in signing.get(url(reported_case)).content.decode()
    signing.post(f"/staff/proposals/{proposal.pk}/vote/", {"vote": "reject", "note": "Too harsh."})
    assert Vote.objects.get().approve is False
    refused = login(decision_maker).post(f"/staff/proposals/{proposal.pk}/enact/", follow=True)
    assert "before this is enacted" in refused.content.decode()
    assert not Decision.objects.exists()


def test_the_case_page_shows_the_votes_to_those_who_decide(reported_case, decision_maker, colleague):
    DecisionPolicy.objects.create(quorum=2)
    proposal = _propose(login(decision_maker), reported_case)
    proposals.vote(proposal, by=colleague, approve=True, note="Agreed, given the history.")
    proposals.enact(proposal, by=decision_maker)
    page = login(decision_maker).get(f"/staff/cases/{reported_case.pk}/").content.decode()
    assert "cleo: signed off" in page and "Agreed, given the history." in page


def test_outsiders_may_not_vote_enact_or_withdraw(reported_case, decision_maker, unrelated):
    proposal = _propose(login(decision_maker), reported_case)
    client = login(unrelated)
    for step in ("vote", "enact", "withdraw"):
        response = client.post(f"/staff/proposals/{proposal.pk}/{step}/", {"vote": "approve"})
        assert response.status_code in (403, 404), step
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN and not Vote.objects.exists()


def test_administrators_edit_the_policy_page_and_decision_makers_may_not(administrator, decision_maker):
    admin = login(administrator)
    assert admin.get("/staff/decision-policy/").status_code == 200
    response = admin.post("/staff/decision-policy/", {"four_eyes_from_position": "3", "quorum": "0"})
    assert response.status_code == 302
    assert DecisionPolicy.objects.get().four_eyes_from_position == 3
    bad = admin.post("/staff/decision-policy/", {"four_eyes_from_position": "", "quorum": "1"})
    assert bad.status_code == 400 and "2 or more" in bad.content.decode()
    assert DecisionPolicy.objects.get().four_eyes_from_position == 3
    other = login(decision_maker)
    assert other.get("/staff/decision-policy/").status_code == 403
    assert other.post("/staff/decision-policy/", {"quorum": "0"}).status_code == 403
    assert DecisionPolicy.objects.get().four_eyes_from_position == 3
