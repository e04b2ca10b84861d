"""A GitLab instance faked at the HTTP layer (httpx.MockTransport), answering the calls the GitLab
connector makes with payloads shaped like REST API v4's: user lists and records with `state`,
group members with `access_level` and `expires_at`, `true` for bans, 204 for a removal, and its
error bodies ({"message": "404 Group Not Found"}, {"message": "403 Forbidden"}). `fail_next`
queues canned answers (a 429 with Retry-After, a 502, an HTML page) for the next calls that match."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

TOKEN = "glpat-fake-token"  # the fake's; not a secret
GROUP_ID, GROUP_PATH = 4242, "example-org"
STEWARD_ID = 1


@dataclass
class FakeGitLab:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # username -> {"id", "state"}
    members: dict[int, dict[str, Any]] = field(default_factory=dict)  # user id -> {"access_level", "expires_at"}
    admin: bool = True
    steward_level: int | None = 50  # the token's role in the group (None: not a member)
    token: str = TOKEN
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def add_user(self, username: str, *, state: str = "active", member: int | None = 30,
                 expires_at: str | None = None) -> int:
        user_id = 100 + len(self.users)
        self.users[username] = {"id": user_id, "state": state}
        if member is not None:
            self.members[user_id] = {"access_level": member, "expires_at": expires_at}
        return user_id

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"message": message})

    def _by_id(self, user_id: int) -> tuple[str, dict[str, Any]] | None:
        return next(((name, user) for name, user in self.users.items() if user["id"] == user_id), None)

    @staticmethod
    def _user(username: str, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "username": username, "name": username.title(), "state": user["state"],
                "locked": False, "avatar_url": "", "web_url": f"http://gitlab.test/{username}"}

    def _member(self, user_id: int) -> dict[str, Any]:
        found = self._by_id(user_id)
        username, user = found if found else ("steward-bot", {"id": user_id, "state": "active"})
        return {**self._user(username, user), **self.members[user_id], "membership_state": "active",
                "created_at": "2024-05-01T10:00:00.000Z"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.raw_path.decode().split("?")[0]).removeprefix("/api/v4")
        self.calls.append((request.method, path))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if request.headers.get("PRIVATE-TOKEN") != self.token:
            return self.error(401, "401 Unauthorized")
        body = json.loads(request.content) if request.content else {}
        if path == "/user":
            me = {**self._user("steward-bot", {"id": STEWARD_ID, "state": "active"})}
            return httpx.Response(200, json={**me, "is_admin": True} if self.admin else me)
        if path == "/users":
            wanted = request.url.params.get("username", "").lower()
            return httpx.Response(200, json=[self._user(name, user) for name, user in self.users.items()
                                             if name.lower() == wanted])
        if match := re.fullmatch(r"/users/(?P<id>\d+)(?P<verb>/ban|/unban)?", path):
            return self._account(int(match["id"]), match["verb"])
        if match := re.fullmatch(r"/groups/(?P<group>[^/]+(?:/[^/]+)*?)(?P<rest>/members.*)?", path):
            if match["group"] not in {str(GROUP_ID), GROUP_PATH}:
                return self.error(404, "404 Group Not Found")
            return self._group(request.method, match["rest"] or "", body)
        return self.error(404, "404 Not Found")

    def _account(self, user_id: int, verb: str | None) -> httpx.Response:
        found = self._by_id(user_id)
        if found is None:
            return self.error(404, "404 User Not Found")
        if verb and not self.admin:
            return self.error(403, "403 Forbidden")
        username, user = found
        if verb == "/ban":
            if user["state"] != "active":
                return self.error(403, f"You cannot ban {user['state']} users.")
            user["state"] = "banned"
            return httpx.Response(201, json=True)
        if verb == "/unban":
            if user["state"] != "banned":
                return self.error(403, "You cannot unban active users.")
            user["state"] = "active"
            return httpx.Response(201, json=True)
        return httpx.Response(200, json=self._user(username, user))

    def _group(self, method: str, rest: str, body: dict[str, Any]) -> httpx.Response:
        if rest == "":
            return httpx.Response(200, json={"id": GROUP_ID, "name": "Example Org", "path": GROUP_PATH,
                                             "full_path": GROUP_PATH, "visibility": "public"})
        if match := re.fullmatch(r"/members/all/(?P<id>\d+)", rest):
            if int(match["id"]) == STEWARD_ID and self.steward_level is not None:
                return httpx.Response(200, json={**self._user("steward-bot", {"id": STEWARD_ID, "state": "active"}),
                                                 "access_level": self.steward_level, "expires_at": None})
            return self.error(404, "404 Not found")
        if rest == "/members" and method == "POST":
            user_id = int(body["user_id"])
            if user_id in self.members:
                return self.error(409, "Member already exists")
            self.members[user_id] = {"access_level": int(body["access_level"]), "expires_at": body.get("expires_at")}
            return httpx.Response(201, json=self._member(user_id))
        if match := re.fullmatch(r"/members/(?P<id>\d+)", rest):
            user_id = int(match["id"])
            if user_id not in self.members:
                return self.error(404, "404 Not found")
            if method == "DELETE":
                if self.steward_level is None or self.steward_level < 50:
                    return self.error(403, "403 Forbidden")
                del self.members[user_id]
                return httpx.Response(204)
            return httpx.Response(200, json=self._member(user_id))
        return self.error(404, "404 Not Found")
