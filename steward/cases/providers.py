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


class DecisionProvider(Protocol):
    def for_page(self, case_id: int) -> Sequence[Any]:
        """The case's decisions as the case page renders them, oldest first."""


_reports: ReportProvider | None = None
_decisions: DecisionProvider | None = None


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
