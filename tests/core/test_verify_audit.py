"""`manage.py verify_audit`: exit code 0 and a count when the chain holds, 1 and the problems when not."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from steward.core import audit
from steward.core.models import AuditEntry
from tests.conftest import clean_environment

ROOT = Path(__file__).resolve().parents[2]


def run() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def test_intact_log(db, case, triager):
    audit.record(triager, "case.view", case)
    audit.sequence()
    count = AuditEntry.objects.count()
    assert count >= 2
    assert run() == f"Audit log intact: {count} entries"


def test_empty_log(db):
    AuditEntry.objects.all().delete()
    assert run() == "Audit log intact: 0 entries"


def test_edited_entry_fails_with_exit_code_1_and_lists_the_problem(db, case, triager):
    entry = audit.record(triager, "case.view", case)
    audit.record(triager, "case.note", case)
    audit.sequence()
    entry.refresh_from_db()
    AuditEntry.objects.filter(pk=entry.pk).update(action="case.nothing")
    with pytest.raises(CommandError) as error:
        run()
    assert error.value.returncode == 1
    message = str(error.value)
    assert "1 problem" in message
    assert f"entry #{entry.seq}: content does not match its hash (edited)" in message


def test_every_problem_is_listed(db, case, triager):
    entries = [audit.record(triager, "case.view", case) for _ in range(4)]
    audit.sequence()
    AuditEntry.objects.filter(pk=entries[0].pk).update(detail={"x": 1})
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    with pytest.raises(CommandError) as error:
        run()
    message = str(error.value)
    for problem in audit.verify():
        assert problem in message
    assert f"{len(audit.verify())} problem(s)" in message


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)


@pytest.mark.once
def test_exit_codes_from_the_command_line(tmp_path, migrated_sqlite):
    """The real command on a throwaway SQLite database (a copy of one `manage.py migrate` made), as an
    operator or a cron job runs it."""
    database = migrated_sqlite(tmp_path / "audit.sqlite3")
    env = clean_environment(tmp_path, database)

    intact = _manage("verify_audit", env=env)
    assert intact.returncode == 0, intact.stderr
    with sqlite3.connect(database) as connection:
        count = connection.execute("SELECT COUNT(*) FROM core_auditentry").fetchone()[0]
    assert intact.stdout.strip() == f"Audit log intact: {count} entries"

    if count == 0:  # give the chain something to break
        script = ("import django; django.setup(); from steward.core import audit; "
                  "[audit.record(None, 'test.entry') for _ in range(3)]")
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    sequenced = _manage("run_sequencer", "--once", env=env)
    assert sequenced.returncode == 0, sequenced.stderr
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE core_auditentry SET action = 'tampered' WHERE id = (SELECT MIN(id) FROM core_auditentry)")

    broken = _manage("verify_audit", env=env)
    assert broken.returncode == 1
    assert "content does not match its hash (edited)" in broken.stderr


# Several processes recompute stretches of the log; whatever the damage, they must find exactly
# what one pass finds (stretch boundaries included). Run in a fresh interpreter on a SQLite file,
# as forking needs a database the processes can each open.
PARALLEL = """
import django
django.setup()
from steward.core import audit
from steward.core.models import AuditEntry

for n in range(60):
    audit.record(None, "test.entry", detail={"n": n})
audit.sequence()
checkpoint = audit.sign_checkpoint()

def same():
    one = (audit.verify(), audit.verify_checkpoint(checkpoint))
    for jobs in (2, 3, 4):
        assert audit.verify(jobs=jobs, min_per_job=1) == one[0], (jobs, one[0])
        assert audit.verify_checkpoint(checkpoint, jobs=jobs, min_per_job=1) == one[1], (jobs, one[1])
    return one

assert same() == ([], [])
AuditEntry.objects.filter(seq=5).update(action="tampered")     # inside the first stretch
AuditEntry.objects.filter(seq=30).delete()                     # the end of a stretch (2 jobs)
AuditEntry.objects.filter(seq=21).update(prev_hash="f" * 64)   # the start of a stretch (3 jobs)
print(len(same()[0]))
AuditEntry.objects.filter(seq__gte=31, seq__lte=45).delete()   # a whole stretch gone (4 jobs)
AuditEntry.objects.filter(seq__gte=56).delete()                # the newest entries
print(len(same()[0]), same()[1][-1])
"""


@pytest.mark.once
def test_several_processes_find_what_one_finds(tmp_path, migrated_sqlite):
    env = clean_environment(tmp_path, migrated_sqlite(tmp_path / "audit.sqlite3"))
    result = subprocess.run([sys.executable, "-c", PARALLEL], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert int(first) >= 4  # the edit, the gap, two broken links
    count, problem = second.split(" ", 1)
    assert int(count) >= 4
    assert problem.startswith("log cut short: entry #60 of the checkpoint is missing")

    broken = _manage("verify_audit", "--jobs", "2", env=env)
    assert broken.returncode == 1
    assert "content does not match its hash (edited)" in broken.stderr
