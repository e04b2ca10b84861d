"""The reports app answers what the cases app may ask about the reports filed into its cases
(`steward.cases.providers`); registered from `ReportsConfig.ready()`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from steward.cases import services as cases
from steward.cases.providers import FiledReport
from steward.core import audit, outbox

from .messages import ReporterNotice, ReporterToRead
from .models import Evidence, Message, Report, ongoing_as_bool


class ReportsForCases:
    def filed(self, case_ids: Collection[int]) -> list[FiledReport]:
        rows = Report.objects.filter(case_id__in=list(case_ids)).order_by("received_at", "pk").values_list(
            "pk", "case_id", "space_id", "danger_now", "ongoing", "preferred_language", "contact_email_index")
        return [FiledReport(pk=pk, case=case, reference=f"R-{pk:05d}", space=space, danger_now=danger,
                            ongoing=ongoing_as_bool(ongoing), language=language, contact_email_index=index)
                for pk, case, space, danger, ongoing, language, index in rows]

    def case_of(self, report_id: int) -> int | None:
        return Report.objects.filter(pk=report_id).values_list("case_id", flat=True).first()

    def categories(self, case_ids: Collection[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for report in Report.objects.filter(case_id__in=list(case_ids)).select_related("data_key").order_by(
                "received_at", "pk"):
            slugs = found.setdefault(report.case_id, [])
            if report.data_key.wrapped is not None:  # an erased report names nothing
                slugs.extend(slug for slug in report.categories if slug not in slugs)
        return found

    def evidence_ids(self, case_id: int) -> list[int]:
        return list(Evidence.objects.filter(report__case_id=case_id).order_by("pk").values_list("pk", flat=True))

    def for_page(self, case_id: int) -> Sequence[Report]:
        return list(Report.objects.filter(case_id=case_id).select_related("data_key", "space", "recorded_by")
                    .prefetch_related("evidence", "messages__author", "messages__files"))

    def message_reporters(self, case_id: int, *, by: Any, body: str) -> int:
        """A message from staff on each readable report's thread (as `services.message_reporter`
        writes one), with the notice email to a reporter who left an address."""
        written = 0
        for report in Report.objects.filter(case_id=case_id).select_related("data_key", "case").order_by("pk"):
            if report.is_erased:
                continue
            message = Message(report=report, direction=Message.Direction.TO_REPORTER, author=by)
            message.body = body
            message.save(force_insert=True)
            cases.record_event(report.case, "message_to_reporter", by, report=report.reference)
            audit.record(by, "report.message", report, detail={"message": message.pk})
            if report.contact_email_sealed:
                outbox.send(ReporterNotice(report=report.pk))
            written += 1
        return written

    def notify_reporters(self, case_id: int) -> int:
        """The "something to read" email to each readable report's reporter who left an address."""
        emailed = 0
        for report in Report.objects.filter(case_id=case_id).select_related("data_key").order_by("pk"):
            if report.is_erased or not report.contact_email_sealed:
                continue
            outbox.send(ReporterToRead(report=report.pk))
            emailed += 1
        return emailed

    def contact_email(self, report_id: int) -> str | None:
        report = Report.objects.select_related("data_key", "case").filter(pk=report_id).first()
        if report is None or report.is_erased or not report.contact_email_sealed:
            return None
        return report.contact_email or None
