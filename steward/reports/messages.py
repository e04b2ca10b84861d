"""The emails sent to reporters, as outbox messages: identifiers only (steward/core/outbox.py).
How each is delivered is in `notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class AcknowledgeReport(outbox.Message, kind="reports.acknowledge"):
    """Tell a reporter who left an address that their report arrived."""

    report: int


@dataclass(frozen=True)
class ReporterNotice(outbox.Message, kind="reports.reporter_notice"):
    """Tell a reporter that staff wrote to them (the message itself is read with the receipt code)."""

    report: int
