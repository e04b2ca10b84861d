"""A rollout to 10 systems × 5 identities against local fake servers answering after 50 ms,
against the slowest single system's actions run alone, in the same run.

Each system is a real HTTP server on a loopback port (a thread per request) that waits 50 ms
before it answers; its connector is the smallest one Steward's interface allows, three calls a
step (read the state before, act, read it back), so what is measured is the engine: the claim
and the record of each step, and whether systems are worked on at the same time. The systems
differ in how many steps a ban asks of each account (1 to 3), so one of them is the slowest.

Printed: the slowest system alone, all ten together, their ratio (target < 2), and the ten
together again while one system answers every call with a server error (it must not hold the
other nine up: they finish in about the same time, its steps wait for their retry).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from .common import heading, row

SYSTEMS = 10
IDENTITIES = 5
LATENCY = 0.05
TARGET_RATIO = 2.0


class _FakeSystem(BaseHTTPRequestHandler):
    """Answers GET and PUT on /state/<account>/<place> after LATENCY seconds; `failing` answers 503."""

    failing: ClassVar[set[int]] = set()
    state: ClassVar[dict[str, bool]] = {}
    lock = threading.Lock()

    @property
    def _port(self) -> int:
        return int(self.server.server_address[1])  # type: ignore[index]  # an AF_INET address: (host, port)

    def _answer(self, body: dict[str, Any], status: int = 200) -> None:
        time.sleep(LATENCY)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self._port in self.failing:
            return self._answer({"error": "unavailable"}, 503)
        with self.lock:
            done = self.state.get(f"{self._port}{self.path}", False)
        self._answer({"blocked": done})

    def do_PUT(self) -> None:
        if self._port in self.failing:
            return self._answer({"error": "unavailable"}, 503)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with self.lock:
            self.state[f"{self._port}{self.path}"] = True
        self._answer({"blocked": True})

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _connector_class(system: str) -> type[Any]:
    from steward.enforcement.connectors.base import Connector, PlannedStep, RetryLater, Work

    class BenchSystem(Connector):
        """Three calls a step against one fake server: read, act, read back."""

        name = "Benchmark system"

        def _call(self, method: str, work: Work) -> dict[str, Any]:
            with self.http(base_url=self.settings["url"]) as client:
                response = client.request(method, f"/state/{work.handle}/{work.target}", json={})
            if response.status_code >= 500:
                raise RetryLater("server error")
            return dict(response.json())

        def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
            return [PlannedStep("block_user", f"place-{index}") for index in range(self.settings["steps"])]

        def observe(self, work: Work) -> dict[str, Any]:
            return self._call("GET", work)

        def apply(self, work: Work) -> dict[str, Any]:
            self._call("PUT", work)
            return {"blocked": True}

        def verify(self, work: Work) -> bool | None:
            return bool(self._call("GET", work)["blocked"])

    BenchSystem.system = system
    return BenchSystem


def _setup(ports: list[int]) -> tuple[Any, list[str]]:
    from django.contrib.auth.models import User

    from steward.core import crypto
    from steward.enforcement import connectors
    from steward.enforcement.models import CONNECTOR_KEY_PURPOSE, ConnectorConfig

    systems = [f"bench{index}" for index in range(SYSTEMS)]
    for index, (system, port) in enumerate(zip(systems, ports, strict=True)):
        connectors.CONNECTORS[system] = _connector_class(system)
        config = ConnectorConfig(system=system, data_key=crypto.shared_key(CONNECTOR_KEY_PURPOSE),
                                 options={"url": f"http://127.0.0.1:{port}", "steps": index % 3 + 1})
        config.credentials_text = "{}"
        config.save()
    maker = User.objects.create_user("bench-decider", is_staff=True)
    return maker, systems


def _rollout(label: str, systems: list[str]) -> Any:
    """A permanent ban of a new person with IDENTITIES accounts on each of `systems`, planned."""
    from django.db import transaction
    from django.utils import timezone

    from steward.cases.models import Party
    from steward.core import crypto
    from steward.core.models import DataKey
    from steward.decisions.models import Decision
    from steward.enforcement import services
    from steward.enforcement.models import Rollout
    from steward.registry import services as registry
    from steward.registry.models import Identity
    from steward.reports import services as reports
    from steward.reports.models import Report

    with transaction.atomic():
        report, _ = reports.submit_report(reports.Intake(
            narrative="Harassment across the project's systems.", reporter_role=Report.ReporterRole.AFFECTED,
            submission_token=f"bench-rollout-{label}", accounts=[reports.Account("other", f"{label}-first")]))
        person = Party.objects.get(case=report.case, role=Party.Role.REPORTED).person
        assert person is not None
        person.identities.all().delete()  # only the benchmark's systems
        for system in systems:
            for number in range(IDENTITIES):
                identity = Identity(person=person, system=system, data_key=crypto.shared_key(DataKey.Purpose.REGISTRY),
                                    handle_index=registry.handle_index(system, f"{label}-{number}"))
                identity.handle = f"{label}-{number}"
                identity.save()
        ban = Decision(case=report.case, outcome="level", level_key="permanent_ban", level_name="Permanent ban",
                       ban="permanent", subject=person)
        ban.reporter_summary, ban.rationale = "A permanent ban.", "Benchmark."
        ban.save()
        rollout = services.start_rollout(report.case, because=Rollout.Because.DECISION, subject_id=person.pk,
                                         ban="permanent", ends_on=None, starts_on=timezone.localdate(),
                                         systems=systems, decision=ban)
    assert rollout is not None
    return rollout


def _carry_out(rollout: Any) -> tuple[float, int, int]:
    """Seconds until every step on the systems is finished (or waiting for a retry); steps verified and waiting."""
    from steward.enforcement import execution
    from steward.enforcement.models import ActionStatus

    began = time.perf_counter()
    while execution.work(limit=10_000, seconds=600):
        pass
    took = time.perf_counter() - began
    steps = rollout.actions.on_systems()
    return took, steps.filter(status=ActionStatus.VERIFIED).count(), steps.filter(status=ActionStatus.PLANNED).count()


def run() -> dict[str, Any]:
    """Needs Django set up against a migrated PostgreSQL database."""
    heading(f"Rollout: {SYSTEMS} systems × {IDENTITIES} identities, fake servers answering after "
            f"{LATENCY * 1000:.0f} ms (PostgreSQL, worker threads in-process)")
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _FakeSystem) for _ in range(SYSTEMS)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _maker, systems = _setup([server.server_port for server in servers])
        slowest = systems[2]  # three steps an account (index % 3 + 1)
        alone, verified_alone, _ = _carry_out(_rollout("alone", [slowest]))
        row(f"slowest system alone ({verified_alone} steps)", f"{alone:.2f} s")
        together, verified, _ = _carry_out(_rollout("together", systems))
        ratio = together / alone
        row(f"all {SYSTEMS} systems together ({verified} steps)", f"{together:.2f} s")
        row("together / slowest alone", f"{ratio:.2f}  (target < {TARGET_RATIO:.0f}) "
            f"{'MET' if ratio < TARGET_RATIO else 'NOT MET'}")
        _FakeSystem.failing.add(servers[0].server_port)
        failing, verified_failing, waiting = _carry_out(_rollout("failing", systems))
        row("together, one system failing", f"{failing:.2f} s: {verified_failing} steps verified, "
            f"{waiting} of the failing system's waiting for their retry")
        row("together with a failing system / slowest alone", f"{failing / alone:.2f}")
        return {"alone": alone, "together": together, "ratio": ratio, "failing": failing}
    finally:
        for server in servers:
            server.shutdown()
