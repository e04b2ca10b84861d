"""What staff may do with reports: record one taken by phone, mail or in person. Reading a report,
writing to its reporter and opening its evidence are actions on its case (`CaseAction`)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.cases.permissions import CaseAction
from steward.core import access, navigation
from steward.core.actors import SystemActor
from steward.core.roles import Role

from .models import Evidence, Message, Report


class ReportAction(StrEnum):
    RECORD_REPORT = "record_report"


# Intake acting for the reporter (or for the staff member who typed a report in): it records the
# accounts the reporter named and the conflicts of interest they reveal. Audited as "reporter".
INTAKE = SystemActor("intake", kind="reporter", may=frozenset({CaseAction.RECORD_PARTY}))
# `manage.py reencrypt_evidence`: rewrites stored files into the current format; it reads no content for anyone.
REENCRYPT_EVIDENCE = SystemActor("reencrypt_evidence command")


def register() -> None:
    access.related(Report, to=lambda report: report.case)
    access.related(Message, to=lambda message: message.report)
    access.related(Evidence, to=lambda evidence: evidence.report)
    access.register_global(ReportAction.RECORD_REPORT, {Role.TRIAGER, Role.CASE_HANDLER})
    navigation.register(navigation.Page("reports:staff_record", _("Record a report"), ReportAction.RECORD_REPORT), order=20)
