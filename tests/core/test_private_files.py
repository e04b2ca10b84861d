"""The development database, its WAL files, the dev key-encryption key, the dev audit signing key and ``var/`` are
readable by their owner only, whatever the umask (each case runs in a fresh interpreter)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.once  # a fresh process on a database of its own: none under test

# Open the development database in WAL mode, write to it (so -wal and -shm exist) and
# create the dev key-encryption key and audit signing key, then report every mode while the connection is open.
CODE = """
import os, stat, sys
os.umask(0o022)
import django
django.setup()
from pathlib import Path
from django.conf import settings
from django.db import connection
from steward.core import crypto, signing
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
crypto.kek_keyset_json()
signing.public_keyset_json()
var = Path(settings.VAR_DIR)
for path in [var, *sorted(var.iterdir())]:
    print(path.name, oct(stat.S_IMODE(path.stat().st_mode)))
"""


def run(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STEWARD_", "DATABASE_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "steward.settings", "STEWARD_VAR_DIR": str(var)})
    result = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return dict(line.split() for line in result.stdout.splitlines())


def test_a_fresh_var_directory_and_its_files_are_private(tmp_path):
    modes = run(tmp_path / "fresh" / "var")
    assert modes.pop("var") == "0o700"
    assert set(modes) == {"steward.sqlite3", "steward.sqlite3-wal", "steward.sqlite3-shm", "dev-kek.json",
                          "dev-audit-signing-key.json"}
    assert set(modes.values()) == {"0o600"}
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700  # a parent Steward had to create


def test_an_existing_var_directory_and_database_left_readable_are_tightened(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "steward.sqlite3").touch()
    (var / "steward.sqlite3").chmod(0o644)
    modes = run(var)
    assert modes["var"] == "0o700"
    assert modes["steward.sqlite3"] == modes["steward.sqlite3-wal"] == modes["steward.sqlite3-shm"] == "0o600"
