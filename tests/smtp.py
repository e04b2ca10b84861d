"""A real SMTP server for tests (aiosmtpd on 127.0.0.1): what Steward sends is received as a
mail server would receive it, parsed into subject, recipients and plain-text body."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, cast

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        plain = self.message.get_body(preferencelist=("plain",))
        return str(plain.get_content()) if plain is not None else ""


class Inbox:
    """The server's handler: keeps every message; `pace` seconds per message imitate a real server."""

    def __init__(self, pace: float = 0.0) -> None:
        self.pace = pace
        self.lock = threading.Lock()
        self._received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.pace:
            await asyncio.sleep(self.pace)
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=default_policy))
        with self.lock:
            self._received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def received(self) -> list[Received]:
        with self.lock:
            return list(self._received)

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.to]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(pace: float = 0.0) -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(pace), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mailers(port: int) -> dict[str, dict[str, Any]]:
    """The MAILERS setting that sends through the test server."""
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "OPTIONS": {"host": "127.0.0.1", "port": port}}}
