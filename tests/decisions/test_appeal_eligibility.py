"""An appeal goes to no one who took part in the decision: who decided, who proposed it, and
everyone who signed off or voted on its proposal, including a vote a later change set aside."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from steward.core.roles import Role
from steward.decisions import appeals, proposals
from steward.decisions.models import Appeal, DecisionPolicy
from tests.conftest import make_staff

from .conftest import reported_person
from .helpers import DEPARTURE, level


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def _input(case: Any, summary: str) -> proposals.ProposalInput:
    return proposals.ProposalInput(level=level("warning"), subject=reported_person(case), reporter_summary=summary,
                                   rationale="Insults in the chat.", departure_reason=DEPARTURE)


def test_signers_and_voters_of_the_proposal_never_decide_its_appeal(reported_case, decision_maker):
    signer, dissenter, earlier, enactor, outsider = (
        make_staff(name, Role.DECISION_MAKER) for name in ("sian", "dirk", "erin", "enzo", "olga"))
    DecisionPolicy.objects.all().delete()
    DecisionPolicy.objects.create(quorum=3)
    proposal = proposals.propose(reported_case, _input(reported_case, "A warning."), by=decision_maker)
    proposals.vote(proposal, by=earlier, approve=True)
    proposal = proposals.change(proposal, _input(reported_case, "A written warning."), by=decision_maker)  # sets it aside
    proposals.vote(proposal, by=signer, approve=True)
    proposals.vote(proposal, by=dissenter, approve=False, note="Too mild.")
    proposals.vote(proposal, by=enactor, approve=True)
    decision = proposals.enact(proposal, by=enactor)
    assert decision.took_part() == {decision_maker.pk, signer.pk, dissenter.pk, earlier.pk, enactor.pk}
    appeal = Appeal(decision=decision, case=decision.case, appellant=Appeal.Appellant.REPORTED)
    appeal.grounds = "I disagree."
    appeal.save()
    assert appeals.deciders(appeal) == [outsider]
    for took_part in (decision_maker, signer, dissenter, earlier, enactor):
        assert not appeals.may_decide(took_part, appeal)
        with pytest.raises(appeals.AppealError, match="took part"):
            appeals.decide_appeal(appeal, by=took_part, outcome=Appeal.Status.UPHELD, reasons="Fine.",
                                  reporter_message="Upheld.")
    assert Appeal.objects.get().is_open
    appeals.decide_appeal(appeal, by=outsider, outcome=Appeal.Status.UPHELD, reasons="Proportionate.",
                          reporter_message="The decision was upheld.")
    assert Appeal.objects.get().status == Appeal.Status.UPHELD


def test_a_decision_without_a_proposal_names_only_who_decided(reported_case, decision_maker):
    from .helpers import decide

    decision = decide(reported_case, decision_maker)
    assert decision.took_part() == {decision_maker.pk}
