"""A real Matrix homeserver for tests: Synapse from its own environment (`make synapse`), started
on 127.0.0.1 with a configuration written here, SQLite storage in a temporary folder, no
federation, and rate limits out of the way. Users are registered through the shared-secret
admin API, as an operator would create the account Steward acts with."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".synapse" / "bin" / "python"
SERVER_NAME = "steward.test"
UNLIMITED = {"per_second": 10_000, "burst_count": 10_000}


@dataclass
class Account:
    user_id: str
    access_token: str


@dataclass
class Homeserver:
    url: str
    shared_secret: str
    process: subprocess.Popen[bytes]
    log: Path
    accounts: dict[str, Account] = field(default_factory=dict)

    def register(self, localpart: str, *, admin: bool = False) -> Account:
        """A new local account, through `/_synapse/admin/v1/register` (nonce, then an HMAC of the fields)."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).raise_for_status().json()["nonce"]
        password = secrets.token_urlsafe(16)
        signed = b"\x00".join([nonce.encode(), localpart.encode(), password.encode(), b"admin" if admin else b"notadmin"])
        mac = hmac.new(self.shared_secret.encode(), signed, hashlib.sha1).hexdigest()  # the API's own choice of hash
        answer = httpx.post(endpoint, timeout=10, json={
            "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac}).raise_for_status()
        account = Account(answer.json()["user_id"], answer.json()["access_token"])
        self.accounts[localpart] = account
        return account

    def client(self, account: Account) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {account.access_token}"})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _config(folder: Path, port: int, shared_secret: str) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [{"port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                       "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "log_config": str(folder / "log.yaml"),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "macaroon_secret_key": secrets.token_urlsafe(32),
        "form_secret": secrets.token_urlsafe(32),
        **{limit: UNLIMITED for limit in ("rc_message", "rc_registration", "rc_joins_per_room", "rc_invites_per_room")},
        "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
        "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
        "rc_admin_redaction": UNLIMITED,
    }


_LOG_CONFIG = """version: 1
formatters:
  plain: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}
handlers:
  file: {class: logging.FileHandler, filename: LOGFILE, formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


def start(folder: Path, port: int, *, seconds: float = 90) -> Homeserver:
    """Write the configuration, start Synapse and wait until its client API answers."""
    folder.mkdir(parents=True, exist_ok=True)
    shared_secret = secrets.token_urlsafe(32)
    config = folder / "homeserver.yaml"
    config.write_text(json.dumps(_config(folder, port, shared_secret)))  # JSON is YAML
    log = folder / "homeserver.log"
    (folder / "log.yaml").write_text(_LOG_CONFIG.replace("LOGFILE", str(log)))
    subprocess.run([str(PYTHON), "-m", "synapse.app.homeserver", "-c", str(config), "--generate-keys"],
                   check=True, capture_output=True, cwd=folder)
    output = folder / "stdout.log"
    with output.open("wb") as sink:
        process = subprocess.Popen([str(PYTHON), "-m", "synapse.app.homeserver", "-c", str(config)],
                                   stdout=sink, stderr=subprocess.STDOUT, cwd=folder)
    server = Homeserver(f"http://127.0.0.1:{port}", shared_secret, process, log)
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse stopped at start (exit {process.returncode}):\n{output.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/_matrix/client/versions", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"Synapse did not answer within {seconds} s:\n{output.read_text()[-3000:]}")
        time.sleep(0.2)
