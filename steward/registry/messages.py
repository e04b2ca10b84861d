"""The emails the registry sends, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class ReferralsWaiting(outbox.Message, kind="registry.referrals_waiting"):
    """Tell the working group that a screening referred applicants to them."""

    screening: int


@dataclass(frozen=True)
class ReferralDecided(outbox.Message, kind="registry.referral_decided"):
    """Tell a screener that the working group decided on one of their referred applicants."""

    referral: int
