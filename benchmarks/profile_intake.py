"""Where an intake's server CPU goes: N reports posted in-process through Django's test client.

Run: `.venv/bin/python benchmarks/profile_intake.py [--reports N] [--breakdown] [--profile] [--multipart] [--sqlite]`.
It creates its own PostgreSQL database (or SQLite file), removes it afterwards, and prints
CPU per intake (time.process_time over the whole request: middleware, form, services,
template), SQL queries per intake, with --breakdown the CPU of the costly parts, and with --profile the costliest functions (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import common  # noqa: E402

DATABASE = f"{os.environ.get('BENCH_DB_PREFIX', 'steward_bench')}_profile"


def _client_form() -> tuple[object, dict[str, object]]:
    import re

    from django.test import Client

    from benchmarks.intake import _CATEGORY, _SPACE, report_fields

    client = Client(enforce_csrf_checks=True)
    page = client.get("/report/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None, "the report form has no CSRF token"
    spaces, categories = _SPACE.findall(page), _CATEGORY.findall(page)
    return client, report_fields("", csrf.group(1), spaces[0] if spaces else "", categories[:2])


# Inclusive CPU of the parts the profile named (they nest: submit_report holds open_case and the audit).
PARTS = [
    ("django.test.client", "encode_multipart", "test client encoding (not server work)"),
    ("django.http.request", "HttpRequest._load_post_and_files", "parse the multipart body"),
    ("steward.reports.views", "_posted_report_form", "form: build and validate"),
    ("steward.reports.forms", "ReportForm.__init__", "form: __init__ (choices)"),
    ("steward.policy.services", "current_categories", "guideline categories"),
    ("steward.reports.services", "held_files", "held files of the form (query)"),
    ("steward.reports.services", "receive_report", "receive_report (the answer's transaction)"),
    ("steward.reports.receipts", "issue", "receipt code and its hash"),
    ("steward.reports.held", "seal_code", "receipt code sealed for the form's token"),
    ("steward.core.rows", "together", "the answer's rows (build and write)"),
    ("steward.core.crypto", "new_unsaved_data_key", "new data key"),
    ("steward.reports.services", "Intake.to_json", "the answers as JSON"),
    ("steward.core.crypto", "seal_bytes", "sealing (the answers, timeline, audit)"),
    ("steward.core.outbox", "message_row", "outbox message (the row)"),
    ("steward.core.rows", "Batch.write", "the one round trip"),
    ("steward.reports.services", "submit_report", "submit_report (filed at once)"),
    ("steward.reports.services", "detect_language", "language detection"),
    ("steward.reports.services", "_store", "submit_report: rows written"),
    ("steward.cases.services", "open_case", "open_case"),
    ("steward.cases.services", "record_event", "timeline events"),
    ("steward.core.crypto", "new_data_keys", "new data keys, in one INSERT"),
    ("steward.core.audit", "_append", "audit append (lock, chain head, insert)"),
    ("steward.reports.views", "render", "template render"),
]


class Parts:
    """Wraps the named functions to add up their process CPU time."""

    def __init__(self) -> None:
        import importlib

        self.spent: dict[str, float] = {}
        self.restore: list[tuple[object, str, object]] = []
        for module_name, qualname, label in PARTS:
            owner: object = importlib.import_module(module_name)
            *path, name = qualname.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name, None)
            if original is None:  # gone from the code: nothing to time
                continue
            self.spent[label] = 0.0
            self.restore.append((owner, name, original))
            setattr(owner, name, self._timed(original, label))

    def _timed(self, function: object, label: str) -> object:
        import functools

        @functools.wraps(function)  # type: ignore[arg-type]
        def timed(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return function(*args, **kwargs)  # type: ignore[operator]
            finally:
                self.spent[label] += time.process_time() - started

        return timed

    def reset(self) -> None:
        self.spent = dict.fromkeys(self.spent, 0.0)

    def close(self) -> None:
        for owner, name, original in self.restore:
            setattr(owner, name, original)


class QueryCount:
    def __init__(self) -> None:
        self.count, self.cpu = 0, 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        started = time.process_time()
        try:
            return execute(sql, params, many, context)
        finally:
            self.cpu += time.process_time() - started


def measure(reports: int, profile: bool, breakdown: bool, multipart: bool) -> None:
    import secrets

    from django.db import connection

    client, fields = _client_form()
    parts = Parts() if breakdown else None

    def post() -> None:
        data = {**fields, "submission": secrets.token_urlsafe(24)}
        if multipart:  # as a browser sends the form (it takes files)
            response = client.post("/report/", data)  # type: ignore[attr-defined]
        else:  # as the load generator of `run.py --only intake` sends it
            response = client.post("/report/", urlencode(data, doseq=True),  # type: ignore[attr-defined]
                                   content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.status_code

    for _ in range(20):  # warm-up: imports, template caches, connections, first keys
        post()
    if parts:
        parts.reset()
    queries = QueryCount()
    profiler = cProfile.Profile(time.process_time) if profile else None
    started, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    each: list[float] = []  # per request: a shared machine's bursts show in the mean, less in the median
    with connection.execute_wrapper(queries):
        for _ in range(reports):
            one = time.process_time()
            post()
            each.append(time.process_time() - one)
    if profiler:
        profiler.disable()
    cpu, elapsed = time.process_time() - started, time.perf_counter() - wall
    common.heading(f"Intake in-process, {reports} reports, {connection.vendor}")
    common.row("CPU per intake", f"{cpu / reports * 1000:7.2f} ms" + ("  (profiler on: inflated)" if profile else ""))
    common.row("CPU per intake, median / 10th percentile", f"{common.percentile(each, 50) * 1000:7.2f} ms / "
                                                         f"{common.percentile(each, 10) * 1000:.2f} ms")
    common.row("wall time per intake", f"{elapsed / reports * 1000:7.2f} ms")
    common.row("SQL queries per intake", f"{queries.count / reports:7.1f}")
    common.row("  CPU in the database driver per intake", f"{queries.cpu / reports * 1000:7.2f} ms")
    if parts:
        parts.close()
        for label, spent in parts.spent.items():
            common.row(f"  {label}", f"{spent / reports * 1000:7.2f} ms  {spent / cpu:6.1%}")
    from steward.reports import services
    from steward.reports.models import ReceivedReport

    received = list(ReceivedReport.objects.filter(report__isnull=True).values_list("pk", flat=True))
    started = time.process_time()
    for pk in received:  # what the worker does a moment after each answer
        services.file_received(pk)
    filing = time.process_time() - started
    common.row("filing afterwards (the worker), CPU per report", f"{filing / max(1, len(received)) * 1000:7.2f} ms")
    if profiler:
        stats = pstats.Stats(profiler)
        by_package = by_package_share(stats)
        common.heading("Own CPU time by package (cProfile, process time)")
        for package, share in by_package[:20]:
            common.row(package, f"{share:6.1%}")
        stats.sort_stats("tottime").print_stats(30)


def by_package_share(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Each function's own time, added up by the package (or Steward module) it belongs to."""
    totals: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            parts = filename.split("site-packages/", 1)[1].split("/")
            package = "/".join(parts[:3] if parts[0] == "django" else parts[:1])
        elif "/steward/" in filename:
            package = "steward/" + filename.split("/steward/", 1)[1]
        elif filename == "~":
            package = f"builtin {function.split(' of ')[0].strip('<>{}')}"
        else:
            package = "stdlib " + Path(filename).name
        totals[package] = totals.get(package, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    return sorted(((package, spent / whole) for package, spent in totals.items()), key=lambda item: -item[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--multipart", action="store_true", help="post multipart/form-data as a browser does "
                        "(by default urlencoded, as the load generator of run.py --only intake does)")
    parser.add_argument("--breakdown", action="store_true", help="CPU of the costly parts (inclusive, they nest)")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="steward-profile-"))
    print(f"load average {os.getloadavg()[0]:.1f} at start")
    try:
        url = f"sqlite:///{work / 'steward.sqlite3'}" if args.sqlite else common.create_database(DATABASE)
        env = common.bench_env(url, work, common.new_kek_json(), STEWARD_INTAKE_RATE_COUNT="1000000000")
        common.migrate(env)
        common.add_spaces(url if args.sqlite else DATABASE)
        os.environ.update(env)
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        import django

        django.setup()
        from django.db import connections

        try:
            measure(args.reports, args.profile, args.breakdown, args.multipart)
        finally:
            connections.close_all()
    finally:
        if not args.sqlite:
            common.drop_database(DATABASE)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
