"""The guided triage questions and the priority they point to.

The triager always has the last word: the proposal is shown, the chosen priority and
the reason for any difference are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Priority


@dataclass(frozen=True)
class TriageAnswers:
    danger: bool
    ongoing: bool
    staff_or_leader_involved: bool
    public: bool
    pattern: bool
    legal_exposure: bool
    violation: str  # "yes", "unclear" or "no"
    reporter_country: str = ""
    reported_country: str = ""
    # Asked since the decision-making policy; None: not said (and in triages recorded before).
    threats: bool | None = None
    minor_involved: bool | None = None
    staff_or_contractor_involved: bool | None = None


def propose_priority(answers: TriageAnswers) -> Priority:
    if answers.danger:
        return Priority.P1
    if (answers.ongoing or answers.staff_or_leader_involved or answers.legal_exposure or answers.pattern
            or answers.threats or answers.minor_involved or answers.staff_or_contractor_involved):
        return Priority.P2
    if answers.violation == "no":
        return Priority.P4
    return Priority.P3
