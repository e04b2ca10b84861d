"""Helpers shared by the case tests: triage answers, a snapshot of
everything a case request could change."""

from __future__ import annotations

from typing import Any

from steward.cases.models import Case, Note, Party, TimelineEvent, Triage
from steward.cases.triage import TriageAnswers
from steward.core.models import AuditEntry, OutboxMessage
from steward.registry.models import Identity, Person
from steward.reports.models import Message, Report


def answers(**overrides: Any) -> TriageAnswers:
    """Answers that point to P3 unless overridden."""
    values: dict[str, Any] = {"danger": False, "ongoing": False, "staff_or_leader_involved": False, "public": False,
                              "pattern": False, "legal_exposure": False, "violation": "yes"}
    values.update(overrides)
    return TriageAnswers(**values)


def triage_post(**overrides: str) -> dict[str, str]:
    """A triage form submission whose answers propose P3."""
    data = {"danger": "no", "ongoing": "no", "staff_or_leader_involved": "no", "public": "no", "pattern": "no",
            "legal_exposure": "no", "violation": "yes", "reporter_country": "", "reported_country": "",
            "priority": "P3", "reason": ""}
    data.update(overrides)
    return data


def set_status(case: Case, status: str) -> Case:
    """Put a case in a state directly (test set-up, not a transition under test)."""
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def snapshot() -> dict[str, Any]:
    """Everything a case or report action could write, to prove a refused request wrote nothing."""
    return {
        "cases": list(Case.objects.order_by("pk").values()),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "case_id")),
        "notes": list(Note.objects.order_by("pk").values_list("pk", "case_id", "body_sealed")),
        "parties": list(Party.objects.order_by("pk").values_list("pk", "case_id", "person_id", "role")),
        "people": Person.objects.count(),
        "identities": Identity.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "triages": Triage.objects.count(),
        "messages": Message.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }
