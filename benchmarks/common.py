"""Shared helpers: a throw-away PostgreSQL database, keys, percentiles and printing."""

from __future__ import annotations

import base64
import math
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SETTINGS = "benchmarks.bench_settings"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")


def pg_url(database: str) -> str:
    """The admin URL with another database name (same host, user and options)."""
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


def pg_admin(sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def create_database(name: str, template: str | None = None) -> str:
    drop_database(name)
    pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return pg_url(name)


SPACES = [("steward", "repository"), ("community forum", "forum"), ("#general", "chat"), ("#help", "chat"),
          ("Annual conference", "event"), ("dev mailing list", "mailing_list")]


def add_spaces(database: str) -> None:
    """The spaces an organisation configures: the report form lists them (PostgreSQL name or sqlite URL)."""
    sql = "INSERT INTO cases_space (name, kind, url, active) VALUES " + ", ".join(
        f"('{name}', '{kind}', '', TRUE)" for name, kind in SPACES)
    if database.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
        return
    import psycopg

    with psycopg.connect(pg_url(database), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def drop_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_kek_json() -> str:
    """A fresh key-encryption key for the run, so no worker ever writes a key file."""
    import tink
    from tink import aead, secret_key_access

    aead.register()
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    return tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


def new_signing_key_json() -> str:
    """A fresh audit checkpoint signing key for the run (so no process writes a key file)."""
    import tink
    from tink import secret_key_access, signature

    signature.register()
    handle = tink.new_keyset_handle(signature.signature_key_templates.ED25519)
    return tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


_SIGNING_KEY: list[str] = []


def bench_env(database_url: str, var_dir: Path, kek: str, **extra: str) -> dict[str, str]:
    if not _SIGNING_KEY:
        _SIGNING_KEY.append(new_signing_key_json())
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database_url,
        "STEWARD_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "STEWARD_KEK": kek,
        "STEWARD_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "STEWARD_AUDIT_SIGNING_KEY": _SIGNING_KEY[0],
        "DEBUG": "false",  # DEBUG keeps every query in memory and serves slower error pages
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def heading(text: str) -> None:
    print(f"\n== {text} ==", flush=True)


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)
