"""What happens to cases that the apps above must follow (reports move with their case).

Published inside the case action's transaction by `steward.cases.services`. Identifiers only."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.events import Event


@dataclass(frozen=True)
class CasesMerged(Event[None]):
    """The cases `sources` were merged into `target`: everything filed into them now belongs to `target`."""

    target: int
    sources: tuple[int, ...]
    by: int


@dataclass(frozen=True)
class ReportSplitOff(Event[None]):
    """Report `report` leaves case `source` for the new case `target`, opened for it."""

    source: int
    target: int
    report: int
    by: int
