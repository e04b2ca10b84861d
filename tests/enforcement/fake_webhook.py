"""A Standard Webhooks receiver faked at the HTTP layer (httpx.MockTransport). It checks every
delivery as the specification tells a receiver to, written here from the specification and not
from Steward's code: the three `webhook-*` headers, a timestamp within five minutes, and one of
the space-separated `v1,` signatures equal to the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
under the base64-decoded secret (the part after `whsec_`). A delivery that does not verify is
answered 401, as a receiver would. `fail_next` queues canned answers for the next deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

ENDPOINT = "https://hooks.steward.test/enforcement"
SECRET = "whsec_" + base64.b64encode(b"a receiver's 32-byte test key!!!").decode()  # the fake's; not a secret
TOLERANCE = 5 * 60


def verifies(secret: str, headers: httpx.Headers, body: bytes, *, now: float | None = None) -> bool:
    """Whether a delivery passes the specification's verification."""
    webhook_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "").split(" ")
    if not webhook_id or not timestamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = b".".join([webhook_id.encode(), timestamp.encode(), body])
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(version == "v1" and hmac.compare_digest(signature, expected)
               for version, _, signature in (item.partition(",") for item in signatures))


@dataclass
class Delivery:
    webhook_id: str
    timestamp: str
    event: dict[str, Any]
    body: bytes
    headers: httpx.Headers


@dataclass
class FakeReceiver:
    secret: str = SECRET
    received: list[Delivery] = field(default_factory=list)  # every delivery that verified
    refused: int = 0
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def events(self, event_type: str) -> list[Delivery]:
        return [delivery for delivery in self.received if delivery.event["type"] == event_type]

    def handle(self, request: httpx.Request) -> httpx.Response:
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if request.method != "POST" or str(request.url) != ENDPOINT:
            return httpx.Response(404, text="Not Found")
        body = request.read()
        if not verifies(self.secret, request.headers, body):
            self.refused += 1
            return httpx.Response(401, json={"error": "invalid signature"})
        self.received.append(Delivery(request.headers["webhook-id"], request.headers["webhook-timestamp"],
                                      json.loads(body), body, request.headers))
        return httpx.Response(204)
