"""The worker killed with SIGKILL in the middle of a 30-action rollout, then started again:
every room ban is carried out and verified, none is lost, and only the one in flight at the
kill can be sent twice (a ban the homeserver takes as the same one).

As in tests/core/test_worker_crash.py, the worker is a real process (`manage.py run_worker`)
against a database both it and the test see (PostgreSQL's test database, or a copy of the run's
migrated SQLite file), calling a faked homeserver served over HTTP on localhost at a real server's pace."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection

from steward.enforcement.models import RolloutAction
from tests.core.test_worker_crash import environment, start_worker, wait_until

from .crash_seed import ROOMS, USER, seed
from .fake_matrix import FakeMatrix

ROOT = Path(__file__).resolve().parents[2]
PACE = 0.03  # seconds per answer


@pytest.fixture
def homeserver() -> Iterator[tuple[FakeMatrix, str]]:
    fake = FakeMatrix(users={USER}, members={(room, USER): "join" for room in ROOMS})
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(PACE)
            request = httpx.Request(self.command, f"http://127.0.0.1{self.path}", headers=dict(self.headers.items()),
                                    content=body)
            with lock:
                response = fake.handle(request)
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_PUT = answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def shared_database(tmp_path: Path, transactional_db: Any, homeserver: tuple[FakeMatrix, str],
                    migrated_sqlite: Callable[[Path], Path]) -> tuple[str, Callable[[], list[tuple[str, str, int]]]]:
    _, address = homeserver
    if connection.vendor == "postgresql":
        seed(address)
        db = connection.settings_dict
        url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"

        def rows() -> list[tuple[str, str, int]]:
            return list(RolloutAction.objects.filter(kind="ban_from_room").values_list("target", "status", "attempts"))

        return url, rows
    path = migrated_sqlite(tmp_path / "worker.sqlite3")
    setup = f"from tests.enforcement.crash_seed import seed; seed({address!r})"
    subprocess.run([sys.executable, "manage.py", "shell", "-v0", "-c", setup], cwd=ROOT,
                   env=environment(f"sqlite:///{path}", 0), check=True, timeout=300)

    def sqlite_rows() -> list[tuple[str, str, int]]:
        with sqlite3.connect(path, timeout=20) as db:
            return db.execute("SELECT target, status, attempts FROM enforcement_rolloutaction WHERE kind = 'ban_from_room'").fetchall()

    return f"sqlite:///{path}", sqlite_rows


def test_a_worker_killed_mid_rollout_finishes_it_with_every_action_done_once(
        homeserver: tuple[FakeMatrix, str], shared_database: Any, tmp_path: Path) -> None:
    fake, _ = homeserver
    url, rows = shared_database
    env = environment(url, 0)
    assert len(rows()) == len(ROOMS) and {status for _, status, _ in rows()} == {"planned"}
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        wait_until(lambda: sum(status == "verified" for _, status, _ in rows()) >= 8, "a few bans are verified",
                   seconds=120)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert sum(status == "verified" for _, status, _ in rows()) < len(ROOMS), "finished before the kill: proves nothing"

    second = start_worker(env, log)
    try:
        wait_until(lambda: all(status == "verified" for _, status, _ in rows()), "every ban is verified", seconds=120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    assert all(fake.members[(room, USER)] == "ban" for room in ROOMS)
    bans = Counter(path.split("/")[-2] for method, path in fake.calls if method == "POST" and path.endswith("/ban"))
    assert set(bans) == set(ROOMS), log.read_text()[-3000:]  # every room, none lost
    assert max(bans.values()) <= 2 and sum(count > 1 for count in bans.values()) <= 1  # only the one in flight
    attempts = [attempts for _, _, attempts in rows()]
    assert sum(attempt > 1 for attempt in attempts) <= 1 and max(attempts) <= 2
