"""Fixtures for decisions, erasure, retention and export: a decision maker and a case
awaiting a decision about one reported account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from steward.cases.models import Case, Party, Status
from steward.core.roles import Role
from steward.reports.services import Account
from tests.conftest import make_staff


@pytest.fixture
def decision_maker(db: Any) -> User:
    return make_staff("dora", Role.DECISION_MAKER, first_name="Dora")


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
