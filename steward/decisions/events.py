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
    outcome: str
    subject: int | None
    ban_until: datetime.date | None
    by: int
