"""The recommended level or outcome for a case: a pure function of the latest triage answers,
the person's earlier decisions and the current ladder, with the reason in words.

Rules, in order:
- triage found no violation: no violation;
- danger, or priority P1: the first ban level (levels are skipped for severe cases);
- earlier sanctions in the last 12 months: one level above the most severe of them
  (the top level stays the top level);
- an earlier "flagged" outcome, or a pattern: one level above the mildest;
- otherwise: the mildest level.
The decision maker may choose otherwise, with a written reason."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Ban, Outcome

WINDOW_DAYS = 365


class Rung(Protocol):
    """What the recommendation needs of a level (a `Level`)."""

    key: str
    name: str
    position: int
    ban: str


@dataclass(frozen=True)
class Earlier:
    """One earlier decision about the person: its outcome, level position (None for outcomes)
    and level name as decided."""

    outcome: str
    position: int | None
    name: str
    decided_on: datetime.date


@dataclass(frozen=True)
class Recommendation:
    code: str  # a level key, or an Outcome value
    label: str
    reason: str


def recommend(answers: dict[str, object], earlier: Sequence[Earlier], levels: Sequence[Rung],
              today: datetime.date) -> Recommendation:
    """`levels` mildest first; `earlier` in any order; `answers` the latest triage's (may be empty)."""
    if answers.get("violation") == "no":
        return Recommendation(Outcome.NO_VIOLATION, str(Outcome.NO_VIOLATION.label),
                              _("Triage found no violation of the guidelines."))
    if not levels:
        return Recommendation(Outcome.FLAGGED, str(Outcome.FLAGGED.label),
                              _("There is no current consequence ladder to choose a level from."))
    ordered = sorted(levels, key=lambda level: level.position)
    if answers.get("danger") or answers.get("priority") == "P1":
        ban = next((level for level in ordered if level.ban != Ban.NONE), ordered[-1])
        return _level(ban, _("Someone is in danger or the case is of the highest priority: "
                             "levels are skipped up to %(level)s.") % {"level": ban.name})
    since = today - datetime.timedelta(days=WINDOW_DAYS)
    recent = [item for item in earlier if item.outcome == Outcome.LEVEL and item.position is not None
              and item.decided_on >= since]
    if recent:
        worst = max(recent, key=lambda item: item.position or 0)
        above = next((level for level in ordered if level.position > (worst.position or 0)), ordered[-1])
        count = len(recent) + 1
        if count == 2:
            reason = _("Second violation in 12 months: one level above the last (%(last)s).") % {"last": worst.name}
        else:
            reason = ngettext("%(count)d violation in 12 months: one level above the most severe (%(last)s).",
                              "%(count)d violations in 12 months: one level above the most severe (%(last)s).",
                              count) % {"count": count, "last": worst.name}
        return _level(above, reason)
    flagged = any(item.outcome == Outcome.FLAGGED for item in earlier)
    if flagged or answers.get("pattern"):
        step = ordered[1] if len(ordered) > 1 else ordered[0]
        why = (_("An earlier case about this person was flagged: one level above the mildest.") if flagged
               else _("Triage found a pattern of behaviour: one level above the mildest."))
        return _level(step, why)
    if earlier:
        return _level(ordered[0], _("No sanction in the last 12 months: the mildest level."))
    return _level(ordered[0], _("First violation on record: the mildest level."))


def _level(level: Rung, reason: str) -> Recommendation:
    return Recommendation(level.key, level.name, reason)
