"""A GitHub organisation faked at the HTTP layer (httpx.MockTransport), answering the calls the
GitHub connector makes with payloads shaped like the REST API's (v2022-11-28): blocks (204/404),
teams and their memberships, outside collaborators, repositories with their collaborators,
permissions and invitations, organisation memberships, the App's installation-token exchange
(checking the JWT against the App's public key), paginated lists with a Link header, rate-limit
headers on every answer, and GitHub's error bodies ({"message", "documentation_url",
"status"}). `fail_next` queues canned answers for the next calls that match."""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

API = "https://api.github.test"
ORG = "steward-org"
TOKEN = "ghp_fakeTokenForTheFakeGitHub0000000000"  # the fake's; not a secret
DOCS = "https://docs.github.com/rest"
ROLE_FOR_PUT = {"pull": "read", "push": "write"}


def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def user(login: str, number: int) -> dict[str, Any]:
    return {"login": login, "id": number, "node_id": f"MDQ6VXNlcj{number}", "type": "User", "site_admin": False,
            "url": f"{API}/users/{login}", "html_url": f"https://github.test/{login}"}


@dataclass
class FakeGitHub:
    users: dict[str, int] = field(default_factory=dict)  # login -> id
    hidden: set[str] = field(default_factory=set)  # accounts GitHub flagged as spam: 404 to every read
    members: dict[str, tuple[str, str]] = field(default_factory=dict)  # login -> (role, state)
    teams: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # slug -> login -> (role, state)
    repos: dict[str, dict[str, str]] = field(default_factory=dict)  # repo -> login -> role name (direct access)
    outside: set[str] = field(default_factory=set)
    invitations: dict[str, dict[str, str]] = field(default_factory=dict)  # repo -> login -> role name
    blocked: set[str] = field(default_factory=set)
    page_size: int = 100
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    app_id: str = "123456"
    installation_id: str = "987"
    app_public_key: Any = None
    exchanges: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    queued: list[tuple[Callable[[httpx.Request], bool], httpx.Response]] = field(default_factory=list)

    def fail_next(self, response: httpx.Response, *, when: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.queued.append((when, response))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def error(status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
        body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors:
            body["errors"] = errors
        return httpx.Response(status, json=body, headers=headers)

    @staticmethod
    def rate_headers(remaining: int = 4999, reset: int | None = None) -> dict[str, str]:
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Used": "1",
                "X-RateLimit-Reset": str(reset or int(time.time()) + 3600), "X-RateLimit-Resource": "core"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?")[0]
        self.calls.append((request.method, unquote(path)))
        for index, (when, canned) in enumerate(self.queued):
            if when(request):
                del self.queued[index]
                return canned
        if request.method == "POST" and (match := re.fullmatch(r"/app/installations/([^/]+)/access_tokens", path)):
            return self._exchange(request, match[1])
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return self.error(401, "Bad credentials")
        response = self._route(request, path, json.loads(request.content) if request.content else {})
        response.headers.update(self.rate_headers())
        return response

    def _exchange(self, request: httpx.Request, installation: str) -> httpx.Response:
        assertion = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(assertion, self.app_public_key, algorithms=["RS256"], leeway=0)
        except jwt.PyJWTError:
            return self.error(401, "A JSON web token could not be decoded")
        if str(claims.get("iss")) != self.app_id or claims["exp"] - claims["iat"] > 600:
            return self.error(401, "'Expiration time' claim ('exp') is too far in the future")
        if installation != self.installation_id:
            return self.error(404, "Not Found")
        self.exchanges += 1
        token = f"ghs_installation{self.exchanges:04d}"
        self.tokens.add(token)
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        return httpx.Response(201, json={"token": token, "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                         "permissions": {"members": "write", "organization_user_blocking": "write",
                                                         "administration": "write"},
                                         "repository_selection": "all"})

    def _page(self, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        size = min(int(request.url.params.get("per_page", "30")), self.page_size)
        page = int(request.url.params.get("page", "1"))
        headers = {}
        if page * size < len(items):
            following = request.url.copy_merge_params({"page": str(page + 1), "per_page": str(size)})
            headers["Link"] = f'<{following}>; rel="next", <{request.url.copy_with(query=None)}?page=1>; rel="first"'
        return httpx.Response(200, json=items[(page - 1) * size:page * size], headers=headers)

    def _route(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        method, org = request.method, f"/orgs/{ORG}"
        if path == "/user":
            if request.headers["Authorization"].startswith("Bearer ghs_"):
                return self.error(403, "Resource not accessible by integration")
            return httpx.Response(200, json=user("steward-bot", 1), headers={"X-OAuth-Scopes": "admin:org, repo"})
        if match := re.fullmatch(r"/users/([^/]+)", path):
            login = unquote(match[1])
            if login not in self.users or login in self.hidden:
                return self.error(404, "Not Found")
            return httpx.Response(200, json=user(login, self.users[login]))
        if path == org:
            return httpx.Response(200, json={"login": ORG, "id": 42, "type": "Organization",
                                             "plan": {"name": "free", "seats": 0}})
        if path == f"{org}/blocks":
            return self._page(request, [user(login, self.users.get(login, 0)) for login in sorted(self.blocked)])
        if match := re.fullmatch(rf"{org}/blocks/([^/]+)", path):
            return self._block(method, unquote(match[1]))
        if path == f"{org}/teams":
            return self._page(request, [{"id": number, "name": slug.title(), "slug": slug, "privacy": "closed",
                                         "permission": "pull", "url": f"{API}/teams/{number}"}
                                        for number, slug in enumerate(sorted(self.teams), start=1)])
        if match := re.fullmatch(rf"{org}/teams/([^/]+)/memberships/([^/]+)", path):
            return self._team_membership(method, unquote(match[1]), unquote(match[2]), body)
        if path == f"{org}/outside_collaborators":
            return self._page(request, [user(login, self.users[login]) for login in sorted(self.outside)])
        if match := re.fullmatch(rf"{org}/outside_collaborators/([^/]+)", path):
            login = unquote(match[1])
            if login in self.members:
                return self.error(422, "You cannot specify an organization member to remove as an outside "
                                       "collaborator.")
            self.outside.discard(login)
            for people in self.repos.values():
                people.pop(login, None)
            return httpx.Response(204)
        if match := re.fullmatch(rf"{org}/memberships/([^/]+)", path):
            return self._membership(method, unquote(match[1]), body)
        if path == f"{org}/repos":
            return self._page(request, [{"id": number, "name": name, "full_name": f"{ORG}/{name}", "private": False}
                                        for number, name in enumerate(sorted(self.repos), start=1)])
        if match := re.fullmatch(rf"/repos/{ORG}/([^/]+)/(collaborators/[^/]+(?:/permission)?|invitations)", path):
            return self._repository(request, unquote(match[1]), unquote(match[2]), body)
        return self.error(404, "Not Found")

    def _block(self, method: str, login: str) -> httpx.Response:
        if method == "GET":
            return httpx.Response(204) if login in self.blocked and login not in self.hidden else self.error(404, "Not Found")
        if method == "DELETE":
            self.blocked.discard(login)
            return httpx.Response(204)
        if login not in self.users:
            return self.error(404, "Not Found")
        if login in self.members:
            return self.error(422, "Validation Failed",
                              errors=[{"resource": "Block", "code": "custom", "message": "Blocked user is a member"}])
        if login in self.blocked:
            return self.error(422, "Validation Failed",
                              errors=[{"resource": "Block", "code": "custom", "message": "Blocked user has already "
                                                                                         "been blocked"}])
        self.blocked.add(login)
        return httpx.Response(204)

    def _refuse_blocked(self, login: str) -> httpx.Response | None:
        if login in self.blocked:
            return self.error(422, "Validation Failed", errors=[{"code": "custom", "message": "User is blocked"}])
        return None

    def _team_membership(self, method: str, slug: str, login: str, body: dict[str, Any]) -> httpx.Response:
        if slug not in self.teams:
            return self.error(404, "Not Found")
        people = self.teams[slug]
        if method == "DELETE":
            if login not in people:
                return self.error(404, "Not Found")
            del people[login]
            return httpx.Response(204)
        if method == "PUT":
            if refused := self._refuse_blocked(login):
                return refused
            # Someone outside the organisation is invited: pending until they accept.
            state = "active" if self.members.get(login, ("", ""))[1] == "active" else "pending"
            if state == "pending" and login not in self.members:
                self.members[login] = ("member", "pending")
            people[login] = (body.get("role", "member"), state)
        if login not in people:
            return self.error(404, "Not Found")
        role, state = people[login]
        return httpx.Response(200, json={"url": f"{API}/teams/1/memberships/{login}", "role": role, "state": state})

    def _membership(self, method: str, login: str, body: dict[str, Any]) -> httpx.Response:
        if method == "DELETE":
            if login not in self.members:
                return self.error(404, "Not Found")
            del self.members[login]
            for people in self.teams.values():
                people.pop(login, None)
            return httpx.Response(204)
        if method == "PUT":
            if refused := self._refuse_blocked(login):
                return refused
            state = self.members[login][1] if login in self.members else "pending"
            self.members[login] = (body.get("role", "member"), state)
        if login not in self.members:
            return self.error(404, "Not Found")
        role, state = self.members[login]
        return httpx.Response(200, json={"url": f"{API}/orgs/{ORG}/memberships/{login}", "state": state, "role": role,
                                         "organization_url": f"{API}/orgs/{ORG}", "organization": {"login": ORG},
                                         "user": user(login, self.users.get(login, 0))})

    def _repository(self, request: httpx.Request, repo: str, rest: str, body: dict[str, Any]) -> httpx.Response:
        if repo not in self.repos:
            return self.error(404, "Not Found")
        people = self.repos[repo]
        if rest == "invitations":
            return self._page(request, [{"id": number, "invitee": user(login, self.users.get(login, 0)),
                                         "permissions": role, "repository": {"name": repo}}
                                        for number, (login, role) in enumerate(
                                            sorted(self.invitations.get(repo, {}).items()), start=1)])
        login = rest.split("/")[1]
        if rest.endswith("/permission"):
            role = people.get(login)
            legacy = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}
            return httpx.Response(200, json={"permission": legacy.get(role or "", "none"), "role_name": role or "",
                                             "user": user(login, self.users.get(login, 0))})
        if request.method == "PUT":
            if refused := self._refuse_blocked(login):
                return refused
            if login in people:
                return httpx.Response(204)
            role = ROLE_FOR_PUT.get(body["permission"], body["permission"])
            self.invitations.setdefault(repo, {})[login] = role
            return httpx.Response(201, json={"id": 1, "invitee": user(login, self.users.get(login, 0)),
                                             "permissions": body["permission"], "repository": {"name": repo}})
        return httpx.Response(204) if login in people else self.error(404, "Not Found")

    def accept_invitations(self, login: str) -> None:
        """What the person does by accepting every invitation GitHub sent them."""
        for repo, invited in self.invitations.items():
            if login in invited:
                self.repos[repo][login] = invited.pop(login)
                self.outside.add(login)
        if login in self.members:
            self.members[login] = (self.members[login][0], "active")
        for people in self.teams.values():
            if login in people:
                people[login] = (people[login][0], "active")
