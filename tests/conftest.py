"""Shared fixtures: the three canonical staff users (assigned, unrelated, conflicted
arrive with issue 3's conflicts), a triager, spaces, and a helper that files a report."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from PIL import Image

from steward.cases.models import Case, Space
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.models import Report

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.cache import cache

    cache.clear()


def make_staff(username: str, *roles: str, first_name: str = "", email: str = "") -> User:
    user = User.objects.create_user(username, email or f"{username}@example.org", PASSWORD,
                                    first_name=first_name or username.title(), is_staff=True)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def triager(db: Any) -> User:
    return make_staff("tara", Role.TRIAGER, first_name="Tara")


@pytest.fixture
def handler(db: Any) -> User:
    """A case handler who will be assigned the case under test."""
    return make_staff("hana", Role.CASE_HANDLER, first_name="Hana")


@pytest.fixture
def unrelated(db: Any) -> User:
    """A case handler with no link to the case under test."""
    return make_staff("uma", Role.CASE_HANDLER, first_name="Uma")


@pytest.fixture
def administrator(db: Any) -> User:
    return make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")


@pytest.fixture
def space(db: Any) -> Space:
    return Space.objects.create(name="steward/steward", kind=Space.Kind.REPOSITORY, url="https://example.org/repo")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_bytes(with_exif: bool = False) -> bytes:
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    out = io.BytesIO()
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "CanaryCameraMaker"  # Make
        image.save(out, format="JPEG", exif=exif.tobytes())
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def file_report(db: Any) -> Callable[..., tuple[Report, str]]:
    """File a report through the service, as the public form would."""
    counter = iter(range(1, 10_000))

    def _file(narrative: str = "He kept sending me insulting messages in the project chat.", **overrides: Any) -> tuple[Report, str]:
        intake = report_services.Intake(narrative=narrative, reporter_role=Report.ReporterRole.AFFECTED,
                                        submission_token=f"token-{next(counter)}-{id(overrides)}", **overrides)
        return report_services.submit_report(intake)

    return _file


@pytest.fixture
def case(file_report: Callable[..., tuple[Report, str]]) -> Case:
    report, _ = file_report()
    return report.case
