"""The emails of the return after a ban, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `return_notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class ReturnInvitation(outbox.Message, kind="decisions.return_invitation"):
    """Invite the banned person to onboarding before the ban ends, with their return link."""

    invitation: int  # a Return


@dataclass(frozen=True)
class CheckInReminder(outbox.Message, kind="decisions.check_in_reminder"):
    """Remind the case's handler of a check-in due with a returned person."""

    check_in: int
