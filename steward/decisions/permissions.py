"""What staff may do with decisions, registered on cases: triagers decide any case, decision
makers the cases awaiting or having a decision."""

from __future__ import annotations

from enum import StrEnum

from steward.cases.models import Case
from steward.cases.permissions import CASES_TO_DECIDE, EVERY_CASE
from steward.core import access
from steward.core.roles import Role


class DecisionAction(StrEnum):
    DECIDE = "decide"


def register() -> None:
    access.grant(Case, access.rule(Role.TRIAGER, EVERY_CASE, DecisionAction.DECIDE),
                 access.rule(Role.DECISION_MAKER, CASES_TO_DECIDE, DecisionAction.DECIDE))
