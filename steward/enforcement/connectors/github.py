"""GitHub organisation: a ban removes the person from the organisation's teams, from its
repositories as an outside collaborator and from the organisation itself, then blocks them.

Plain httpx: PyGithub runs on requests (it cannot be driven through an httpx transport) and
sleeps on rate limits by itself; githubkit is built on httpx but takes no transport of ours and
retries on its own. The calls below are few, and GitHub's rate limits must reach the worker as
`RetryLater`, never as a sleep in-process.

Credentials: a token (classic with `admin:org`, or fine-grained with the organisation's
"Blocking users", "Members" and "Administration" permissions, write) or a GitHub App
installation: Steward signs a JWT with the App's private key (RS256, issued 60 s in the past,
valid 9 minutes) and exchanges it at `POST /app/installations/{id}/access_tokens` for an
installation token, kept in the connector instance until five minutes before it expires.

The calls, per step (the plan runs them in this order, so that the block comes last):

- Remove from teams: `GET /orgs/{org}/teams` (paginated, Link header), then
  `GET /orgs/{org}/teams/{slug}/memberships/{user}` for each team to record the role;
  `DELETE` of each membership; undone by `PUT …/memberships/{user}` `{"role"}` with the role
  recorded (GitHub invites a person who is no longer in the organisation: "pending").
- Remove as outside collaborator: `GET /orgs/{org}/outside_collaborators` (paginated); when the
  person is one, `GET /orgs/{org}/repos` (paginated) and, per repository,
  `GET /repos/{org}/{repo}/collaborators/{user}` (204/404) and `…/permission` (its `role_name`)
  to record what they had; `DELETE /orgs/{org}/outside_collaborators/{user}`; undone by
  `PUT /repos/{org}/{repo}/collaborators/{user}` `{"permission"}` per repository, an invitation
  the person must accept, read back from `GET /repos/{org}/{repo}/invitations`.
- Remove from the organisation: `GET /orgs/{org}/memberships/{user}` (role, state);
  `DELETE` of it (GitHub refuses to block a member with 422); undone by
  `PUT /orgs/{org}/memberships/{user}` `{"role"}`, again an invitation.
- Block: `GET /orgs/{org}/blocks/{user}` (204 blocked, 404 not, or an account GitHub hides as
  spam: then `GET /users/{user}` answers 404 too and the read cannot tell); `PUT` to block,
  `DELETE` to unblock. Re-adding someone who is still blocked fails, so the undoing of the other
  steps waits until the block is lifted.

`test_connection` reads `GET /orgs/{org}`, `GET /user` (tokens), and one page of the blocks,
teams and outside collaborators, which proves the permissions the steps need.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import quote

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.registry.models import System

from .base import (
    ConfigurationError,
    Connector,
    NeedsHuman,
    PlannedStep,
    RetryLater,
    Setting,
    Work,
    answer_json,
    json_object,
    retry_after,
    web_address,
)

LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
APP_ID = re.compile(r"^([0-9]{1,12}|Iv[0-9A-Za-z._]{1,40})$")  # the App's id, or its client ID
PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.+?)-----END \1-----", re.DOTALL)
DEFAULT_API = "https://api.github.com"
TEAMS, COLLABORATOR, MEMBER, BLOCK = "remove_from_teams", "remove_collaborator", "remove_member", "block_user"
SECONDARY_WAIT = 60.0  # GitHub: wait at least a minute after a secondary rate limit without headers
TOKEN_MARGIN = datetime.timedelta(minutes=5)
MAX_PAGES = 200  # 20,000 teams, repositories or collaborators at 100 a page
# The repository role names GitHub reads back, and what its PUT of a collaborator takes for them.
PUT_PERMISSION = {"read": "pull", "write": "push"}
# Which permission a refused call needs, named for every kind of credential.
BLOCKING = "admin:org, or the organisation permission \"Blocking users\" (read and write)"
MEMBERS = "admin:org, or the organisation permission \"Members\" (read and write)"
REPOSITORIES = "admin:org and repo, or the repository permission \"Administration\" (read and write)"


class GitHubConnector(Connector):
    system = System.GITHUB
    name = "GitHub organisation"

    def called(self) -> str:
        return "GitHub"
    fields = (
        Setting("api_url", gettext_lazy("API address"), kind="url", required=False,
                help=gettext_lazy("Leave empty for github.com; for GitHub Enterprise Server give its API address, "
                                  "e.g. https://github.example.org/api/v3.")),
        Setting("organization", gettext_lazy("Organisation"),
                help=gettext_lazy("The organisation's login, as in github.com/<login>.")),
        Setting("auth", gettext_lazy("Steward acts with"), kind="choice",
                choices=(("token", gettext_lazy("A token")), ("app", gettext_lazy("A GitHub App installation")))),
        Setting("app_id", gettext_lazy("App ID"), required=False,
                help=gettext_lazy("With a GitHub App: its App ID (or client ID), from the App's settings page.")),
        Setting("installation_id", gettext_lazy("Installation ID"), required=False,
                help=gettext_lazy("With a GitHub App: the number at the end of the installation's settings "
                                  "address in the organisation.")),
        Setting("token", gettext_lazy("Token"), kind="secret", required=False,
                help=gettext_lazy("A classic token with admin:org (and repo), or a fine-grained one with the organisation "
                                  "permissions Blocking users, Members and Administration (write), of an owner.")),
        Setting("private_key", gettext_lazy("App private key"), kind="secret", required=False,
                help=gettext_lazy("With a GitHub App: the private key (.pem) generated in the App's settings. The App "
                                  "needs the same permissions as a fine-grained token.")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: httpx.Client | None = None
        self._installation: tuple[str, datetime.datetime] | None = None  # token, expiry

    # --- Configuration -------------------------------------------------------------------------

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        api_url = web_address(settings, "api_url", _("Give the API address, e.g. https://api.github.com or "
                                                  "https://github.example.org/api/v3."), default=DEFAULT_API)
        organization = str(settings.get("organization", "")).strip()
        if not LOGIN.match(organization):
            raise ConfigurationError("organization", _("Give the organisation's login: letters, digits and single "
                                                       "hyphens, at most 39 characters."))
        auth = str(settings.get("auth", "")).strip()
        cleaned = {"api_url": api_url, "organization": organization, "auth": auth, "app_id": "", "installation_id": ""}
        if auth == "token":
            token = credentials.get("token", "").strip()
            if not token or any(character.isspace() for character in token):
                raise ConfigurationError("token", _("Give the token Steward acts with."))
            return cleaned
        if auth != "app":
            raise ConfigurationError("auth", _("Choose a token or a GitHub App."))
        app_id = str(settings.get("app_id", "")).strip()
        if not APP_ID.match(app_id):
            raise ConfigurationError("app_id", _("Give the App's ID (a number) or its client ID (it starts with Iv)."))
        installation_id = str(settings.get("installation_id", "")).strip()
        if not installation_id.isdigit():
            raise ConfigurationError("installation_id", _("Give the installation's ID, a number."))
        try:
            _private_key(credentials.get("private_key", ""))
        except ValueError:
            raise ConfigurationError("private_key", _("Give the App's RSA private key, as the .pem file GitHub "
                                                      "generated (from -----BEGIN to -----END).")) from None
        return {**cleaned, "app_id": app_id, "installation_id": installation_id}

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(LOGIN.match(handle))

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        # Every ban, temporary or not, is the same four steps: all of them can be undone, and a
        # member must be out of the organisation before GitHub lets them be blocked.
        return [PlannedStep(TEAMS), PlannedStep(COLLABORATOR), PlannedStep(MEMBER), PlannedStep(BLOCK)]

    # --- HTTP ----------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[httpx.Client]:
        """One client (one connection) for the calls of a step; nested uses share it."""
        if self._open is not None:
            yield self._open
            return
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "Steward"}
        with self.http(base_url=self.settings["api_url"], headers=headers) as client:
            self._open = client
            try:
                yield client
            finally:
                self._open = None

    def _call(self, method: str, url: str, *, what: str, permission: str, json: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None, missing_ok: bool = False,
              bearer: str | None = None) -> httpx.Response | None:
        """One call; None for a 404 when `missing_ok`. Errors become RetryLater or NeedsHuman."""
        headers = {"Authorization": f"Bearer {bearer or self._bearer()}"}
        with self._session() as client:
            response = self.send(client, method, url, what=what, json=json, params=params, headers=headers,
                                 wait=_rate_limit_wait, limited=RATE_LIMITED)
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            raise NeedsHuman(self._refusal(what, permission, response))
        return response

    @staticmethod
    def _refusal(what: str, permission: str, response: httpx.Response) -> str:
        status, message = response.status_code, _error_text(response)
        code = f"HTTP {status}{': ' + message if message else ''}"
        if status == 401:
            return _("%(what)s: GitHub refused Steward's credentials (%(code)s); enter valid ones in the "
                     "connector's settings.") % {"what": what, "code": code}
        if "plan" in message.lower() or "upgrade" in message.lower():
            return _("%(what)s: GitHub says the organisation's plan does not offer this (%(code)s); do this step "
                     "by hand or change the plan.") % {"what": what, "code": code}
        if status == 403:
            return _("%(what)s: Steward's credentials lack the permission this needs (%(code)s); give them "
                     "%(permission)s.") % {"what": what, "code": code, "permission": permission}
        if status == 404:
            return _("%(what)s: GitHub found no such user, team or repository (%(code)s); check the account "
                     "recorded for the person, and that the credentials have %(permission)s (without it GitHub "
                     "answers 404 too).") % {"what": what, "code": code, "permission": permission}
        return _("%(what)s: GitHub refused the request (%(code)s).") % {"what": what, "code": code}

    def _bearer(self) -> str:
        if self.settings.get("auth") != "app":
            return self.credentials.get("token", "")
        now = datetime.datetime.now(datetime.UTC)
        if self._installation is None or self._installation[1] - TOKEN_MARGIN <= now:
            self._installation = self._exchange()
        return self._installation[0]

    def _exchange(self) -> tuple[str, datetime.datetime]:
        """An installation token for the App's JWT (`POST /app/installations/{id}/access_tokens`)."""
        what = _("Signing in as the GitHub App")
        try:
            key = _private_key(self.credentials.get("private_key", ""))
        except ValueError:
            raise NeedsHuman(_("%(what)s: the stored private key is not an RSA key; enter it again.")
                             % {"what": what}) from None
        issued = int(time.time()) - 60  # GitHub's advice against clock drift
        assertion = jwt.encode({"iat": issued, "exp": issued + 600, "iss": self.settings.get("app_id", "")},
                               key, algorithm="RS256")
        installation = str(self.settings.get("installation_id", ""))
        response = self._call("POST", f"/app/installations/{quote(installation, safe='')}/access_tokens",
                              what=what, bearer=assertion, missing_ok=True,
                              permission=_("the App installed in the organisation"))
        if response is None:
            raise NeedsHuman(_("%(what)s: this App has no installation %(id)s; check the installation ID.")
                             % {"what": what, "id": installation})
        body = answer_json(response, what=what)
        token, expires = body.get("token"), body.get("expires_at")
        try:
            expires_at = datetime.datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        except ValueError:
            expires_at = None
        if not isinstance(token, str) or not token or expires_at is None or expires_at.tzinfo is None:
            raise NeedsHuman(_("%(what)s: GitHub's answer has no installation token.") % {"what": what})
        return token, expires_at

    def _exists(self, path: str, *, what: str, permission: str) -> bool:
        """For GitHub's 204-or-404 checks."""
        return self._call("GET", path, what=what, permission=permission, missing_ok=True) is not None

    def _object(self, path: str, *, what: str, permission: str) -> dict[str, Any] | None:
        response = self._call("GET", path, what=what, permission=permission, missing_ok=True)
        return None if response is None else answer_json(response, what=what)

    def _pages(self, path: str, *, what: str, permission: str, first_only: bool = False) -> list[dict[str, Any]]:
        """Every item of a list, following the Link header's `next` on GitHub's own host."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] | None
        url, params = path, {"per_page": 1 if first_only else 100}  # the next page's URL carries its own
        with self._session() as client:
            for _page in range(MAX_PAGES):
                # Never None without missing_ok.
                response = cast("httpx.Response", self._call("GET", url, what=what, permission=permission, params=params))
                items += _list(response, what=what)
                following = response.links.get("next", {}).get("url")
                if first_only or not following:
                    return items
                if httpx.URL(following).host != client.base_url.host:
                    raise NeedsHuman(_("%(what)s: GitHub's next page is on another host.") % {"what": what})
                url, params = following, None
        raise NeedsHuman(_("%(what)s: more than %(count)s pages; do this step by hand.")
                         % {"what": what, "count": MAX_PAGES})

    def _org(self, *rest: str) -> str:
        return "/".join([f"/orgs/{quote(self.settings['organization'], safe='')}", *(quote(p, safe="") for p in rest)])

    def _repo(self, repo: str, *rest: str) -> str:
        return "/".join([f"/repos/{quote(self.settings['organization'], safe='')}/{quote(repo, safe='')}",
                         *(quote(p, safe="") for p in rest)])

    # --- Reads ---------------------------------------------------------------------------------

    def _blocked(self, handle: str) -> bool:
        return self._exists(self._org("blocks", handle), what=_("Reading the organisation's blocks"),
                            permission=BLOCKING)

    def _team_roles(self, handle: str) -> dict[str, dict[str, str]]:
        """The teams the person is in: {slug: {"role", "state"}}."""
        what = _("Reading the organisation's teams")
        roles: dict[str, dict[str, str]] = {}
        with self._session():
            for team in self._pages(self._org("teams"), what=what, permission=MEMBERS):
                slug = str(team.get("slug", ""))
                if not slug:
                    continue
                membership = self._object(self._org("teams", slug, "memberships", handle), what=what,
                                          permission=MEMBERS)
                if membership is not None:
                    roles[slug] = {"role": str(membership.get("role", "member")),
                                   "state": str(membership.get("state", "active"))}
        return roles

    def _is_outside_collaborator(self, handle: str) -> bool:
        people = self._pages(self._org("outside_collaborators"), what=_("Reading the outside collaborators"),
                             permission=MEMBERS)
        return any(str(person.get("login", "")).lower() == handle.lower() for person in people)

    def _repo_roles(self, handle: str) -> dict[str, str]:
        """{repository: role name} for every repository of the organisation the person is a collaborator on."""
        what = _("Reading the repositories' collaborators")
        roles: dict[str, str] = {}
        with self._session():
            for repo in self._pages(self._org("repos"), what=what, permission=REPOSITORIES):
                name = str(repo.get("name", ""))
                if not name or not self._exists(self._repo(name, "collaborators", handle), what=what,
                                                permission=REPOSITORIES):
                    continue
                access = self._object(self._repo(name, "collaborators", handle, "permission"), what=what,
                                      permission=REPOSITORIES) or {}
                roles[name] = str(access.get("role_name") or access.get("permission") or "read")
        return roles

    def _invited(self, repo: str, handle: str) -> bool:
        invitations = self._pages(self._repo(repo, "invitations"), what=_("Reading the repository's invitations"),
                                  permission=REPOSITORIES)
        return any(str((invitation.get("invitee") or {}).get("login", "")).lower() == handle.lower()
                   for invitation in invitations)

    def _membership(self, handle: str) -> dict[str, Any] | None:
        return self._object(self._org("memberships", handle), what=_("Reading the organisation membership"),
                            permission=MEMBERS)

    def test_connection(self) -> str:
        """The organisation, who Steward acts as, and one page of each list the steps read."""
        organization = self.settings["organization"]
        with self._session():
            if self._object(self._org(), what=_("Reading the organisation"), permission=MEMBERS) is None:
                raise NeedsHuman(_("GitHub shows no organisation %(org)s to these credentials.") % {"org": organization})
            if self.settings.get("auth") == "app":
                acting = _("the GitHub App installation %(id)s") % {"id": self.settings.get("installation_id")}
            else:
                acting = self._token_owner()
            for path, what, permission in (
                    (self._org("blocks"), _("Reading the organisation's blocks"), BLOCKING),
                    (self._org("teams"), _("Reading the organisation's teams"), MEMBERS),
                    (self._org("outside_collaborators"), _("Reading the outside collaborators"), MEMBERS)):
                self._pages(path, what=what, permission=permission, first_only=True)
        return _("Connected to the organisation %(org)s as %(acting)s; its blocks, teams and outside "
                 "collaborators can be read.") % {"org": organization, "acting": acting}

    def _token_owner(self) -> str:
        what = _("Checking the token")
        response = cast("httpx.Response", self._call("GET", "/user", what=what, permission=MEMBERS))  # not missing_ok
        scopes = response.headers.get("X-OAuth-Scopes")  # classic tokens only
        if scopes is not None and "admin:org" not in {scope.strip() for scope in scopes.split(",")}:
            raise NeedsHuman(_("%(what)s: the token lacks the admin:org scope; create one with it.") % {"what": what})
        return str(answer_json(response, what=what).get("login", "")) or _("the token's owner")

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        handle = work.handle
        if work.kind == TEAMS:
            return {"teams": {slug: found["role"] for slug, found in self._team_roles(handle).items()}}
        if work.kind == COLLABORATOR:
            with self._session():
                outside = self._is_outside_collaborator(handle)
                return {"outside": outside, "repos": self._repo_roles(handle) if outside else {}}
        if work.kind == MEMBER:
            membership = self._membership(handle)
            if membership is None:
                return {"member": False}
            return {"member": True, "role": str(membership.get("role", "member")),
                    "state": str(membership.get("state", "active"))}
        if work.kind == BLOCK:
            return {"blocked": self._blocked(handle)}
        raise NeedsHuman(_("GitHub has no step %(kind)s.") % {"kind": work.kind})

    def apply(self, work: Work) -> dict[str, Any]:
        handle, before = work.handle, work.before
        if work.kind == TEAMS:
            teams: dict[str, str] = dict(before.get("teams") or {})
            with self._session():
                for slug in teams:  # a 404: gone already (a repeated attempt)
                    self._call("DELETE", self._org("teams", slug, "memberships", handle), missing_ok=True,
                               what=_("Removing from the team %(team)s") % {"team": slug}, permission=MEMBERS)
            return {"teams": teams} if teams else {}
        if work.kind == COLLABORATOR:
            if not before.get("outside"):
                return {}
            self._call("DELETE", self._org("outside_collaborators", handle), missing_ok=True,
                       what=_("Removing the outside collaborator"), permission=MEMBERS)
            return {"removed": True, "repos": dict(before.get("repos") or {})}
        if work.kind == MEMBER:
            if not before.get("member"):
                return {}
            self._call("DELETE", self._org("memberships", handle), missing_ok=True,
                       what=_("Removing from the organisation"), permission=MEMBERS)
            return {"removed": True, "role": before.get("role", "member"), "state": before.get("state", "active")}
        if work.kind == BLOCK:
            if before.get("blocked"):
                return {}  # blocked before Steward came: not Steward's block to lift later
            self._block(handle)
            return {"blocked": True}
        raise NeedsHuman(_("GitHub has no step %(kind)s.") % {"kind": work.kind})

    def _block(self, handle: str) -> None:
        what = _("Blocking in the organisation")
        with self._session():
            try:
                self._call("PUT", self._org("blocks", handle), what=what, permission=BLOCKING)
            except NeedsHuman:
                # A repeated attempt finds the block there (GitHub refuses to block twice): done.
                if not self._blocked(handle):
                    raise

    def verify(self, work: Work) -> bool | None:
        handle = work.handle
        if work.kind == TEAMS:
            with self._session():
                return not any(self._object(self._org("teams", slug, "memberships", handle), permission=MEMBERS,
                                            what=_("Reading the team membership"))
                               for slug in work.before.get("teams") or {})
        if work.kind == COLLABORATOR:
            return not self._is_outside_collaborator(handle)
        if work.kind == MEMBER:
            return self._membership(handle) is None
        if work.kind == BLOCK:
            with self._session():
                if self._blocked(handle):
                    return True
                # GitHub answers 404 for an account it hides (flagged as spam): the read cannot tell.
                if self._object(f"/users/{quote(handle, safe='')}", what=_("Reading the account"),
                                permission=BLOCKING) is None:
                    return None
                return False
        return None

    def revert(self, work: Work) -> None:
        handle, change = work.handle, work.change
        if work.kind == BLOCK:
            if change.get("blocked"):
                self._call("DELETE", self._org("blocks", handle), what=_("Lifting the block"), permission=BLOCKING)
            return
        with self._session():
            if self._blocked(handle):  # GitHub refuses to add a blocked person; the reversal lifts the block next
                raise RetryLater(_("Still blocked in the organisation: re-adding waits until the block is lifted."),
                                 after=SECONDARY_WAIT)
            if work.kind == TEAMS:
                for slug, role in (change.get("teams") or {}).items():
                    self._call("PUT", self._org("teams", slug, "memberships", handle), json={"role": role},
                               what=_("Adding back to the team %(team)s") % {"team": slug}, permission=MEMBERS)
            elif work.kind == COLLABORATOR and change.get("removed"):
                for repo, role in (change.get("repos") or {}).items():
                    self._call("PUT", self._repo(repo, "collaborators", handle),
                               json={"permission": PUT_PERMISSION.get(role, role)}, permission=REPOSITORIES,
                               what=_("Inviting back to the repository %(repo)s") % {"repo": repo})
            elif work.kind == MEMBER and change.get("removed"):
                role = change.get("role", "member")
                if role not in {"admin", "member"}:
                    raise NeedsHuman(_("Their organisation role was %(role)s, which Steward cannot give back: add "
                                       "them again by hand.") % {"role": role})
                self._call("PUT", self._org("memberships", handle), json={"role": role},
                           what=_("Inviting back to the organisation"), permission=MEMBERS)

    def verify_reverted(self, work: Work) -> bool | None:
        """True when everything is back; None while what came back is an invitation not yet
        accepted (GitHub's only way to re-add someone who left), or when the read cannot tell."""
        handle, change = work.handle, work.change
        if work.kind == BLOCK:
            return not self._blocked(handle)
        with self._session():
            if work.kind == TEAMS:
                found = [self._object(self._org("teams", slug, "memberships", handle), permission=MEMBERS,
                                      what=_("Reading the team membership")) for slug in change.get("teams") or {}]
                if any(membership is None for membership in found):
                    return False
                return True if all(m and m.get("state") == "active" for m in found) else None
            if work.kind == COLLABORATOR:
                back = [self._exists(self._repo(repo, "collaborators", handle), permission=REPOSITORIES,
                                     what=_("Reading the repositories' collaborators")) or self._invited(repo, handle)
                        for repo in change.get("repos") or {}]
                return True if all(back) else None  # an invitation declined or expired is not listed
            if work.kind == MEMBER:
                membership = self._membership(handle)
                if membership is None:
                    return False
                return True if membership.get("state") == "active" else None
        return None


def _private_key(text: str) -> rsa.RSAPrivateKey:
    """The App's key, also when a password field flattened the PEM's line breaks into spaces."""
    match = PEM.search(text or "")
    if match is None:
        raise ValueError("no PEM block")
    body = "".join(match[2].split())
    lines = [body[index:index + 64] for index in range(0, len(body), 64)]
    pem = "\n".join([f"-----BEGIN {match[1]}-----", *lines, f"-----END {match[1]}-----", ""])
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return key


RATE_LIMITED = frozenset({403, 429})  # GitHub answers a rate limit with either


def _rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds to wait when a 403 or 429 is a rate limit (GitHub's primary or secondary), else None."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    if response.headers.get("X-RateLimit-Remaining") == "0":
        reset = response.headers.get("X-RateLimit-Reset", "")
        return max(1.0, float(reset) - time.time() + 1) if reset.isdigit() else SECONDARY_WAIT
    if "rate limit" in _error_text(response).lower() or response.status_code == 429:
        return SECONDARY_WAIT
    return None


def _error_text(response: httpx.Response) -> str:
    """GitHub's `message`, with the messages of its `errors`, cut short."""
    body = json_object(response)
    parts = [str(body.get("message", ""))]
    for error in body.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            parts.append(str(error["message"]))
        elif isinstance(error, str):
            parts.append(error)
    return "; ".join(part for part in parts if part)[:200]


def _list(response: httpx.Response, *, what: str) -> list[dict[str, Any]]:
    """A page of a GitHub list: JSON array of objects; NeedsHuman naming the call otherwise."""
    try:
        data = response.json()
    except ValueError:
        answer_json(response, what=what)  # raises with the reason in words
        raise
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise NeedsHuman(_("%(what)s answered with JSON that is not a list (HTTP %(status)s).")
                         % {"what": what, "status": response.status_code})
    return data
