"""Steward under gunicorn, as it would run in production, on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from .common import PYTHON, ROOT, free_port

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # one per core on the 2-core reference machine
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


class Server:
    def __init__(self, env: dict[str, str], log_path: Path, *, app: str = "steward.wsgi:application",
                 workers: int = WORKERS) -> None:
        self.env = env
        self.app = app
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            PYTHON, "-m", "gunicorn", self.app,
            "--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread",
            "--workers", str(self.workers), "--threads", str(THREADS),
            "--keep-alive", "30", "--backlog", "256", "--log-level", "warning",
        ]
        self._log = self.log_path.open("wb")
        # A session of its own, so stopping it stops the workers and nothing else.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait_ready()
        return self

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's processes (the master and its workers), from /proc."""
        assert self.process is not None
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # After the command name in parentheses: state, ppid, ... utime and stime are fields 14 and 15.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.process.pid or ppid == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/bench/bare/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
