"""Fixtures for enforcement: an enforcer, a decision maker, a Matrix connector configured
against a homeserver (real or faked), and a case awaiting a decision about a Matrix account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from steward.cases.models import Case, Party
from steward.core import crypto
from steward.core.models import DataKey
from steward.core.roles import Role
from steward.enforcement import execution, services
from steward.enforcement.models import ActionStatus, ConnectorConfig, Kind, Rollout, RolloutAction
from steward.registry import services as registry
from steward.registry.models import Identity, Person
from steward.reports.services import Account
from tests.conftest import make_staff
from tests.decisions.conftest import awaiting

SERVER = "steward.test"
ROOMS = ("!general:steward.test", "!dev:steward.test", "!events:steward.test")
POLICY_ROOM = "!policy:steward.test"
TOKEN = "syt_fake_token"  # the faked homeserver's; not a secret


@pytest.fixture
def enforcer(db: Any) -> User:
    return make_staff("enzo", Role.ENFORCER, first_name="Enzo")


def configure_matrix(admin: User, *, homeserver: str = "http://matrix.test", rooms: tuple[str, ...] = ROOMS,
                     policy_room: str = POLICY_ROOM, token: str = TOKEN,
                     moderators: tuple[str, ...] = ()) -> ConnectorConfig:
    return services.configure_connector("matrix", by=admin, settings={
        "homeserver": homeserver, "server_name": SERVER, "rooms": list(rooms), "policy_room": policy_room,
        "moderators": list(moderators)}, credentials={"access_token": token})


def matrix_case(file_report: Any, user_id: str = "@mallory:steward.test", *more: Account) -> Case:
    """A case awaiting a decision; its reported person is the Matrix user `user_id`."""
    report, _ = file_report(accounts=[Account("matrix", user_id), *more])
    return awaiting(report.case)


def add_identity(case: Case, system: str, handle: str) -> Person:
    """Another account of the case's reported person (one person, several systems)."""
    person = Party.objects.filter(case=case, role=Party.Role.REPORTED).order_by("pk").first().person  # type: ignore[union-attr]
    identity = Identity(person=person, system=system, handle_index=registry.handle_index(system, handle),
                        data_key=crypto.shared_key(DataKey.Purpose.REGISTRY))
    identity.handle = handle
    identity.save()
    return person


def run_all_due() -> None:
    """What successive worker rounds do: run until no step is due, then pretend the waits passed
    (all but the follow-up check a week later)."""
    for _ in range(10):
        execution.work()
        waiting = RolloutAction.objects.filter(status=ActionStatus.PLANNED).exclude(kind=Kind.FOLLOW_UP)
        if not waiting.exclude(kind=Kind.MANUAL).exists():
            return
        waiting.update(next_attempt_at=timezone.now())


def system_actions(rollout: Rollout) -> list[RolloutAction]:
    """The rollout's steps on systems (not Steward's own messages and checks, nor those done by hand)."""
    return list(rollout.actions.on_systems().order_by("position"))
