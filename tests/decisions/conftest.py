"""Fixtures for decisions, erasure, retention and export: a decision maker and a case
awaiting a decision about one reported account."""

from __future__ import annotations

from typing import Any

import pytest

from steward.cases.models import Case, Party, Status
from steward.reports.services import Account


def awaiting(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_DECISION)
    case.refresh_from_db()
    return case


@pytest.fixture
def reported_case(file_report: Any) -> Case:
    """A case awaiting a decision; its reported person is GitHub user "mallory"."""
    report, _ = file_report(accounts=[Account("github", "mallory")])
    return awaiting(report.case)


def reported_person(case: Case) -> Any:
    return Party.objects.get(case=case, role=Party.Role.REPORTED).person
