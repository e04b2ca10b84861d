from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone

from steward.cases.models import Case
from steward.decisions import ladders, preset_files, services
from steward.decisions.models import Decision, Ladder, Level, Outcome

from .conftest import reported_person

DEPARTURE = "Weighed against the recommendation by the decision maker."
# The decision form's fields for the reported person's message (decisions/decision_messages.py).
MESSAGE = {"behaviour": "Repeated insults in the project chat.", "impact": "Two contributors stopped taking part.",
           "expected_change": "Keep discussions civil.", "message_language": "en"}


def current_ladder() -> Ladder:
    """The current ladder: the Covenant 2.1 one the migration installs (installed again when a
    transactional test flushed it)."""
    ladder = ladders.current_ladder()
    if ladder is None:
        version = (Ladder.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        preset = preset_files.presets()[preset_files.LEGACY_PRESET]
        ladder = Ladder.objects.create(name=preset.name, preset=preset.slug, version=version,
                                       status=Ladder.Status.CURRENT, published_at=timezone.now())
        ladders.install_preset_levels(ladder, preset)
    return ladder


def level(key: str) -> Level:
    return current_ladder().levels.get(key=key)


def choice(key: str) -> dict[str, Any]:
    """record_decision's arguments for a level key of the current ladder or an outcome."""
    if key in Outcome.values:
        return {"outcome": key}
    return {"level": level(key)}


def decide(case: Case, by: Any, key: str = "warning", *, days: int | None = None,
           summary: str = "A warning was given.", rationale: str = "Insults in the chat, first time.",
           message: Any = None) -> Decision:
    """Record a decision through the service; `days` sets a temporary ban's length; `message`
    (a MessageInput) writes and sends the decision's messages."""
    ends_on = timezone.localdate() + datetime.timedelta(days=days) if days is not None else None
    subject = reported_person(case) if key not in Outcome.values else None
    return services.record_decision(case, by=by, **choice(key), subject=subject, ends_on=ends_on,
                                    reporter_summary=summary, rationale=rationale, departure_reason=DEPARTURE,
                                    message=message)
