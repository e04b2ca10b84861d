from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from steward.cases.models import Case
from steward.decisions import services
from steward.decisions.models import Decision, Outcome

from .conftest import reported_person


def decide(case: Case, by: Any, outcome: str = Outcome.WARNING, *, days: int | None = None,
           summary: str = "A warning was given.", rationale: str = "Insults in the chat, first time.") -> Decision:
    """Record a decision through the service; `days` sets a temporary ban's length."""
    ban_until = timezone.localdate() + datetime.timedelta(days=days) if days is not None else None
    subject = reported_person(case) if outcome != Outcome.NO_VIOLATION else None
    return services.record_decision(case, by=by, outcome=outcome, subject=subject, ban_until=ban_until,
                                    reporter_summary=summary, rationale=rationale)
