"""Slack faked at the HTTP layer (httpx.MockTransport): SCIM v2 at api.slack.com/scim/v2 (a
User resource with `active`, DELETE deactivating, a PatchOp reactivating, errors shaped
`{"Errors": {"description", "code"}}`) and the Web API at slack.com/api (always HTTP 200 with
`{"ok": false, "error"}` for refusals; `users.info` naming the workspaces of an Enterprise Grid
member; `admin.users.remove` / `assign`). `plan` decides what the workspace offers: "pro"
(neither), "business" (SCIM only) or "grid" (both). `fail_next` queues canned answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

TEAM = "T0STEWARD"


@dataclass
class FakeMember:
    id: str
    name: str
    active: bool = True
    teams: set[str] = field(default_factory=lambda: {TEAM})


@dataclass
class FakeSlack:
    members: dict[str, FakeMember] = field(default_factory=dict)
    plan: str = "grid"
    token: str = "xoxp-fake-token"
    scopes: set[str] = field(default_factory=lambda: {"admin", "admin.users:read", "admin.users:write", "users:read"})
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def add(self, user_id: str, name: str, **fields: Any) -> FakeMember:
        self.members[user_id] = FakeMember(user_id, name, **fields)
        return self.members[user_id]

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def scim_error(status: int, description: str) -> httpx.Response:
        return httpx.Response(status, json={"Errors": {"description": description, "code": status}})

    @staticmethod
    def api_error(error: str, **more: Any) -> httpx.Response:
        return httpx.Response(200, json={"ok": False, "error": error, **more})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, f"{request.url.host}{request.url.path}"))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        authorised = request.headers.get("Authorization") == f"Bearer {self.token}"
        if request.url.host == "api.slack.com" and request.url.path.startswith("/scim/v2/"):
            return self._scim(request, authorised)
        if request.url.host == "slack.com" and request.url.path.startswith("/api/"):
            return self._api(request.url.path.removeprefix("/api/"), dict(parse_qsl(request.content.decode())),
                             authorised)
        return httpx.Response(404, text="<html>Not found</html>", headers={"Content-Type": "text/html"})

    # --- SCIM ----------------------------------------------------------------------------------

    def _resource(self, member: FakeMember) -> dict[str, Any]:
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": member.id, "userName": member.name,
                "displayName": member.name, "active": member.active,
                "emails": [{"value": f"{member.name}@example.org", "primary": True}],
                "meta": {"created": "2024-03-01T10:00:00-08:00", "location": f"https://api.slack.com/scim/v2/Users/{member.id}"}}

    def _scim(self, request: httpx.Request, authorised: bool) -> httpx.Response:
        if not authorised:
            return self.scim_error(401, "invalid_authentication")
        if self.plan == "pro":  # Free and Pro plans have no SCIM
            return self.scim_error(403, "invalid_authentication: SCIM is not enabled on this team's plan")
        if "admin" not in self.scopes:
            return self.scim_error(403, "missing_scope: admin")
        path = request.url.path.removeprefix("/scim/v2/")
        if path == "Users" and request.method == "GET":
            return httpx.Response(200, json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                             "totalResults": len(self.members), "itemsPerPage": 1, "startIndex": 1,
                                             "Resources": [self._resource(m) for m in list(self.members.values())[:1]]})
        member = self.members.get(path.removeprefix("Users/")) if path.startswith("Users/") else None
        if member is None:
            return self.scim_error(404, "user_not_found")
        if request.method == "GET":
            return httpx.Response(200, json=self._resource(member))
        if request.method == "DELETE":
            member.active = False
            return httpx.Response(204)
        if request.method == "PATCH":
            body = json.loads(request.content)
            for operation in body.get("Operations", []):
                if operation.get("op") == "replace" and operation.get("path") == "active":
                    member.active = bool(operation["value"])
            return httpx.Response(200, json=self._resource(member))
        return self.scim_error(405, "method_not_allowed")

    # --- Web API -------------------------------------------------------------------------------

    def _api(self, method: str, form: dict[str, str], authorised: bool) -> httpx.Response:
        if not authorised:
            return self.api_error("invalid_auth")
        needs = {"users.info": "users:read", "admin.users.list": "admin.users:read",
                 "admin.users.remove": "admin.users:write", "admin.users.assign": "admin.users:write"}.get(method)
        if method.startswith("admin.") and self.plan != "grid":
            return self.api_error("not_an_enterprise")
        if needs is not None and needs not in self.scopes:
            return self.api_error("missing_scope", needed=needs, provided=",".join(sorted(self.scopes)))
        if method == "auth.test":
            return httpx.Response(200, json={"ok": True, "url": "https://steward.enterprise.slack.com/",
                                             "team": "Steward", "user": "steward-admin", "team_id": "E0STEWARD",
                                             "user_id": "W0ADMIN", "is_enterprise_install": True})
        if method == "admin.users.list":
            members = [m for m in self.members.values() if form.get("team_id") in m.teams]
            return httpx.Response(200, json={"ok": True, "users": [
                {"id": m.id, "email": f"{m.name}@example.org", "is_admin": False, "is_owner": False,
                 "is_bot": False, "is_restricted": False} for m in members[:int(form.get("limit", 100))]],
                "response_metadata": {"next_cursor": ""}})
        member = self.members.get(form.get("user", form.get("user_id", "")))
        if method in {"users.info", "admin.users.remove", "admin.users.assign"} and member is None:
            return self.api_error("user_not_found")
        if method == "users.info" and member is not None:
            user: dict[str, Any] = {"id": member.id, "team_id": "E0STEWARD", "name": member.name,
                                    "deleted": not member.active, "is_admin": False, "is_bot": False,
                                    "profile": {"real_name": member.name, "display_name": member.name}}
            if self.plan == "grid":
                user["enterprise_user"] = {"id": member.id, "enterprise_id": "E0STEWARD", "enterprise_name": "Steward",
                                           "is_admin": False, "is_owner": False, "teams": sorted(member.teams)}
            return httpx.Response(200, json={"ok": True, "user": user})
        if method == "admin.users.remove" and member is not None:
            member.teams.discard(form["team_id"])
            return httpx.Response(200, json={"ok": True})
        if method == "admin.users.assign" and member is not None:
            member.teams.add(form["team_id"])
            return httpx.Response(200, json={"ok": True})
        return self.api_error("unknown_method")
