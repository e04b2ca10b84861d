"""What cases may ask the apps above them (reports, decisions), without reaching up into them.

Reports sit above cases (intake opens a case), so cases never import them nor follow the
reverse relation from a case to its reports. The few things a case needs to know of its reports (how many,
which report a reference names, the reporter's email index for conflicts, the categories for the
queue, the rows the case page renders) are answered by a provider the reports app registers here
from its ``AppConfig.ready()``. Changes go the other way, by events (`steward.cases.events`):
the reports app moves its own rows when cases are merged or split.

The case page shows the case's decisions the same way: the decisions app provides them.

A query interface rather than an event: a read has one answer, from one owner, and the caller
waits for it; events are for telling the apps above that something happened.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class FiledReport:
    """The facts of one report a case may use; no report content (the email index is a keyed hash)."""

    pk: int
    case: int
    reference: str
    space: int | None
    danger_now: bool | None
    ongoing: bool | None
    language: str  # the language the reporter chose for replies
    contact_email_index: str


class ReportProvider(Protocol):
    def filed(self, case_ids: Collection[int]) -> list[FiledReport]:
        """The reports filed into these cases, oldest first."""

    def case_of(self, report_id: int) -> int | None:
        """The case report `report_id` is filed into (None: no such report)."""

    def categories(self, case_ids: Collection[int]) -> dict[int, list[str]]:
        """Per case, the category slugs its readable reports name (no duplicates, in order).
        The caller decides who may see them; a fixed number of queries whatever the number of cases."""

    def evidence_ids(self, case_id: int) -> list[int]:
        """Ids of the evidence files of the case's reports (for its access history)."""

    def for_page(self, case_id: int) -> Sequence[Any]:
        """The case's reports as the staff pages render them (messages and files loaded)."""

    def message_reporters(self, case_id: int, *, by: Any, body: str) -> int:
        """Write to the reporter of each of the case's reports that can still be read (on their
        follow-up thread, with the notice email); how many were written to. Only through
        `cases.services.message_reporters`, which checks who may."""

    def notify_reporters(self, case_id: int) -> int:
        """Email each reporter of the case's readable reports who left an address that there is
        something to read on their follow-up page (no content, no receipt code); how many."""
    def contact_email(self, report_id: int) -> str | None:
        """The address the reporter of a readable report left for replies (None: anonymous, erased
        or no such report); for the emails the decisions app sends them."""


@dataclass(frozen=True)
class ReporterAppeal:
    """What a reporter's follow-up page shows of appeals against the case's current decision:
    until when it can be appealed, whether this reporter still may, and the appeals' states (no
    grounds, no reasons, and never who appealed other than the reporter themselves)."""

    decided_on: datetime.date
    appeal_until: datetime.date
    may_appeal: bool  # the window is open and this reporter has not appealed it yet
    appealed_on: datetime.date | None  # when this reporter appealed
    under_review: bool  # an appeal is open
    reviewed_on: datetime.date | None  # when an appeal was last decided
    review_outcome: str  # "upheld", "changed", "reversed" or ""
    final: bool  # a decision taken on appeal: it is not appealed again


class AppealProvider(Protocol):
    def for_reporter(self, case_id: int, report_id: int) -> ReporterAppeal | None:
        """The state of appeals for a reporter's follow-up page (None: nothing decided to appeal)."""

    def appeal_as_reporter(self, case_id: int, report_id: int, grounds: str) -> None:
        """File the reporter's appeal against the case's current decision; DomainError when
        refused (window closed, already appealed, empty grounds), changing nothing."""


@dataclass(frozen=True)
class ReporterMessage:
    """The decision's message to one reporter, as it was sent (the follow-up page shows it)."""

    subject: str
    body: str
    language: str


class DecisionProvider(Protocol):
    def for_page(self, case_id: int) -> Sequence[Any]:
        """The case's decisions as the case page renders them, oldest first."""

    def returns_for_page(self, case_id: int) -> Any:
        """The case's interim measures, returns after a ban, check-ins and breaches, for the case page."""

    def reporter_message(self, case_id: int, report_id: int) -> ReporterMessage | None:
        """The message the decision in force wrote to this report's reporter (the follow-up page)."""


_reports: ReportProvider | None = None
_decisions: DecisionProvider | None = None
_appeals: AppealProvider | None = None


def provide_reports(provider: ReportProvider) -> None:
    global _reports  # one provider for the process, registered once at start-up
    _reports = provider


def provide_decisions(provider: DecisionProvider) -> None:
    global _decisions
    _decisions = provider


def reports() -> ReportProvider:
    if _reports is None:
        raise ImproperlyConfigured("No report provider: steward.reports must be in INSTALLED_APPS.")
    return _reports


def decisions() -> DecisionProvider:
    if _decisions is None:
        raise ImproperlyConfigured("No decision provider: steward.decisions must be in INSTALLED_APPS.")
    return _decisions


# The decisions app answers the reporter's appeal (the follow-up page, in the reports app).


def provide_appeals(provider: AppealProvider) -> None:
    global _appeals
    _appeals = provider


def appeals() -> AppealProvider:
    if _appeals is None:
        raise ImproperlyConfigured("No appeal provider: steward.decisions must be in INSTALLED_APPS.")
    return _appeals


# The decisions app answers what the follow-up page shows of a proposed outcome, and records the
# reporter's feedback on it (recorded, not binding).


@dataclass(frozen=True)
class ReporterProposal:
    """The proposed outcome a reporter was told about, on their follow-up page, and their feedback."""

    told_on: datetime.date
    text: str  # the decision maker's short neutral text (case content: the read is audited)
    may_give_feedback: bool  # the proposal is open and this reporter has not given feedback yet
    feedback_on: datetime.date | None  # when this reporter gave theirs
    feedback: str  # their own words, shown back to them only
    agrees: bool | None


class ProposalFeedbackProvider(Protocol):
    def for_reporter(self, case_id: int, report_id: int) -> ReporterProposal | None:
        """The open proposal's outcome as told to the reporters (None: nothing to show); audited."""

    def give_feedback(self, case_id: int, report_id: int, body: str, agrees: bool | None) -> None:
        """Record the reporter's feedback once; DomainError when refused (no open proposal any
        more, already given, empty), changing nothing."""


_proposal_feedback: ProposalFeedbackProvider | None = None


def provide_proposal_feedback(provider: ProposalFeedbackProvider) -> None:
    global _proposal_feedback
    _proposal_feedback = provider


def proposal_feedback() -> ProposalFeedbackProvider:
    if _proposal_feedback is None:
        raise ImproperlyConfigured("No proposal feedback provider: steward.decisions must be in INSTALLED_APPS.")
    return _proposal_feedback


# The enforcement app answers what the case page shows of the case's rollouts (their state).


class RolloutProvider(Protocol):
    def for_page(self, case_id: int) -> Sequence[Any]:
        """The case's rollouts as the case page summarises them (state and progress, no account names)."""

    def carried_out_on(self, case_id: int) -> datetime.date | None:
        """The day the case's standing decision was carried out on every system (its rollout
        closed), for the reporter's follow-up page; None while under way, or when there is none."""


_rollouts: RolloutProvider | None = None


def provide_rollouts(provider: RolloutProvider) -> None:
    global _rollouts
    _rollouts = provider


def rollouts() -> RolloutProvider | None:
    """None when steward.enforcement is not installed: the case page then shows no rollout."""
    return _rollouts
