"""A homeserver faked at the HTTP layer (httpx.MockTransport), answering the calls the Matrix
connector makes with payloads shaped like Synapse's: room member state, the admin user record,
policy-rule state events, and its error bodies ({"errcode", "error"}). `fail_next` queues canned
answers (a 429 with Retry-After, a 502, a 403, an HTML page) for the next calls that match."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

ROOM = r"/_matrix/client/v3/rooms/(?P<room>[^/]+)"


@dataclass
class FakeMatrix:
    users: set[str] = field(default_factory=set)
    members: dict[tuple[str, str], str] = field(default_factory=dict)  # (room, user) -> membership
    suspended: dict[str, bool] = field(default_factory=dict)
    state: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (room, type, key) -> content
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)
    token: str = "syt_fake_token"

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, errcode: str, message: str = "") -> httpx.Response:
        return httpx.Response(status, json={"errcode": errcode, "error": message or errcode})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?")[0]
        self.calls.append((request.method, unquote(path)))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
        body = json.loads(request.content) if request.content else {}
        if match := re.fullmatch(ROOM + r"/state/m\.room\.member/(?P<user>[^/]+)", path):
            room, user = unquote(match["room"]), unquote(match["user"])
            if (room, user) not in self.members:
                return self.error(404, "M_NOT_FOUND", "Event not found.")
            return httpx.Response(200, json={"membership": self.members[(room, user)]})
        if match := re.fullmatch(ROOM + r"/(?P<verb>ban|unban)", path):
            room = unquote(match["room"])
            self.members[(room, body["user_id"])] = "ban" if match["verb"] == "ban" else "leave"
            return httpx.Response(200, json={})
        if match := re.fullmatch(ROOM + r"/state/(?P<type>[^/]+)/(?P<key>[^/]+)", path):
            place = (unquote(match["room"]), unquote(match["type"]), unquote(match["key"]))
            if request.method == "PUT":
                self.state[place] = body
                return httpx.Response(200, json={"event_id": f"$event{len(self.calls)}"})
            if place not in self.state:
                return self.error(404, "M_NOT_FOUND", "Event not found.")
            return httpx.Response(200, json=self.state[place])
        if match := re.fullmatch(r"/_synapse/admin/v1/suspend/(?P<user>[^/]+)", path):
            user = unquote(match["user"])
            if user not in self.users:
                return self.error(404, "M_NOT_FOUND", "User not found")
            self.suspended[user] = bool(body["suspend"])
            return httpx.Response(200, json={f"user_{user}_suspended": bool(body["suspend"])})
        if match := re.fullmatch(r"/_synapse/admin/v2/users/(?P<user>[^/]+)", path):
            user = unquote(match["user"])
            if user not in self.users:
                return self.error(404, "M_NOT_FOUND", "User not found")
            return httpx.Response(200, json={"name": user, "admin": False, "deactivated": False,
                                             "suspended": self.suspended.get(user, False), "locked": False})
        return self.error(404, "M_UNRECOGNIZED", "Unrecognized request")
