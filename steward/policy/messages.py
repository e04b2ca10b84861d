"""The emails policy sends, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class ConfirmSubscription(outbox.Message, kind="policy.confirm_subscription"):
    """The link a new subscriber opens to confirm their address."""

    subscriber: int


@dataclass(frozen=True)
class VersionPublished(outbox.Message, kind="policy.version_published"):
    """A version was published with "tell subscribers": delivered by queueing one
    `SubscriberNotice` per confirmed subscriber, so each email is retried on its own."""

    version: int


@dataclass(frozen=True)
class SubscriberNotice(outbox.Message, kind="policy.subscriber_notice"):
    """Tell one subscriber about one new version, in the language they chose."""

    version: int
    subscriber: int

    @property
    def key(self) -> str:
        return f"policy.subscriber-notice.{self.version}.{self.subscriber}"
