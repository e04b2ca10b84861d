"""The emails cases send, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class AssigneeNotice(outbox.Message, kind="cases.assignee_notice"):
    """Tell a case's assignee that something needs them."""

    ASSIGNED = "assigned"
    REPORTER_MESSAGE = "reporter_message"

    case: int
    reason: str


@dataclass(frozen=True)
class ConsultantAsked(outbox.Message, kind="cases.consultant_asked"):
    """Tell a consultant they were consulted on a case (the reference and a link, nothing of the case)."""

    consultation: int


@dataclass(frozen=True)
class SecurityAlert(outbox.Message, kind="cases.security_alert"):
    """The P1 safety alert to Security's on-call address: sent before anything else waiting."""

    priority = 100
    case: int
