"""The settings module refuses to start production without its secrets, and reads
its environment strictly. Each case imports the settings in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # settings and start-up in a fresh process: no database under test

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; "


def run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("STEWARD_", "DATABASE_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "steward.settings", "STEWARD_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run([sys.executable, "-c", SETUP + code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          check=False)


PRODUCTION_SECRETS = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "STEWARD_KEK_FILE": "/nonexistent/kek.json",
    "STEWARD_INDEX_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "STEWARD_AUDIT_SIGNING_KEY_FILE": "/nonexistent/audit-signing-key.json",
    "ALLOWED_HOSTS": "conduct.example.org",
}


def test_development_needs_nothing_set(tmp_path):
    result = run("print(settings.DEBUG, settings.PRODUCTION, bool(settings.SECRET_KEY))", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True"]


@pytest.mark.parametrize(("missing", "message"), [
    ("SECRET_KEY", "SECRET_KEY must be set when STEWARD_ENV=production"),
    ("STEWARD_KEK_FILE", "STEWARD_KEK or STEWARD_KEK_FILE must be set when STEWARD_ENV=production"),
    ("STEWARD_INDEX_KEY", "STEWARD_INDEX_KEY must be set when STEWARD_ENV=production"),
    ("STEWARD_AUDIT_SIGNING_KEY_FILE",
     "STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE must be set when STEWARD_ENV=production"),
])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing, message):
    env = {k: v for k, v in PRODUCTION_SECRETS.items() if k != missing}
    result = run("print('started')", tmp_path, STEWARD_ENV="production", **env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_starts_with_its_secrets_and_is_strict(tmp_path):
    code = ("print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
            "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS > 0, settings.ALLOWED_HOSTS)")
    result = run(code, tmp_path, STEWARD_ENV="production", **PRODUCTION_SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "['conduct.example.org']"]


def test_an_empty_secret_key_counts_as_missing(tmp_path):
    env = {**PRODUCTION_SECRETS, "SECRET_KEY": ""}
    result = run("print('started')", tmp_path, STEWARD_ENV="production", **env)
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DEBUG", "maybe", "DEBUG must be true or false, not 'maybe'"),
    ("STEWARD_SLA_P1_HOURS", "one", "STEWARD_SLA_P1_HOURS must be a whole number, not 'one'"),
])
def test_malformed_values_are_named(tmp_path, name, value, message):
    result = run("print('started')", tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_sla_hours_come_from_the_environment(tmp_path):
    result = run("print(settings.STEWARD_SLA_HOURS['P1'], settings.STEWARD_SLA_HOURS['P4'], settings.STEWARD_ACK_HOURS)",
                 tmp_path, STEWARD_SLA_P1_HOURS="2", STEWARD_SLA_P4_HOURS="200", STEWARD_ACK_HOURS="12")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "200", "12"]
