"""`make bench`: every Steward benchmark, each against a baseline measured in the same run.

Creates its own PostgreSQL databases (and server processes) and removes them afterwards.
Options: --only intake|queue|guidelines|rollout|audit|evidence|screening-quality|screening|training, --sqlite
(also run the intake benchmark on SQLite). screening-quality needs no database and runs first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

# Run as a script: import the project, not this folder (its module names must not shadow the standard library).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import audit_log, common, intake  # noqa: E402

# BENCH_DB_PREFIX keeps two runs against one PostgreSQL server apart.
TEMPLATE_DB = os.environ.get("BENCH_DB_PREFIX", "steward_bench")
INTAKE_DB = f"{TEMPLATE_DB}_intake"
QUEUE_DB = f"{TEMPLATE_DB}_queue"  # the queue, guidelines and rollout benchmarks share it (their tables do not meet)
AUDIT_DB = f"{TEMPLATE_DB}_audit"
AUDIT_VERIFY_DB = f"{TEMPLATE_DB}_audit_verify"
SCREENING_DB = f"{TEMPLATE_DB}_screening"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["intake", "queue", "guidelines", "rollout", "audit", "evidence", "screening-quality",
                                           "screening", "training"])
    parser.add_argument("--sqlite", action="store_true", help="also measure intake on SQLite")
    args = parser.parse_args()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    kek = common.new_kek_json()
    print(f"Steward benchmarks — {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          "figures are ratios against a baseline measured in the same run.", flush=True)
    if args.only in (None, "screening-quality"):
        from benchmarks import screening_eval

        screening_eval.run()
        if args.only:
            print(f"\nDone in {time.perf_counter() - started:.0f} s.")
            return 0
    try:
        template_url = common.create_database(TEMPLATE_DB)
        common.migrate(common.bench_env(template_url, work, kek))
        common.add_spaces(TEMPLATE_DB)
        if args.only in (None, "intake"):
            url = common.create_database(INTAKE_DB, template=TEMPLATE_DB)
            intake.run("PostgreSQL", url, work / "pg", kek, work, show_form_size=True)
            if args.sqlite:
                sqlite_url = f"sqlite:///{work / 'sqlite' / 'steward.sqlite3'}"
                common.migrate(common.bench_env(sqlite_url, work / "sqlite", kek))
                common.add_spaces(sqlite_url)
                intake.run("SQLite", sqlite_url, work / "sqlite", kek, work, show_form_size=False)
        if args.only in (None, "audit"):
            url = common.create_database(AUDIT_DB, template=TEMPLATE_DB)
            audit_log.run_page(url, work / "audit", kek, work)
            common.drop_database(AUDIT_DB)
            url = common.create_database(AUDIT_VERIFY_DB, template=TEMPLATE_DB)
            audit_log.run_verify(url, work / "audit-verify", kek)
            common.drop_database(AUDIT_VERIFY_DB)
        if args.only in (None, "queue", "guidelines", "rollout", "training"):
            url = common.create_database(QUEUE_DB, template=TEMPLATE_DB)
            os.environ.update(common.bench_env(url, work / "queue", kek))
            # Static files are served from the finders here; there is no collectstatic folder.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            import django

            django.setup()
            from django.db import connections

            if args.only in (None, "queue"):
                from benchmarks import staff_queue

                staff_queue.run()
            if args.only in (None, "guidelines"):
                from benchmarks import guidelines

                guidelines.run()
            if args.only in (None, "rollout"):
                from benchmarks import rollout

                rollout.run()
            if args.only in (None, "training"):
                from benchmarks import training_dashboard

                training_dashboard.run()
            connections.close_all()
        if args.only in (None, "screening"):
            from benchmarks import screening

            url = common.create_database(SCREENING_DB, template=TEMPLATE_DB)
            screening.run(url, work, kek)
            common.drop_database(SCREENING_DB)
        if args.only in (None, "evidence"):
            from benchmarks import evidence

            evidence.run(work)
    finally:
        for name in (QUEUE_DB, AUDIT_DB, AUDIT_VERIFY_DB, SCREENING_DB, INTAKE_DB, TEMPLATE_DB):
            common.drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
