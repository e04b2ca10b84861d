"""Registry fixtures: a screener, a working-group member, HR, and a person with a record."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from steward.core.roles import Role
from steward.registry import records
from steward.registry.models import ViolationRecord
from tests.conftest import make_staff


@pytest.fixture
def screener(db: Any) -> User:
    return make_staff("sia", Role.SCREENER, first_name="Sia")


@pytest.fixture
def member(db: Any) -> User:
    return make_staff("wendy", Role.WORKING_GROUP, first_name="Wendy")


@pytest.fixture
def hr(db: Any) -> User:
    return make_staff("harriet", Role.CONSULTANT_HR, first_name="Harriet")


def enter(hr: User, name: str = "Dmitri Ivanov", emails: tuple[str, ...] = ("dmitri.ivanov@gmail.com",),
          accounts: tuple[tuple[str, str], ...] = (("github", "divanov"),), **extra: Any) -> ViolationRecord:
    return records.enter_record(records.EnteredRecord(name=name, emails=emails, accounts=accounts, **extra), by=hr)


@pytest.fixture
def banned(hr: User) -> ViolationRecord:
    """A person HR recorded for a matter handled outside Steward."""
    return enter(hr, level="Permanent ban")
