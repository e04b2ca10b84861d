"""Fixtures for the case tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from steward.cases.models import Case


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """Staff users are made in almost every test here; Argon2 is slow on purpose, and no test signs in by password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def assigned_case(case: Case, handler: Any) -> Case:
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    case.refresh_from_db()
    return case


@pytest.fixture
def second_case(file_report: Callable[..., Any]) -> Case:
    report, _ = file_report(narrative="A second report about the same person being rude in review comments.")
    return report.case

