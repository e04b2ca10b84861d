"""The emails enforcement sends, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class ModeratorNotice(outbox.Message, kind="enforcement.moderators"):
    """Tell one system's moderators what a decision asks them to enforce (a rollout's step)."""

    action: int
