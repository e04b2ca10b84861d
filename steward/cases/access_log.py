"""A case's access history for auditors: who read or changed it, when and from where.

Reporters stay unidentifiable: their entries say "reporter" and nothing more (the audit log
never keeps their address), and no detail of any entry is shown, so neither case content nor
the people involved can be read from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from steward.core import access, audit
from steward.core.models import AuditEntry

from . import providers
from .models import Case
from .permissions import CaseAction

# How the recorded actions on a case read to an auditor (the code stays beside it).
ACTION_LABELS = {
    "case.open": _("Case opened"),
    "case.view": _("Case read"),
    "case.triage": _("Triaged"),
    "case.assign": _("Assignment changed"),
    "case.status": _("Status changed"),
    "case.note": _("Internal note added"),
    "case.title": _("Title changed"),
    "case.party": _("Person recorded"),
    "case.merge": _("Cases merged"),
    "case.split": _("Report split off"),
    "case.conflict": _("Conflict of interest recorded"),
    "case.consultation_request": _("Consultation requested"),
    "case.consultation_answer": _("Consultation answered"),
    "case.consultation_withdraw": _("Consultation withdrawn"),
    "case.access_history": _("Access history read"),
    "case.erase": _("Case erased"),
    "decision.record": _("Decision recorded"),
    "decision.consultation_override": _("Decided without waiting for a required consultation"),
    "evidence.download": _("Evidence downloaded"),
    "evidence.preview": _("Evidence previewed"),
    "report.submit": _("Report filed"),
    "report.follow_up": _("Reporter opened the follow-up page"),
    "report.message": _("Message sent to the reporter"),
    "report.reply": _("Reporter replied"),
    "person.export": _("Included in an access-request export"),
}


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    who: str  # a staff username, "reporter" or "system"
    action: str
    ip: str | None

    @property
    def action_label(self) -> str:
        found = ACTION_LABELS.get(self.action)
        return str(found) if found is not None else self.action


def access_history(case: Case, *, by: User, ip: str | None = None) -> list[AccessLine]:
    access.require(by, CaseAction.ACCESS_HISTORY, case)
    reports = [str(report.pk) for report in providers.reports().filed([case.pk])]
    evidence = [str(pk) for pk in providers.reports().evidence_ids(case.pk)]
    condition = (Q(object_type="case", object_id=str(case.pk)) | Q(object_type="report", object_id__in=reports)
                 | Q(object_type="evidence", object_id__in=evidence))
    lines = []
    # In log order; entries the sequencer has not reached yet (no position) come last, by id.
    in_log_order = (F("seq").asc(nulls_last=True), "id")
    for entry in AuditEntry.objects.filter(condition).select_related("actor").order_by(*in_log_order):
        if entry.actor_kind == "reporter":
            lines.append(AccessLine(entry.at, "reporter", entry.action, None))
        else:
            # Background work is named by its job (e.g. "retention purge").
            who = (entry.actor.get_username() if entry.actor is not None
                   else (entry.detail or {}).get("job") or entry.actor_kind or "system")
            lines.append(AccessLine(entry.at, who, entry.action, entry.ip))
    audit.record(by, "case.access_history", case, ip=ip)  # reading the history is itself on the record
    return lines
