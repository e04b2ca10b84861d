"""Shared fixtures: the three canonical staff users (assigned, unrelated, conflicted
arrive with issue 3's conflicts), a triager, spaces, and a helper that files a report."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group, User
from django.test import Client
from PIL import Image

from steward.cases.models import Case, Space
from steward.core import outbox
from steward.core.models import OutboxMessage
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.models import Report

PASSWORD = "correct horse battery staple 42"
# Every fixture staff member has this authenticator-app secret activated (a second factor is mandatory).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows now (allauth's own HOTP computation)."""
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


# Under `make test` (STEWARD_REQUIRE_ALL) and on CI every test must run: a missing service or tool
# fails the run, naming what is missing, instead of leaving a skip that nobody reads.
REQUIRE_ALL = os.environ.get("CI", "").lower() == "true" or os.environ.get("STEWARD_REQUIRE_ALL", "") not in {"", "0"}


def missing(what: str, how: str) -> NoReturn:
    """A service or tool a test needs is not here: skipped on a developer's machine, a failure under `make test` and CI."""
    message = f"{what} is missing: {how}"
    if REQUIRE_ALL:
        pytest.fail(f"{message} (`make test` and CI run every test)", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql` need real concurrent PostgreSQL transactions: `make test-postgres`
    runs them, and the SQLite run leaves them out (deselected, not skipped: nothing is hidden).
    Tests marked `once` never use the database under test, so the PostgreSQL run leaves them out."""
    from django.db import connection

    other = "once" if connection.vendor == "postgresql" else "postgresql"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Whatever else skips a test (a marker, importorskip) fails it too where every test must run."""
    report = yield
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped, but `make test` and CI run every test: {reason}"
    return report


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_to_start() -> Generator[None]:
    """A request through the test client leaves its language active in the thread (Django's locale
    middleware activates it): every test starts in English, whatever the test before it asked for."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_scheduler() -> None:
    """Each test's database starts without job state: forget what the jobs remember of it."""
    from steward.core import scheduler

    for job in scheduler.jobs():
        job.known_next = job.due_locally = None


ROOT = Path(__file__).resolve().parents[1]


def clean_environment(var_dir: Path, database: Path) -> dict[str, str]:
    """The environment of a fresh Steward process on a SQLite file of its own: none of Steward's, Django's or
    the database's settings of the run under test, development keys in ``var_dir``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("STEWARD_", "DATABASE_", "DJANGO_", "SECRET_KEY"))}
    env.update({"STEWARD_VAR_DIR": str(var_dir), "DATABASE_URL": f"sqlite:///{database}",
                "DJANGO_SETTINGS_MODULE": "steward.settings"})
    return env


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Copies of a SQLite file that `manage.py migrate` built once for the whole run, in a fresh process, for
    the tests that start Steward's commands or its worker on a database of their own: copying it is what
    migrating a new file each time gave them, without a migration per test. The xdist workers share one
    file (the first to need it builds it, under a lock). Returns a function that copies it to a path."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's own temporary folder is in
    template = root / "migrated.sqlite3"
    with (root / "migrated.sqlite3.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            build = Path(tmp_path_factory.mktemp("migrate"))
            database = build / "db.sqlite3"
            migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT,
                                      env=clean_environment(build, database), capture_output=True, text=True,
                                      check=False)
            assert migrated.returncode == 0, migrated.stderr
            with sqlite3.connect(database) as connection:  # everything in the main file, nothing left in -wal
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            shutil.copyfile(database, root / "migrated.sqlite3.part")
            (root / "migrated.sqlite3.part").rename(template)

    def copy(to: Path) -> Path:
        shutil.copyfile(template, to)
        to.chmod(0o600)
        return to

    return copy


def queued[M: outbox.Message](message_type: type[M]) -> list[M]:
    """The messages of one kind waiting in (or sent from) the outbox, oldest first."""
    return [message_type(**row.payload) for row in OutboxMessage.objects.filter(kind=message_type.kind).order_by("pk")]


def deliver_outbox() -> int:
    """Deliver everything due in the outbox, as the worker would; returns how many were tried."""
    return outbox.dispatch(limit=10_000)


def make_staff(username: str, *roles: str, first_name: str = "", email: str = "", mfa: bool = True) -> User:
    user = User.objects.create_user(username, email or f"{username}@example.org", PASSWORD,
                                    first_name=first_name or username.title(), is_staff=True)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
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
def decision_maker(db: Any) -> User:
    return make_staff("dora", Role.DECISION_MAKER, first_name="Dora")


@pytest.fixture
def administrator(db: Any) -> User:
    return make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")


@pytest.fixture
def space(db: Any) -> Space:
    return Space.objects.create(name="steward/steward", kind=Space.Kind.REPOSITORY, url="https://example.org/repo")


def login(user: User, *, second_factor: bool = True, at: float | None = None) -> Client:
    """A client signed in as `user`, as if through the password and second-factor steps.

    `force_login` skips allauth's flow, so this writes what that flow leaves in the session:
    a password step and (for a user with an activated authenticator) a second-factor step,
    at time `at` (now by default). Steward's middleware checks those records, so a session
    without the second-factor step is still sent to prove it.
    """
    client = Client()
    client.force_login(user)
    when = time.time() if at is None else at
    records: list[dict[str, Any]] = [{"method": "password", "at": when, "username": user.username}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if second_factor and totp is not None:
        records.append({"method": "mfa", "at": when, "id": totp.pk, "type": "totp"})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
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


def file_received_reports() -> list[Report]:
    """File the reports the form received, as the worker does a moment later (`reports.file` messages)."""
    from steward.reports import services as report_services
    from steward.reports.models import ReceivedReport

    pending = ReceivedReport.objects.filter(report__isnull=True).order_by("pk").values_list("pk", flat=True)
    return [report for pk in list(pending) if (report := report_services.file_received(pk)) is not None]
