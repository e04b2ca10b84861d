"""A Bugzilla faked at the HTTP layer (httpx.MockTransport), answering the REST calls the Bugzilla
connector makes with payloads shaped like Bugzilla 5's: `{"users": [...]}` whose fields depend on
whether the API key's account is in editusers, the change objects of a PUT, and its error bodies
`{"error": true, "code": …, "message": …}`. `fail_next` queues canned answers for the next calls
that match."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

API_KEY = "fakeBugzillaApiKey0123456789"  # the fake's; not a secret
STEWARD = "steward@example.org"


@dataclass
class FakeBugzilla:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # login -> {"id", "login_denied_text", "email_enabled"}
    editusers: bool = True  # whether the key's account is in the editusers group
    whoami: bool = True  # Bugzilla 5.1 and later
    api_key: str = API_KEY
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def add_user(self, login: str, *, denied: str = "", email_enabled: bool = True) -> int:
        user_id = 200 + len(self.users)
        self.users[login] = {"id": user_id, "login_denied_text": denied, "email_enabled": email_enabled}
        return user_id

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, code: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error": True, "code": code, "message": message,
                                            "documentation": "https://bugzilla.readthedocs.org/en/5.0/api/"})

    def _record(self, login: str, user: dict[str, Any]) -> dict[str, Any]:
        groups = [{"id": 7, "name": "editusers", "description": "Can edit or disable users"}] if self.editusers else []
        record = {"id": user["id"], "name": login, "real_name": login.split("@")[0].title(),
                  "can_login": not user["login_denied_text"], "groups": groups if login == STEWARD else []}
        if self.editusers:  # Bugzilla shows these to members of editusers only
            record.update(email=login, email_enabled=user["email_enabled"],
                          login_denied_text=user["login_denied_text"])
        return record

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.raw_path.decode().split("?")[0])
        self.calls.append((request.method, path))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if request.headers.get("X-BUGZILLA-API-KEY") != self.api_key:
            return self.error(400, 306, "The API key you specified is invalid. Please check that you typed it correctly.")
        if path == "/rest/version":
            return httpx.Response(200, json={"version": "5.0.4" if not self.whoami else "5.2"})
        if path == "/rest/whoami":
            if not self.whoami:
                return self.error(404, 32614, "A REST API resource was not found for 'GET /whoami'.")
            return httpx.Response(200, json={"id": 1, "name": STEWARD, "real_name": "Steward"})
        if path == "/rest/user" and request.method == "GET":
            login = request.url.params.get("names", "")
            users = {**self.users, STEWARD: {"id": 1, "login_denied_text": "", "email_enabled": True}}
            if login not in users:
                return self.error(404, 51, f"There is no user named '{login}'. Either you mis-typed the name or "
                                           "that user has not yet registered for a Bugzilla account.")
            return httpx.Response(200, json={"users": [self._record(login, users[login])], "faults": []})
        if match := re.fullmatch(r"/rest/user/(?P<id>\d+)", path):
            if request.method != "PUT":
                return self.error(404, 32614, f"A REST API resource was not found for '{request.method} {path}'.")
            return self._update(int(match["id"]), json.loads(request.content or b"{}"))
        return self.error(404, 32614, f"A REST API resource was not found for '{request.method} {path}'.")

    def _update(self, user_id: int, body: dict[str, Any]) -> httpx.Response:
        if not self.editusers:
            return self.error(401, 304, "Sorry, you aren't a member of the 'editusers' group, and because of that "
                                        "you are not allowed to edit users.")
        user = next((user for user in self.users.values() if user["id"] == user_id), None)
        if user is None:
            return self.error(404, 51, f"There is no user with the id '{user_id}'.")
        changes = {}
        for name in ("login_denied_text", "email_enabled"):
            if name in body and body[name] != user[name]:
                changes[name] = {"added": str(body[name]), "removed": str(user[name])}
                user[name] = body[name]
        return httpx.Response(200, json={"users": [{"id": user_id, "changes": changes}]})
