"""The development server's address (`make run` listens on STEWARD_ADDR) as the base URL of
links, so the printed logins and the links in emails point where it really listens.

STEWARD_ADDR takes what `manage.py runserver` takes: "8000", "127.0.0.1:8000",
"0.0.0.0:8000", "[::1]:8000" or "localhost:8000".
"""

from __future__ import annotations

import re

DEFAULT_ADDR = "127.0.0.1:8000"
# The forms runserver accepts (django.core.management.commands.runserver.naiveip_re).
_ADDR = re.compile(r"^(?:(?P<host>\d{1,3}(?:\.\d{1,3}){3}|\[[a-fA-F0-9:]+\]|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*):)?"
                   r"(?P<port>\d+)$")
# Listening on every interface: this machine reaches it on the loopback address.
_EVERY_INTERFACE = {"0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104  # nosec B104: names it, binds nothing


def host_and_port(addr: str) -> tuple[str, str]:
    found = _ADDR.match(addr.strip())
    if found is None:
        raise ValueError(f"STEWARD_ADDR must be a port or an address and port, like 8000, 127.0.0.1:8000 or "
                         f"[::1]:8000, not {addr!r}")
    return found["host"] or "127.0.0.1", found["port"]


def base_url(addr: str) -> str:
    """The URL a browser on this machine opens to reach a server listening on `addr`."""
    host, port = host_and_port(addr)
    return f"http://{_EVERY_INTERFACE.get(host, host)}:{port}"


def allowed_host(addr: str) -> str:
    """The Host header of that URL, for ALLOWED_HOSTS."""
    host, _port = host_and_port(addr)
    return _EVERY_INTERFACE.get(host, host)
