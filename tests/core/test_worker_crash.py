"""The worker killed with SIGKILL in the middle of sending 30 emails, then started again:
every email reaches a real SMTP server, none is lost, and the only one that can arrive twice
(the one in flight at the kill) is marked uncertain in its outbox row.

The worker runs as a real process (`manage.py run_worker`) against a database both it and
the test can see: on PostgreSQL the test database (committed rows, `transaction=True`), on
SQLite a migrated database file of its own (a copy of the run's `migrated_sqlite`; pytest-django's
SQLite test database lives in memory)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from steward.core.models import OutboxMessage
from tests.smtp import Inbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 30


def seed() -> None:
    """30 staff invitations: 30 emails waiting in the outbox."""
    from steward.staff import services
    from steward.staff.permissions import CREATE_STAFF_COMMAND

    for n in range(MESSAGES):
        services.invite_staff(by=CREATE_STAFF_COMMAND, username=f"crash{n}", email=f"crash{n}@example.org", roles=["triager"])


# The same, in a process of its own on the SQLite file.
SQLITE_SETUP = f"""
from steward.staff import services
from steward.staff.permissions import CREATE_STAFF_COMMAND
for n in range({MESSAGES}):
    services.invite_staff(by=CREATE_STAFF_COMMAND, username=f"crash{{n}}", email=f"crash{{n}}@example.org", roles=["triager"])
"""


def message_ids(inbox: Inbox) -> list[str]:
    return [str(mail.message["Message-ID"]) for mail in inbox.received]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server(pace=0.05) as server:  # a real server's pace, so the kill lands mid-way
        yield server


@pytest.fixture
def shared_database(tmp_path: Path, transactional_db: Any,
                    migrated_sqlite: Callable[[Path], Path]) -> tuple[str, Callable[[], list[dict[str, Any]]]]:
    """A database URL the worker process can use, with 30 emails waiting in its outbox, and a way
    to read the outbox rows from it."""
    if connection.vendor == "postgresql":
        seed()
        db = connection.settings_dict
        url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"

        def rows() -> list[dict[str, Any]]:
            return list(OutboxMessage.objects.values("idempotency_key", "status", "uncertain", "attempts"))

        return url, rows
    path = migrated_sqlite(tmp_path / "worker.sqlite3")
    subprocess.run([sys.executable, "manage.py", "shell", "-v0", "-c", SQLITE_SETUP], cwd=ROOT,
                   env=environment(f"sqlite:///{path}", 0), check=True, timeout=180)

    def sqlite_rows() -> list[dict[str, Any]]:
        with sqlite3.connect(path, timeout=20) as db:
            found = db.execute("SELECT idempotency_key, status, uncertain, attempts FROM core_outboxmessage").fetchall()
        return [{"idempotency_key": k, "status": s, "uncertain": bool(u), "attempts": a} for k, s, u, a in found]

    return f"sqlite:///{path}", sqlite_rows


def environment(database_url: str, smtp_port: int) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "DATABASE_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port), "EMAIL_TIMEOUT": "10",
            # A claim left by the killed worker lapses after 2 s, so the restarted one resends it soon.
            "STEWARD_OUTBOX_LEASE_SECONDS": "2"}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "manage.py", "run_worker", "--no-tasks"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_what_it_must(smtp, shared_database, tmp_path):
    inbox, port = smtp
    url, rows = shared_database
    env = environment(url, port)
    assert len(rows()) == MESSAGES and {row["status"] for row in rows()} == {"pending"}
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        wait_until(lambda: len(inbox.received) >= 8, "the first worker has sent a few")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    at_kill = len(set(message_ids(inbox)))
    assert at_kill < MESSAGES, "the worker finished before it was killed: the test proves nothing"

    second = start_worker(env, log)
    try:
        wait_until(lambda: all(row["status"] == "sent" for row in rows()), "every row is sent", seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    expected = {f"<{row['idempotency_key']}@example.org>" for row in rows()}
    arrivals = Counter(message_ids(inbox))
    assert set(arrivals) == expected, log.read_text()  # every message arrived
    twice = {message_id for message_id, count in arrivals.items() if count > 1}
    assert len(twice) <= 1 and max(arrivals.values()) <= 2  # only the one in flight at the kill
    by_id = {f"<{row['idempotency_key']}@example.org>": row for row in rows()}
    assert all(by_id[message_id]["uncertain"] for message_id in twice)
    assert sum(row["uncertain"] for row in rows()) <= 1
    assert all(row["attempts"] == 1 for message_id, row in by_id.items() if not row["uncertain"])
