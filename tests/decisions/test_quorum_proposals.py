"""Propose → sign-off / quorum votes → enact: the policy's rules, each refusal changing nothing,
the decision recording who decided and who signed off, and the policy's permission."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from steward.cases.conflicts import declare_conflict
from steward.cases.models import Status, TimelineEvent
from steward.core import access, events
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.decisions import proposals
from steward.decisions.events import DecisionRecorded, ProposalEnacted, ProposalVoted
from steward.decisions.models import Decision, DecisionPolicy, Proposal, Vote
from tests.cases.helpers import snapshot
from tests.conftest import make_staff

from .conftest import reported_person
from .helpers import DEPARTURE, level


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    """The messages are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def _input(case: Any, key: str = "warning", **overrides: Any) -> proposals.ProposalInput:
    values: dict[str, Any] = {"level": level(key), "subject": reported_person(case),
                              "reporter_summary": "A warning was given.", "rationale": "Insults in the chat.",
                              "departure_reason": DEPARTURE}
    values.update(overrides)
    return proposals.ProposalInput(**values)


def _policy(four_eyes: int | None = None, quorum: int = 0) -> None:
    DecisionPolicy.objects.all().delete()
    DecisionPolicy.objects.create(four_eyes_from_position=four_eyes, quorum=quorum)


@pytest.fixture
def colleague(db: Any) -> Any:
    return make_staff("cleo", Role.DECISION_MAKER, first_name="Cleo")


@pytest.fixture
def third(db: Any) -> Any:
    return make_staff("tess", Role.DECISION_MAKER, first_name="Tess")


@pytest.fixture
def captured_events() -> Any:
    """`captured_events(EventType)`: the events of that type published during the test."""
    seen: list[Any] = []
    types = (DecisionRecorded, ProposalEnacted, ProposalVoted)
    for event_type in types:
        events.subscribe(event_type, seen.append)
    yield lambda event_type: [event for event in seen if isinstance(event, event_type)]
    for event_type in types:
        events.unsubscribe(event_type, seen.append)


def _state() -> dict[str, Any]:
    return {**snapshot(), "proposals": list(Proposal.objects.values()), "votes": list(Vote.objects.values()),
            "decisions": list(Decision.objects.values_list("pk", flat=True))}


def test_without_a_policy_the_proposer_enacts_and_the_decision_records_it(reported_case, decision_maker,
                                                                          captured_events):
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    reported_case.refresh_from_db()
    assert reported_case.status == Status.AWAITING_DECISION  # proposing decides nothing
    assert not captured_events(DecisionRecorded)
    decision = proposals.enact(proposal, by=decision_maker)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ENACTED and proposal.decision == decision
    assert decision.decided_by == decision_maker and decision.level_key == "warning"
    assert len(captured_events(DecisionRecorded)) == 1 and len(captured_events(ProposalEnacted)) == 1
    kinds = list(TimelineEvent.objects.filter(case=reported_case).values_list("kind", flat=True))
    assert kinds.index("proposed") < kinds.index("decided")


def test_four_eyes_at_a_high_level_needs_another_decision_maker(reported_case, decision_maker, colleague):
    _policy(four_eyes=level("temporary_ban").position)
    proposal = proposals.propose(reported_case, _input(reported_case, "temporary_ban"), by=decision_maker)
    before = _state()
    with pytest.raises(proposals.DecisionError, match="1 approval"):
        proposals.enact(proposal, by=decision_maker)
    assert _state() == before
    proposals.vote(proposal, by=colleague, approve=True)
    decision = proposals.enact(proposal, by=decision_maker)
    assert decision.decided_by == decision_maker
    assert [vote.voter for vote in decision.proposal.votes.all()] == [colleague]
    enacted = AuditEntry.objects.get(action="decision.enact")
    assert enacted.detail["signed_off_by"] == [colleague.pk]


def test_four_eyes_does_not_apply_below_its_level(reported_case, decision_maker):
    _policy(four_eyes=level("temporary_ban").position)
    proposal = proposals.propose(reported_case, _input(reported_case, "warning"), by=decision_maker)
    assert proposals.approvals_needed(proposal) == 0
    assert proposals.enact(proposal, by=decision_maker).level_key == "warning"


def test_a_quorum_counts_the_proposer_and_records_dissent(reported_case, decision_maker, colleague, third,
                                                         captured_events):
    _policy(quorum=3)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    assert proposals.approvals_needed(proposal) == 2
    proposals.vote(proposal, by=colleague, approve=True)
    dissent = proposals.vote(proposal, by=third, approve=False, note="Too lenient for a second offence.")
    with pytest.raises(proposals.DecisionError, match="1 given so far"):
        proposals.enact(proposal, by=decision_maker)
    dissent.refresh_from_db()
    assert dissent.note == "Too lenient for a second offence."
    assert b"Too lenient" not in bytes(dissent.note_sealed)  # sealed with the case key
    assert [event.approve for event in captured_events(ProposalVoted)] == [True, False]


def test_the_proposer_cannot_sign_off_their_own_proposal(reported_case, decision_maker):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    before = _state()
    with pytest.raises(proposals.DecisionError, match="another decision maker must sign it off"):
        proposals.vote(proposal, by=decision_maker, approve=True)
    assert _state() == before


def test_a_second_vote_by_the_same_person_is_refused(reported_case, decision_maker, colleague):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    proposals.vote(proposal, by=colleague, approve=False, note="Not convinced.")
    before = _state()
    with pytest.raises(proposals.DecisionError, match="already voted"):
        proposals.vote(proposal, by=colleague, approve=True)
    assert _state() == before


def test_a_conflicted_decision_maker_cannot_vote(reported_case, decision_maker, colleague):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    declare_conflict(reported_case, by=colleague)
    before = _state()
    with pytest.raises(proposals.DecisionError, match="conflict of interest"):
        proposals.vote(proposal, by=colleague, approve=True)
    assert _state() == before


def test_a_rejection_needs_a_note(reported_case, decision_maker, colleague):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    with pytest.raises(proposals.DecisionError) as refused:
        proposals.vote(proposal, by=colleague, approve=False, note=" ")
    assert refused.value.field == "note"
    assert not Vote.objects.exists()


def test_a_triager_decides_but_does_not_sign_off(reported_case, decision_maker, triager):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    assert access.can(triager, "decide", reported_case)
    with pytest.raises(access.Denied):
        proposals.vote(proposal, by=triager, approve=True)
    assert not Vote.objects.exists()


def test_changing_a_proposal_sets_its_votes_aside(reported_case, decision_maker, colleague):
    _policy(quorum=2)
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    proposals.vote(proposal, by=colleague, approve=True)
    proposals.change(proposal, _input(reported_case, "correction", departure_reason=""), by=decision_maker)
    proposal.refresh_from_db()
    assert proposal.level == level("correction")
    with pytest.raises(proposals.DecisionError, match="0 given"):
        proposals.enact(proposal, by=decision_maker)
    proposals.vote(proposal, by=colleague, approve=True)  # the changed proposal is a new question
    assert proposals.enact(proposal, by=decision_maker).level_key == "correction"
    assert AuditEntry.objects.get(action="decision.proposal_change").detail["votes_set_aside"] == 1


def test_a_withdrawn_proposal_is_not_enacted_and_a_new_one_can_follow(reported_case, decision_maker):
    proposal = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    proposals.withdraw(proposal, by=decision_maker)
    with pytest.raises(proposals.DecisionError, match="withdrawn"):
        proposals.enact(proposal, by=decision_maker)
    assert not Decision.objects.exists()
    assert TimelineEvent.objects.filter(case=reported_case, kind="proposal_withdrawn").exists()
    again = proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    assert again.pk != proposal.pk


def test_one_open_proposal_per_case_and_bad_input_proposes_nothing(reported_case, decision_maker):
    with pytest.raises(proposals.DecisionError) as refused:
        proposals.propose(reported_case, _input(reported_case, rationale=" "), by=decision_maker)
    assert refused.value.field == "rationale"
    assert not Proposal.objects.exists()
    proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    with pytest.raises(proposals.DecisionError, match="already has an open proposal"):
        proposals.propose(reported_case, _input(reported_case), by=decision_maker)
    assert Proposal.objects.count() == 1


def test_the_recommendation_is_checked_when_proposing(reported_case, decision_maker):
    with pytest.raises(proposals.DecisionError) as refused:
        proposals.propose(reported_case, _input(reported_case, "permanent_ban", departure_reason=""),
                          by=decision_maker)
    assert refused.value.field == "departure_reason"


def test_administrators_set_the_policy_and_others_may_not(administrator, decision_maker):
    proposals.set_policy(by=administrator, four_eyes_from_position=3, quorum=2)
    saved = DecisionPolicy.objects.get()
    assert (saved.four_eyes_from_position, saved.quorum, saved.updated_by) == (3, 2, administrator)
    assert AuditEntry.objects.get(action="decision.policy").detail["after"] == {"four_eyes_from_position": 3,
                                                                               "quorum": 2}
    with pytest.raises(access.Denied):
        proposals.set_policy(by=decision_maker, four_eyes_from_position=None, quorum=0)
    with pytest.raises(proposals.DecisionError) as refused:
        proposals.set_policy(by=administrator, four_eyes_from_position=None, quorum=1)
    assert refused.value.field == "quorum"
    assert DecisionPolicy.objects.get().quorum == 2
