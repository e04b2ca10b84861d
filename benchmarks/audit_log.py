"""The audit log's cost: an audited staff case page against the same page with the audit append
switched off (same run, same server settings), and `verify_audit` over 1,000,000 entries.

The switch exists only here: `benchmarks/wsgi_audit_off.py` is a WSGI entry point that replaces
`audit.record` before serving, so production has no setting that could turn auditing off.
Set-up runs in a child process (`python -m benchmarks.audit_log page-setup|fill N`) with the
benchmark's environment, so this module never configures Django in the `make bench` process.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import load
from .common import PYTHON, ROOT, bench_env, heading, row
from .server import THREADS, Server

CLIENTS = 20
WEB_WORKERS = 4
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # on and off alternate, so both see the same noise
PAGE_REQUESTS, PAGE_SECONDS = 3000, 10.0
TARGET_RATIO = 0.8
VERIFY_ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "1000000"))
TARGET_VERIFY_SECONDS = 30.0
SESSION_COOKIE = "sessionid"


def _child(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PYTHON, "-m", "benchmarks.audit_log", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"benchmarks.audit_log {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


_CPU_SECONDS: list[float] = []  # CPU time (user + system) of the last `_manage` command and its processes


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _manage(env: dict[str, str], *args: str) -> tuple[float, str]:
    began, cpu = time.perf_counter(), _children_cpu()
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - began
    _CPU_SECONDS[:] = [_children_cpu() - cpu]
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    return elapsed, result.stdout.strip()


# --- in the child process (Django set up against the benchmark database) ------------------------


def _page_setup() -> None:
    """A filed report and one signed-in triager per client; prints the case and the session keys."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from benchmarks.staff_queue import _signed_in
    from steward.core.roles import Role
    from steward.reports import services
    from steward.reports.models import Report

    report, _ = services.submit_report(services.Intake(
        narrative="Repeated insults in the project chat after a review disagreement.",
        reporter_role=Report.ReporterRole.AFFECTED, submission_token="bench-audit-page"))
    group = Group.objects.get_or_create(name=Role.TRIAGER)[0]
    sessions = []
    for index in range(CLIENTS):
        triager = User.objects.create_user(f"bench-audit-triager-{index}", is_staff=True, first_name="Tess")
        triager.groups.add(group)
        sessions.append(_signed_in(triager).cookies[SESSION_COOKIE].value)
    print(json.dumps({"case": report.case.pk, "sessions": sessions}))


def _fill(count: int) -> None:
    """`count` entries, already sequenced and chained, written with COPY (the sequencer is not measured here)."""
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from steward.core import audit
    from steward.core.models import AuditEntry, AuditLogHead

    AuditEntry.objects.all().delete()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    actions = [("case.view", {}), ("case.view", {}), ("case.note", {}), ("case.status", {"from": "new", "to": "triaged"}),
               ("report.submit", {}), ("evidence.download", {})]
    columns = ("seq", "at", "actor_id", "actor_kind", "action", "object_type", "object_id", "ip", "detail",
               "prev_hash", "hash")
    prev_hash = audit.GENESIS
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        with raw.copy(f"COPY {AuditEntry._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for seq in range(1, count + 1):
                at = start + timedelta(milliseconds=37 * seq)
                action, detail = actions[seq % len(actions)]
                kind, object_id = ("staff", str(seq % 5000)) if action != "report.submit" else ("reporter", str(seq))
                ip = "192.0.2.10" if kind == "staff" else None
                digest = audit._digest(prev_hash, seq, at.isoformat(), None, kind, action, "case", object_id, ip, detail)
                copy.write_row((seq, at, None, kind, action, "case", object_id, ip, json.dumps(detail), prev_hash,
                                digest))
                prev_hash = digest
        cursor.execute("ANALYZE core_auditentry")
    AuditLogHead.objects.update_or_create(pk=1, defaults={"size": count, "head_hash": prev_hash})


# --- in the `make bench` process ----------------------------------------------------------------


def _page_setup_for(case: int, sessions: list[str]) -> load.Setup:
    queue = list(sessions)

    async def setup(session: httpx.AsyncClient) -> load.Request:
        session.cookies.set(SESSION_COOKIE, queue.pop(), domain="127.0.0.1")

        async def send(s: httpx.AsyncClient) -> bool:
            response = await s.get(f"/staff/cases/{case}/")
            return response.status_code == 200  # a lost session would be a redirect to the sign-in page

        return send

    return setup


def run_page(database_url: str, var_dir: Path, kek: str, logs: Path) -> dict[str, float]:
    heading(f"Audited staff case page: GET /staff/cases/<id>/ with and without the audit append, {CLIENTS} clients, "
            f"gunicorn {WEB_WORKERS} workers, PostgreSQL")
    env = bench_env(database_url, var_dir, kek)
    setup = json.loads(_child(env, "page-setup"))
    case, sessions = setup["case"], setup["sessions"]
    before = _count_entries(env)
    sequencer = subprocess.Popen([PYTHON, "manage.py", "run_sequencer"], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=(logs / "sequencer.log").open("wb"),
                                 start_new_session=True)
    try:
        with Server(env, logs / "gunicorn-audit-on.log", workers=WEB_WORKERS) as audited, \
                Server(env, logs / "gunicorn-audit-off.log", app="benchmarks.wsgi_audit_off:application",
                       workers=WEB_WORKERS) as unaudited:
            row("servers", f"gunicorn gthread, {WEB_WORKERS} workers x {THREADS} threads each; the sequencer runs "
                           "beside them")
            for server in (audited, unaudited):  # warm-up: imports, templates, connections
                load.run(server.base_url, _page_setup_for(case, sessions), clients=CLIENTS, requests=200, seconds=5,
                         label="warm-up")
            on_runs, off_runs = [], []
            for _ in range(ROUNDS):
                off_runs.append(load.run(unaudited.base_url, _page_setup_for(case, sessions), clients=CLIENTS,
                                         requests=PAGE_REQUESTS, seconds=PAGE_SECONDS, label="audit off"))
                on_runs.append(load.run(audited.base_url, _page_setup_for(case, sessions), clients=CLIENTS,
                                        requests=PAGE_REQUESTS, seconds=PAGE_SECONDS, label="audited"))
    finally:
        sequencer.terminate()
        sequencer.wait()
    on, off = load.merge(on_runs), load.merge(off_runs)
    written = _count_entries(env) - before
    ratio = on.rps / off.rps if off.rps else 0.0
    row("audit off   requests", f"{off.count} ok, {off.failures} failed, {off.elapsed:.1f} s")
    row("audit off   rps, p50 / p99", f"{off.rps:8.1f}   {off.p(50):7.1f} ms / {off.p(99):7.1f} ms")
    row("audited     requests", f"{on.count} ok, {on.failures} failed, {on.elapsed:.1f} s")
    row("audited     rps, p50 / p99", f"{on.rps:8.1f}   {on.p(50):7.1f} ms / {on.p(99):7.1f} ms")
    row("audit entries written by the audited rounds", f"{written} (warm-up included)")
    row("ratio audited/off rps", f"{ratio:8.3f}   (target >= {TARGET_RATIO}: "
                                 f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    _, verified = _manage(env, "verify_audit")
    row("verify_audit after the run", verified)
    return {"ratio": ratio, "failures": on.failures + off.failures}


def _count_entries(env: dict[str, str]) -> int:
    code = ("import django; django.setup(); from steward.core.models import AuditEntry; "
            "print(AuditEntry.objects.count())")
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(result.stdout.strip())


def run_verify(database_url: str, var_dir: Path, kek: str) -> dict[str, float]:
    heading(f"verify_audit over {VERIFY_ENTRIES:,} entries (PostgreSQL)")
    env = bench_env(database_url, var_dir, kek)
    began = time.perf_counter()
    _child(env, "fill", str(VERIFY_ENTRIES))
    row("entries written", f"{VERIFY_ENTRIES:,} in {time.perf_counter() - began:.1f} s (COPY, pre-chained)")
    _manage(env, "audit_checkpoint", "--now")
    checkpoint = var_dir.parent / "audit-checkpoint.json"  # kept outside Steward, as an operator would
    checkpoint.write_text(_manage(env, "audit_checkpoint")[1])
    plain, output = _manage(env, "verify_audit")
    row("verify_audit", f"{plain:6.1f} s wall, {_CPU_SECONDS[0]:6.1f} s CPU   {output}")
    with_checkpoint, output = _manage(env, "verify_audit", "--checkpoint", str(checkpoint))
    row("verify_audit --checkpoint", f"{with_checkpoint:6.1f} s wall, {_CPU_SECONDS[0]:6.1f} s CPU   {output}")
    row("load average (the machine is shared)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    worst = max(plain, with_checkpoint)
    row("seconds (whole command, Django start included)", f"{worst:6.1f} s   (target < {TARGET_VERIFY_SECONDS:.0f} s: "
                                                           f"{'met' if worst < TARGET_VERIFY_SECONDS else 'NOT met'})")
    return {"seconds": worst}


if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    if sys.argv[1] == "page-setup":
        _page_setup()
    elif sys.argv[1] == "fill":
        _fill(int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown command {sys.argv[1]!r}")
