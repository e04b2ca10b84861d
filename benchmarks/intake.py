"""Intake throughput: POST /report/ against a bare Django view, same server, same middleware."""

from __future__ import annotations

import os
import re
import resource
import secrets
import subprocess
from pathlib import Path

import httpx

from . import load
from .common import PYTHON, ROOT, bench_env, heading, row
from .server import Server

CLIENTS = 20
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # bare and intake alternate, so both see the same noise
BARE_REQUESTS, BARE_SECONDS = 4000, 8.0
INTAKE_REQUESTS, INTAKE_SECONDS = 2000, 12.0
TARGET_RATIO = 0.2
TARGET_CPU_MS = 4.0  # server CPU per intake

NARRATIVE = (
    "During the community call on Tuesday one of the maintainers repeatedly interrupted a new contributor, "
    "mocked their accent and afterwards posted a meme about them in the project chat. Several people saw it "
    "and nobody stepped in. The contributor left the call and has not come back since; two others told me "
    "privately that they no longer feel comfortable asking questions in the channel."
)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')
_SPACE = re.compile(r'<option value="(\d+)"')
_CATEGORY = re.compile(r'name="categories" value="([^"]+)"')
_RECEIPT = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}")
_STYLES = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')
_SCRIPTS = re.compile(r'<script[^>]+src="([^"]+)"')


def report_fields(submission: str, csrf: str, space: str, categories: list[str]) -> dict[str, str | list[str]]:
    return {
        "space": space, "categories": categories,
        "csrfmiddlewaretoken": csrf, "submission": submission, "narrative": NARRATIVE,
        "occurred_approx": "last Tuesday", "location": "https://chat.example.org/project/general",
        "involved": "a maintainer (nickname on file)", "ongoing": "unknown", "danger_now": "no",
        "reporter_role": "witness", "witnesses": "about ten people on the call", "wishes": "an apology",
        "consent_contact_reported": "no", "consent_name_to_reported": "no", "anonymous": "anonymous",
        "preferred_language": "en",
    }


async def bare_setup(session: httpx.AsyncClient) -> load.Request:
    async def send(s: httpx.AsyncClient) -> bool:
        response = await s.get("/bench/bare/")
        return response.status_code == 200 and response.content == b"ok"

    return send


async def intake_setup(session: httpx.AsyncClient) -> load.Request:
    """Open the form once like a browser (CSRF cookie and token, first submission token);
    every later report carries a fresh submission token, as a fresh form would."""
    page = (await session.get("/report/")).text
    csrf_match, submission_match = _CSRF.search(page), _SUBMISSION.search(page)
    if not (csrf_match and submission_match):
        raise RuntimeError("the report form has no CSRF or submission token")
    csrf, first = csrf_match.group(1), [submission_match.group(1)]
    spaces, categories = _SPACE.findall(page), _CATEGORY.findall(page)
    space = secrets.choice(spaces) if spaces else ""
    chosen = categories[:2]

    async def send(s: httpx.AsyncClient) -> bool:
        token = first.pop() if first else secrets.token_urlsafe(24)
        response = await s.post("/report/", data=report_fields(token, csrf, space, chosen))
        return response.status_code == 200 and _RECEIPT.search(response.text) is not None

    return send


def form_size(base_url: str) -> dict[str, int]:
    with httpx.Client(base_url=base_url) as client:
        html = client.get("/report/").content
        text = html.decode()
        css = sum(len(client.get(href).content) for href in _STYLES.findall(text))
        js = sum(len(client.get(src).content) for src in _SCRIPTS.findall(text))
    return {"html": len(html), "css": css, "js": js}


def _worker_once(env: dict[str, str]) -> tuple[float, int]:
    """CPU seconds of one `run_worker --once` and how many outbox messages it tried."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([PYTHON, "manage.py", "run_worker", "--once", "--no-tasks"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tried = re.search(r"outbox: (\d+)", done.stdout)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime), int(tried.group(1)) if tried else 0


def filing_cpu_ms(env: dict[str, str]) -> tuple[float, int]:
    """The worker's CPU per report it files (the part of an intake done after the answer): one
    `run_worker --once` that files every report received, less one that finds nothing to do
    (the cost of starting Django)."""
    busy, filed = _worker_once(env)
    idle, _nothing = _worker_once(env)
    return (busy - idle) / max(1, filed) * 1000, filed


def run(label: str, database_url: str, var_dir: Path, kek: str, logs: Path, *, show_form_size: bool) -> dict[str, float]:
    heading(f"Intake: POST /report/ vs bare view, {CLIENTS} clients, gunicorn, {label}")
    env = bench_env(database_url, var_dir, kek, STEWARD_INTAKE_RATE_COUNT="1000000000")
    with Server(env, logs / f"gunicorn-{label.lower()}.log") as server:
        row("server", f"gunicorn gthread, {os.environ.get('BENCH_WORKERS', '2')} workers x "
                      f"{os.environ.get('BENCH_THREADS', '4')} threads, {server.base_url}")
        # Warm-up: imports, template caches, database connections, language profiles.
        load.run(server.base_url, bare_setup, clients=CLIENTS, requests=400, seconds=5, label="warm-up")
        load.run(server.base_url, intake_setup, clients=CLIENTS, requests=100, seconds=10, label="warm-up")
        bare_runs, intake_runs = [], []
        # Server CPU (gunicorn master and workers, from /proc) spent in each kind of run; the load
        # generator's own CPU is not in it. The intake runs include each client's first GET of the form.
        bare_cpu = intake_cpu = 0.0
        for _ in range(ROUNDS):
            before = server.cpu_seconds()
            bare_runs.append(load.run(server.base_url, bare_setup, clients=CLIENTS, requests=BARE_REQUESTS,
                                      seconds=BARE_SECONDS, label="bare"))
            middle = server.cpu_seconds()
            intake_runs.append(load.run(server.base_url, intake_setup, clients=CLIENTS, requests=INTAKE_REQUESTS,
                                        seconds=INTAKE_SECONDS, label="intake"))
            bare_cpu, intake_cpu = bare_cpu + middle - before, intake_cpu + server.cpu_seconds() - middle
        sizes = form_size(server.base_url) if show_form_size else None
    filing_ms, filed = filing_cpu_ms(env)
    bare, intake = load.merge(bare_runs), load.merge(intake_runs)
    ratio = intake.rps / bare.rps if bare.rps else 0.0
    intake_ms = intake_cpu / max(1, intake.count + intake.failures) * 1000
    bare_ms = bare_cpu / max(1, bare.count + bare.failures) * 1000
    row("bare view   requests", f"{bare.count} ok, {bare.failures} failed, {bare.elapsed:.1f} s")
    row("bare view   rps", f"{bare.rps:8.1f}")
    row("bare view   p50 / p99 latency", f"{bare.p(50):7.1f} ms / {bare.p(99):7.1f} ms")
    row("intake      requests", f"{intake.count} ok, {intake.failures} failed, {intake.elapsed:.1f} s")
    row("intake      rps", f"{intake.rps:8.1f}")
    row("intake      p50 / p99 latency", f"{intake.p(50):7.1f} ms / {intake.p(99):7.1f} ms")
    row("ratio intake/bare rps", f"{ratio:8.3f}   (target >= {TARGET_RATIO}: "
                                 f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    row("ratio intake/bare p99 latency", f"{intake.p(99) / bare.p(99):8.1f} x")
    row("server CPU per bare request", f"{bare_ms:8.2f} ms")
    row("server CPU per intake", f"{intake_ms:8.2f} ms   (target <= {TARGET_CPU_MS}: "
                                 f"{'met' if intake_ms <= TARGET_CPU_MS else 'NOT met'})")
    row("worker CPU per report filed afterwards", f"{filing_ms:8.2f} ms   ({filed} reports filed by run_worker --once; "
                                                  f"the case, report, timeline and audit rows)")
    row("load average (1 min) after the runs", f"{os.getloadavg()[0]:8.1f}   (on {os.cpu_count()} CPUs)")
    if sizes is not None:
        heading("Report form page size (GET /report/, uncompressed)")
        row("HTML", f"{sizes['html']:8d} bytes")
        row("CSS", f"{sizes['css']:8d} bytes")
        row("JavaScript", f"{sizes['js']:8d} bytes")
        row("HTML + CSS", f"{sizes['html'] + sizes['css']:8d} bytes")
    return {"bare_rps": bare.rps, "intake_rps": intake.rps, "ratio": ratio, "intake_cpu_ms": intake_ms,
            "filing_cpu_ms": filing_ms, "failures": bare.failures + intake.failures}
