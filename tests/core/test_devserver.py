"""`make run` with STEWARD_ADDR: the printed logins and the links in emails use the address it listens on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from steward.core import devserver

pytestmark = pytest.mark.once  # settings and start-up in a fresh process: no database under test

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("addr", "url", "host"), [
    ("127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1"),
    ("8123", "http://127.0.0.1:8123", "127.0.0.1"),
    ("127.0.0.1:9000", "http://127.0.0.1:9000", "127.0.0.1"),
    ("192.0.2.10:8080", "http://192.0.2.10:8080", "192.0.2.10"),
    ("localhost:8001", "http://localhost:8001", "localhost"),
    ("steward.test:8002", "http://steward.test:8002", "steward.test"),
    ("[::1]:8003", "http://[::1]:8003", "[::1]"),
    ("0.0.0.0:8004", "http://127.0.0.1:8004", "127.0.0.1"),  # every interface: this machine uses the loopback
    ("0:8005", "http://127.0.0.1:8005", "127.0.0.1"),
    ("[::]:8006", "http://[::1]:8006", "[::1]"),
])
def test_the_base_url_is_where_the_server_listens(addr, url, host):
    assert devserver.base_url(addr) == url
    assert devserver.allowed_host(addr) == host


@pytest.mark.parametrize("addr", ["", "http://127.0.0.1:8000", "127.0.0.1", "127.0.0.1:port", "127.0.0.1:80/x"])
def test_an_address_runserver_would_refuse_is_named(addr):
    with pytest.raises(ValueError, match="STEWARD_ADDR must be a port or an address and port"):
        devserver.host_and_port(addr)


def _settings_with(**env: str) -> dict[str, object]:
    """The settings a fresh process (like `make run`'s) derives from its environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"STEWARD_ADDR", "STEWARD_BASE_URL", "ALLOWED_HOSTS"}}
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'base': s.STEWARD_BASE_URL, 'hosts': s.ALLOWED_HOSTS}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "steward.settings", **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_development_settings_follow_steward_addr():
    assert _settings_with()["base"] == "http://127.0.0.1:8000"
    derived = _settings_with(STEWARD_ADDR="192.0.2.10:9000")
    assert derived["base"] == "http://192.0.2.10:9000"
    assert "192.0.2.10" in derived["hosts"]  # the printed link is one the server answers
    assert _settings_with(STEWARD_ADDR="0.0.0.0:9001")["base"] == "http://127.0.0.1:9001"
    # An explicit public address wins.
    assert _settings_with(STEWARD_ADDR="0.0.0.0:9002", STEWARD_BASE_URL="https://conduct.example.org")["base"] == \
        "https://conduct.example.org"


def test_a_bad_steward_addr_stops_start_up_with_its_name():
    clean = {k: v for k, v in os.environ.items() if k != "STEWARD_ADDR"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True,
                          text=True, check=False,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "steward.settings", "STEWARD_ADDR": "here:there"})
    assert done.returncode != 0
    assert "STEWARD_ADDR must be a port or an address and port" in done.stderr

