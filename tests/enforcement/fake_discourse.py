"""A Discourse forum faked at the HTTP layer (httpx.MockTransport), answering the calls the
Discourse connector makes with payloads shaped like Discourse's: the public user JSON
(`{"user_badges", "user"}`), the staff view of an account (`suspended_till` and `silenced_till`
only while in force), the suspend/silence answers, its 409 for a second suspension, its 400 for a
reason over 300 characters, and its error bodies (`{"errors": [...], "error_type"}`; a wrong key
is a 403). `fail_next` queues canned answers for the next calls that match."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

INVALID_KEY = "You are not permitted to view the requested resource. The API username or key is invalid."


@dataclass
class FakeUser:
    id: int
    username: str
    admin: bool = False
    moderator: bool = False
    suspended_till: datetime.datetime | None = None
    silenced_till: datetime.datetime | None = None
    reasons: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def suspended(self) -> bool:
        return self.suspended_till is not None and self.suspended_till > datetime.datetime.now(datetime.UTC)

    def silenced(self) -> bool:
        return self.silenced_till is not None and self.silenced_till > datetime.datetime.now(datetime.UTC)


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class FakeDiscourse:
    users: dict[str, FakeUser] = field(default_factory=dict)  # by lower-cased username
    api_username: str = "system"
    api_key: str = "discourse-fake-key"
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def add(self, username: str, **fields: Any) -> FakeUser:
        user = FakeUser(id=len(self.users) + 1, username=username, **fields)
        self.users[username.lower()] = user
        return user

    def user(self, username: str) -> FakeUser:
        return self.users[username.lower()]

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, error_type: str, *messages: str) -> httpx.Response:
        return httpx.Response(status, json={"errors": list(messages) or [error_type], "error_type": error_type})

    @staticmethod
    def rate_limited(seconds: int) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": str(seconds)}, json={
            "errors": [f"You’ve performed this action too many times. Please wait {seconds} seconds before trying "
                       "again."], "error_type": "rate_limit",
            "extras": {"wait_seconds": seconds, "time_left": f"{seconds} seconds"}})

    def _by_id(self, user_id: int) -> FakeUser | None:
        return next((user for user in self.users.values() if user.id == user_id), None)

    def _staff(self) -> bool:
        actor = self.users.get(self.api_username.lower())
        return actor is not None and (actor.admin or actor.moderator)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        for index, (when, response) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return response
        if request.headers.get("Api-Key") != self.api_key or request.headers.get("Api-Username") != self.api_username:
            return self.error(403, "invalid_access", INVALID_KEY)
        body = json.loads(request.content) if request.content else {}
        if match := re.fullmatch(r"/u/(?P<name>[^/]+)\.json", path):
            user = self.users.get(match["name"].lower())
            if user is None:
                return self.error(404, "not_found", "The requested URL or resource could not be found.")
            public: dict[str, Any] = {"id": user.id, "username": user.username, "name": "", "trust_level": 1,
                                      "admin": user.admin, "moderator": user.moderator}
            if user.suspended():
                public["suspended_till"] = _iso(user.suspended_till)
            return httpx.Response(200, json={"user_badges": [], "user": public})
        if match := re.fullmatch(r"/admin/users/(?P<id>\d+)(?:/(?P<verb>\w+))?\.json", path):
            if not self._staff():  # admin routes are hidden from anyone not staff
                return self.error(404, "not_found", "The requested URL or resource could not be found.")
            user = self._by_id(int(match["id"]))
            if user is None:
                return self.error(404, "not_found", "The requested URL or resource could not be found.")
            return self._admin(request.method, match["verb"], user, body)
        return self.error(404, "not_found", "The requested URL or resource could not be found.")

    def _admin(self, method: str, verb: str | None, user: FakeUser, body: dict[str, Any]) -> httpx.Response:
        if verb is None and method == "GET":
            record: dict[str, Any] = {"id": user.id, "username": user.username, "active": True,
                                      "admin": user.admin, "moderator": user.moderator, "staged": False}
            if user.suspended():
                record.update(suspended_till=_iso(user.suspended_till), suspended_at=_iso(user.suspended_till))
            if user.silenced_till is not None:
                record.update(silenced=user.silenced(), silenced_till=_iso(user.silenced_till))
            return httpx.Response(200, json=record)
        if method != "PUT":
            return self.error(404, "not_found", "The requested URL or resource could not be found.")
        if verb in {"suspend", "silence"}:
            until_key = "suspend_until" if verb == "suspend" else "silenced_till"
            reason = str(body.get("reason", ""))
            errors = [*(["Reason can't be blank"] if not reason else []),
                      *(["Reason is too long (maximum is 300 characters)"] if len(reason) > 300 else []),
                      *([f"{until_key.replace('_', ' ').capitalize()} can't be blank"] if not body.get(until_key) else [])]
            if errors:
                return httpx.Response(400, json={"failed": "FAILED", "errors": errors})
            if (user.suspended() if verb == "suspend" else user.silenced()):
                return httpx.Response(409, json={"failed": "FAILED", "message": f"{user.username} was already "
                                                 f"{'suspended' if verb == 'suspend' else 'silenced'} by system."})
            until = datetime.datetime.fromisoformat(str(body[until_key]).replace("Z", "+00:00"))
            user.reasons.append(reason)
            user.messages.append(str(body.get("message", "")))
            if verb == "suspend":
                user.suspended_till = until
                return httpx.Response(200, json={"suspension": {"suspend_reason": reason, "full_suspend_reason": reason,
                                                                "suspended_till": _iso(until), "suspended_at": _iso(until)}})
            user.silenced_till = until
            return httpx.Response(200, json={"silence": {"silenced": True, "silence_reason": reason,
                                                         "silenced_till": _iso(until)}})
        if verb == "unsuspend":
            user.suspended_till = None
            return httpx.Response(200, json={"suspension": {"suspended_till": None, "suspended_at": None}})
        if verb == "unsilence":
            user.silenced_till = None
            return httpx.Response(200, json={"unsilence": {"silenced": False, "silence_reason": None,
                                                           "silenced_till": None, "silenced_at": None}})
        return self.error(404, "not_found", "The requested URL or resource could not be found.")
