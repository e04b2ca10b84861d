"""What a decision tells the apps above it (enforcement plans the rollout, the registry keeps the record).

Published inside `record_decision`'s transaction. Identifiers and choices only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from steward.core.events import Event


@dataclass(frozen=True)
class DecisionRecorded(Event[None]):
    decision: int
    case: int
    outcome: str  # the level's key, or the outcome when it is not a level
    level: int | None
    level_key: str
    ban: str  # "none", "temporary" or "permanent"
    subject: int | None
    starts_on: datetime.date
    ends_on: datetime.date | None  # a temporary ban's end
    by: int


# --- Appeals (decisions/appeals.py) ------------------------------------------------------------


@dataclass(frozen=True)
class AppealFiled(Event[None]):
    appeal: int
    decision: int
    case: int
    appellant: str  # "reporter" or "reported"


@dataclass(frozen=True)
class AppealDecided(Event[None]):
    """An appeal was decided: `outcome` is "upheld", "changed" (then `new_decision` replaces the
    appealed one) or "reversed" (the appealed decision no longer applies, and nothing replaces it)."""

    appeal: int
    decision: int
    case: int
    outcome: str
    new_decision: int | None
    by: int



# --- Interim measures, the end of bans, return and breaches (decisions/interim.py, returns.py) ---


@dataclass(frozen=True)
class InterimMeasureImposed(Event[None]):
    measure: int
    case: int
    subject: int
    restriction: str
    spaces: tuple[int, ...]  # empty: every space
    systems: tuple[str, ...]  # empty: every system
    starts_on: datetime.date
    ends_on: datetime.date
    by: int


@dataclass(frozen=True)
class InterimMeasureEnded(Event[None]):
    measure: int
    case: int
    subject: int | None
    because: str  # "date" or "decision"


@dataclass(frozen=True)
class DecisionEnded(Event[None]):
    """A temporary ban reached its end date."""

    decision: int
    case: int
    subject: int | None
    ended_on: datetime.date


@dataclass(frozen=True)
class PersonReinstated(Event[None]):
    """The person may take part again: the ban ended and any onboarding it required is done."""

    decision: int
    case: int
    subject: int | None


@dataclass(frozen=True)
class BreachRecorded(Event[None]):
    breach: int
    decision: int
    case: int
    subject: int | None
    leads_to: str  # the level key recommended for the new decision, "" when the ladder names none
    by: int


@dataclass(frozen=True)
class ReturnInvited(Event[None]):
    """The person was invited (by email) to onboarding before the ban ends."""

    decision: int
    case: int
    subject: int | None


@dataclass(frozen=True)
class OnboardingCompleted(Event[None]):
    """The person acknowledged the current guidelines through their return link."""

    decision: int
    case: int
    subject: int | None
    guidelines_version: str


@dataclass(frozen=True)
class CheckInDone(Event[None]):
    check_in: int
    decision: int
    case: int
    months: int
    by: int



# --- Proposals (published inside `proposals.py`'s transactions) ------------------------------


@dataclass(frozen=True)
class DecisionProposed(Event[None]):
    proposal: int
    case: int
    outcome: str
    by: int


@dataclass(frozen=True)
class ProposalChanged(Event[None]):
    proposal: int
    case: int
    outcome: str
    by: int


@dataclass(frozen=True)
class ProposalWithdrawn(Event[None]):
    proposal: int
    case: int
    by: int


@dataclass(frozen=True)
class ProposalVoted(Event[None]):
    proposal: int
    case: int
    approve: bool
    by: int


@dataclass(frozen=True)
class ProposalEnacted(Event[None]):
    proposal: int
    decision: int
    case: int
    by: int


@dataclass(frozen=True)
class ResponseRequested(Event[None]):
    proposal: int
    case: int
    request: int
    by: int


@dataclass(frozen=True)
class ResponseReceived(Event[None]):
    proposal: int
    case: int
    request: int
    channel: str


@dataclass(frozen=True)
class DecisionPolicyChanged(Event[None]):
    four_eyes_from_position: int | None
    quorum: int
    by: int


# --- The reporters told the proposed outcome (decisions/reporter_feedback.py) -----------------


@dataclass(frozen=True)
class ReportersTold(Event[None]):
    proposal: int
    case: int
    notice: int
    reports: int  # how many reports' reporters can read it
    by: int


@dataclass(frozen=True)
class ReporterFeedbackGiven(Event[None]):
    proposal: int
    case: int
    feedback: int
    agrees: bool | None
