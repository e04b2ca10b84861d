"""The staff invitation email, as an outbox message (steward/core/outbox.py); delivered in
`notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class StaffInvitation(outbox.Message, kind="staff.invitation"):
    """The link a new staff member opens to choose a password."""

    user: int
