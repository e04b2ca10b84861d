"""Mailman core's REST API (3.1) faked at the HTTP layer (httpx.MockTransport), answering the
calls the Mailman connector makes with payloads shaped like Mailman's: member records from
`members/find` (collections with `start`, `total_size` and `entries`, left out when empty),
bans, the domain's lists, system versions, 201/204 answers without a body, and its error bodies
(`{"title": "404 Not Found", "description": ...}`). It refuses to subscribe a banned address, as
Mailman does. `fail_next` queues canned answers for the next calls that match."""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

BASE = "http://mailman.test:8001/3.1"
USER, PASSWORD = "restadmin", "restpass"  # the fake's; not secrets
ERRORS = {400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found"}


@dataclass
class Member:
    list_id: str
    email: str
    role: str = "member"
    delivery_mode: str = "regular"


@dataclass
class FakeMailman:
    lists: dict[str, str] = field(default_factory=dict)  # list id -> mail host
    members: dict[str, Member] = field(default_factory=dict)  # member id -> record
    bans: set[tuple[str, str]] = field(default_factory=set)  # (list id, email)
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)
    credentials: tuple[str, str] = (USER, PASSWORD)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_list(self, list_id: str) -> None:
        self.lists[list_id] = list_id.partition(".")[2]

    def subscribe(self, list_id: str, email: str, role: str = "member", delivery_mode: str = "regular") -> str:
        member_id = f"{next(self.ids):032x}"
        self.members[member_id] = Member(list_id, email, role, delivery_mode)
        return member_id

    def roles(self, list_id: str, email: str) -> set[tuple[str, str]]:
        return {(member.role, member.delivery_mode) for member in self.members.values()
                if member.list_id == list_id and member.email == email}

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, description: str = "") -> httpx.Response:
        body = {"title": ERRORS.get(status, f"{status}")}
        if description:
            body["description"] = description
        return httpx.Response(status, json=body)

    @staticmethod
    def collection(entries: list[dict[str, Any]]) -> httpx.Response:
        body: dict[str, Any] = {"start": 0, "total_size": len(entries), "http_etag": '"collection"'}
        if entries:
            body["entries"] = entries
        return httpx.Response(200, json=body)

    def _authorised(self, request: httpx.Request) -> bool:
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return bool(request.headers.get("Authorization") == f"Basic {expected}")

    def _member_json(self, member_id: str, member: Member) -> dict[str, Any]:
        return {"address": f"{BASE}/addresses/{member.email}", "delivery_mode": member.delivery_mode,
                "email": member.email, "list_id": member.list_id, "member_id": member_id, "role": member.role,
                "self_link": f"{BASE}/members/{member_id}", "subscription_mode": "as_address",
                "http_etag": f'"{member_id[-8:]}"'}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path).removeprefix("/3.1")
        self.calls.append((request.method, path))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if not self._authorised(request):
            return self.error(401, "REST API authorization failed")
        body = json.loads(request.content) if request.content else {}
        method = request.method
        if path == "/system/versions":
            return httpx.Response(200, json={"api_version": "3.1", "mailman_version": "GNU Mailman 3.3.9 (Tom Sawyer)",
                                             "python_version": "3.12.3", "self_link": f"{BASE}/system/versions",
                                             "http_etag": '"versions"'})
        if match := re.fullmatch(r"/domains/(?P<host>[^/]+)/lists", path):
            if match["host"] not in self.lists.values():
                return self.error(404)
            return self.collection([{"list_id": list_id, "fqdn_listname": list_id.replace(".", "@", 1),
                                     "mail_host": host} for list_id, host in sorted(self.lists.items())
                                    if host == match["host"]])
        if path == "/members/find" and method == "GET":
            list_id, email = request.url.params.get("list_id"), request.url.params.get("subscriber")
            return self.collection([self._member_json(member_id, member) for member_id, member in self.members.items()
                                    if member.list_id == list_id and member.email == email])
        if match := re.fullmatch(r"/members/(?P<id>[0-9a-f]+)", path):
            if method == "DELETE" and match["id"] in self.members:
                del self.members[match["id"]]
                return httpx.Response(204)
            return self.error(404)
        if path == "/members" and method == "POST":
            if body["list_id"] not in self.lists:
                return self.error(400, "No such list")
            if (body["list_id"], body["subscriber"]) in self.bans:
                return self.error(400, "Membership is banned")
            if (body["role"], body.get("delivery_mode", "regular")) in self.roles(body["list_id"], body["subscriber"]):
                return self.error(409, "Member already subscribed")
            member_id = self.subscribe(body["list_id"], body["subscriber"], body["role"],
                                       body.get("delivery_mode", "regular"))
            return httpx.Response(201, headers={"Location": f"{BASE}/members/{member_id}"})
        if match := re.fullmatch(r"/lists/(?P<list>[^/]+)(?P<bans>/bans(/(?P<email>[^/]+))?)?", path):
            list_id = match["list"]
            if list_id not in self.lists:
                return self.error(404)
            if not match["bans"]:
                return httpx.Response(200, json={"list_id": list_id, "fqdn_listname": list_id.replace(".", "@", 1),
                                                 "mail_host": self.lists[list_id], "member_count": len(self.members),
                                                 "self_link": f"{BASE}/lists/{list_id}"})
            if match["email"] is None and method == "POST":
                if (list_id, body["email"]) in self.bans:
                    return self.error(400, "Address is already banned")
                self.bans.add((list_id, body["email"]))
                return httpx.Response(201, headers={"Location": f"{BASE}/lists/{list_id}/bans/{body['email']}"})
            email = match["email"] or ""
            if (list_id, email) not in self.bans:
                return self.error(404, f"Email is not banned: {email}")
            if method == "DELETE":
                self.bans.discard((list_id, email))
                return httpx.Response(204)
            return httpx.Response(200, json={"email": email, "list_id": list_id, "http_etag": '"ban"',
                                             "self_link": f"{BASE}/lists/{list_id}/bans/{email}"})
        return self.error(404)
