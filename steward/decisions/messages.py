"""The emails decisions send, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class ResponseAsked(outbox.Message, kind="decisions.response_asked"):
    """Ask a reported person to respond to a proposed decision. The single-use link is made when
    the email is written, so no usable link is ever stored."""

    request: int


@dataclass(frozen=True)
class AppealToDecide(outbox.Message, kind="decisions.appeal_to_decide"):
    """Tell the decision makers an appeal goes to (none who took part, none conflicted) that it waits."""

    appeal: int


@dataclass(frozen=True)
class AppealDecidedNotice(outbox.Message, kind="decisions.appeal_decided"):
    """Tell the person a decision applies to how their case's appeal was decided, in neutral words."""

    appeal: int


@dataclass(frozen=True)
class DecisionMessageToSend(outbox.Message, kind="decisions.decision_message"):
    """Email one stored decision message (decisions/decision_messages.py) to its recipient."""

    message: int
