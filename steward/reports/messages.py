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


@dataclass(frozen=True)
class FileReport(outbox.Message, kind="reports.file"):
    """File a received report into a new case (`services.file_received`): not an email, but work
    that must happen once, be retried until it does, and show on the deliveries page if it cannot.
    Ahead of the emails, so staff see a new report as soon as possible; behind the P1 alert."""

    priority = 50
    received: int


@dataclass(frozen=True)
class ReporterToRead(outbox.Message, kind="reports.reporter_to_read"):
    """Tell a reporter there is something to read on their follow-up page (a proposed outcome to
    give feedback on); what it is, is read there with the receipt code."""

    report: int
