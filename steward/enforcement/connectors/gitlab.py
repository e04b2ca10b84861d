"""GitLab: removal from the organisation's group through the REST API (v4), and on a self-managed
instance whose token is an administrator's, a ban from the whole instance.

A group-level ban exists only on some plans (Premium and Ultimate, on GitLab.com) and is not
offered through REST, so Steward does not claim one: it removes the member, and the group's
owners ban in GitLab's interface where their plan allows it. "Test connection" says so.

Plain httpx: python-gitlab is well kept but is built on requests, so it cannot be driven
through an httpx transport, and it sleeps and retries on its own after a 429, which the worker
must schedule instead.

Every call sends the token in the `PRIVATE-TOKEN` header.

- The account: `GET /api/v4/users?username=<handle>` gives the user's id (an empty list: the
  person has no account there, which a person must look at).
- Group membership (every ban): `GET /api/v4/groups/:group/members/:user` reads the direct
  membership and its access level (404: not a direct member); `DELETE` on the same path with
  `skip_subresources=false` removes it, with the person's memberships of the group's subgroups
  and projects. The change records the access level and expiry, and the reversal adds the member
  back with them (`POST /api/v4/groups/:group/members`); subgroup and project memberships are
  not recorded and so not restored.
- Instance ban (the setting, self-managed only): `GET /api/v4/users/:user` reads `state`;
  `POST /api/v4/users/:user/ban` bans an active account, read back as `state == "banned"`;
  the reversal `POST /api/v4/users/:user/unban` only when Steward's ban was the one. An account
  already banned or blocked by someone else is left as it is, and stays so.
- "Test connection": `GET /api/v4/user` (whose token, whether an administrator),
  `GET /api/v4/groups/:group` (the group exists and the token sees it) and
  `GET /api/v4/groups/:group/members/all/:me` (the token's role there: Owner is needed).
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.registry.models import System

from .base import (
    ConfigurationError,
    Connector,
    NeedsHuman,
    PlannedStep,
    Setting,
    Work,
    json_object,
    retry_after,
    web_address,
)

GITLAB_COM = "https://gitlab.com"
# GitLab's rule for usernames and namespace paths: letters, digits, "_", "-" and "."; not
# starting with "-", not ending with "." or in ".git" / ".atom".
USERNAME = re.compile(r"^(?!.*\.(git|atom)$)(?:[A-Za-z0-9_.][A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-]|[A-Za-z0-9_])$")
GROUP_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$")
OWNER = 50
ROLES = {10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}
LOCKED_OUT = {"banned", "blocked", "ldap_blocked"}  # states in which the person cannot sign in
REMOVE, BAN = "remove_member", "instance_ban"


def _wait(asked: float | None, response: httpx.Response) -> float | None:
    """Retry-After when given, else until RateLimit-Reset."""
    return asked if asked is not None else _rate_limit_reset(response)


def _rate_limit_reset(response: httpx.Response) -> float | None:
    """GitLab's own header: the epoch second at which the limit resets."""
    value = response.headers.get("RateLimit-Reset", "").strip()
    if not value.isdigit():
        return None
    return max(0.0, float(value) - time.time())


def _message(response: httpx.Response) -> str:
    """GitLab's error text: `{"message": …}` (a string or field errors) or `{"error": …}`."""
    body = json_object(response)
    text = body.get("message", body.get("error", ""))
    return str(text)[:200]


class GitLabConnector(Connector):
    system = System.GITLAB
    name = "GitLab"
    fields = (
        Setting("instance", gettext_lazy("Instance address"), kind="url", required=False,
                help=gettext_lazy("Where GitLab runs; leave empty for https://gitlab.com.")),
        Setting("group", gettext_lazy("Group"),
                help=gettext_lazy("The organisation's group: its full path (e.g. example-org) or its numeric id.")),
        Setting("instance_ban", gettext_lazy("Instance administrator token: also ban on the instance"), kind="flag",
                help=gettext_lazy("Self-managed instances only: bans the account from the whole instance as well.")),
        Setting("access_token", gettext_lazy("Access token"), kind="secret",
                help=gettext_lazy("A token with the api scope of a group Owner, or of an administrator for the "
                                  "instance ban.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        instance = web_address(settings, "instance", _("Give the instance's address, e.g. https://gitlab.example.org."), default=GITLAB_COM)
        group = str(settings.get("group", "")).strip().strip("/")
        if not group or len(group) > 255 or not (group.isdigit() or GROUP_PATH.match(group)):
            raise ConfigurationError("group", _("Give the group's full path (e.g. example-org or "
                                                "example-org/community) or its numeric id."))
        instance_ban = bool(settings.get("instance_ban"))
        if instance_ban and urlsplit(instance).hostname in {"gitlab.com", "www.gitlab.com"}:
            raise ConfigurationError("instance_ban", _("GitLab.com has no instance administrators outside GitLab: "
                                                       "the instance ban is for self-managed instances."))
        if not credentials.get("access_token", "").strip():
            raise ConfigurationError("access_token", _("Give the access token Steward acts with."))
        return {"instance": instance, "group": group, "instance_ban": instance_ban}

    # --- Plan ----------------------------------------------------------------------------------

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        # Both are reversible, so every kind of ban (temporary, interim, permanent) takes both.
        steps = [PlannedStep(REMOVE, self.settings["group"])]
        if self.settings.get("instance_ban"):
            steps.append(PlannedStep(BAN))
        return steps

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(USERNAME.match(handle))

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return self.http(base_url=f"{self.settings['instance']}/api/v4",
                         headers={"PRIVATE-TOKEN": self.credentials.get("access_token", "")})

    def _call(self, method: str, path: str, *, what: str, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None, missing_ok: bool = False, conflict_ok: bool = False,
              answer: type | None = dict) -> Any:
        """One call; None for a 404 when `missing_ok` (a 409 when `conflict_ok`, a body not read
        when `answer` is None). Errors become RetryLater or NeedsHuman."""
        with self._client() as client:
            response = self.send(client, method, path, what=what, params=params, json=json,
                                 wait=lambda answer: _wait(retry_after(answer), answer))
        status = response.status_code
        message = _message(response) if status >= 400 else ""
        # A missing group or user is never "not a member": only a bare 404 is.
        if status == 404 and missing_ok and not re.search(r"(Group|User) Not Found", message, re.IGNORECASE):
            return None
        if status == 409 and conflict_ok:
            return None
        if status >= 400:
            raise NeedsHuman(self._refusal(what, status, message))
        if answer is None or status == 204:
            return None
        return self._json(response, what=what, answer=answer)

    @staticmethod
    def _json(response: httpx.Response, *, what: str, answer: type) -> Any:
        try:
            data = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "").split(";")[0].strip() or _("no content type")
            raise NeedsHuman(_("%(what)s answered with something that is not JSON (%(kind)s, HTTP %(status)s): "
                               "check the instance address.")
                             % {"what": what, "kind": kind, "status": response.status_code}) from None
        if not isinstance(data, answer):
            raise NeedsHuman(_("%(what)s answered with JSON of another shape than GitLab's (HTTP %(status)s).")
                             % {"what": what, "status": response.status_code})
        return data

    @staticmethod
    def _refusal(what: str, status: int, message: str) -> str:
        code = f"HTTP {status}{': ' + message if message else ''}"
        if status == 401:
            return _("%(what)s: GitLab refused Steward's access token (%(code)s); enter a valid one in the "
                     "connector's settings.") % {"what": what, "code": code}
        if status == 403:
            return _("%(what)s: Steward's token lacks the permission this needs (%(code)s); it must be a group "
                     "Owner's with the api scope, or an administrator's for the instance ban.") % {
                "what": what, "code": code}
        if status == 404:
            return _("%(what)s: GitLab does not know this group or user (%(code)s).") % {"what": what, "code": code}
        return _("%(what)s: GitLab refused the request (%(code)s).") % {"what": what, "code": code}

    def _group(self, target: str | None = None) -> str:
        return f"/groups/{quote(target or self.settings['group'], safe='')}"

    def _user_id(self, handle: str) -> int:
        users = self._call("GET", "/users", params={"username": handle}, what=_("Looking up the account"),
                           answer=list)
        found = [user for user in users if isinstance(user, dict) and isinstance(user.get("id"), int)
                 and str(user.get("username", "")).lower() == handle.lower()]
        if not found:
            raise NeedsHuman(_("GitLab has no account %(user)s: check the identity recorded for the person.")
                             % {"user": handle})
        return int(found[0]["id"])

    def _membership(self, target: str, user_id: int) -> dict[str, Any] | None:
        member: dict[str, Any] | None = self._call("GET", f"{self._group(target)}/members/{user_id}",
                                                   what=_("Reading the group membership"), missing_ok=True)
        return member

    def _state(self, user_id: int) -> str:
        user = self._call("GET", f"/users/{user_id}", what=_("Reading the account"), missing_ok=True)
        if user is None:
            raise NeedsHuman(_("GitLab no longer has this account: check the identity recorded for the person."))
        state = user.get("state")
        if not isinstance(state, str):
            raise NeedsHuman(_("GitLab's account record has no state: the token may not be an administrator's."))
        return state

    def test_connection(self) -> str:
        """Whose token, whether it may remove members of the group, and the instance ban's rights."""
        me = self._call("GET", "/user", what=_("Checking the access token"))
        username, my_id = str(me.get("username", "")), me.get("id")
        if not username or not isinstance(my_id, int):
            raise NeedsHuman(_("GitLab did not say whose access token this is."))
        admin = me.get("is_admin") is True
        group = self._call("GET", self._group(), what=_("Reading the group"))
        path = str(group.get("full_path", self.settings["group"]))
        member = self._call("GET", f"{self._group()}/members/all/{my_id}", what=_("Reading Steward's role"),
                            missing_ok=True)
        level = member.get("access_level") if member else None
        if not admin and (not isinstance(level, int) or level < OWNER):
            raise NeedsHuman(_("%(user)s is %(role)s in %(group)s: removing members needs the Owner role.") % {
                "user": username, "group": path,
                "role": ROLES.get(level, _("not a member")) if isinstance(level, int) else _("not a member")})
        if self.settings.get("instance_ban") and not admin:
            raise NeedsHuman(_("%(user)s is not an administrator of the instance: the instance ban needs an "
                               "administrator's token, or switch it off.") % {"user": username})
        found = _("Connected as %(user)s, who may remove members of %(group)s.") % {"user": username, "group": path}
        if self.settings.get("instance_ban"):
            found += " " + _("Instance bans are on: the token is an administrator's.")
        return found + " " + _("Group-level bans are not available through GitLab's REST API: do them in GitLab's "
                               "interface on Premium or Ultimate; Steward removes the member.")

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        user_id = self._user_id(work.handle)
        if work.kind == REMOVE:
            member = self._membership(work.target, user_id)
            if member is None:
                return {"user_id": user_id, "member": False}
            return {"user_id": user_id, "member": True, "access_level": member.get("access_level"),
                    "expires_at": member.get("expires_at")}
        if work.kind == BAN:
            return {"user_id": user_id, "state": self._state(user_id)}
        raise NeedsHuman(_("GitLab has no step %(kind)s.") % {"kind": work.kind})

    def apply(self, work: Work) -> dict[str, Any]:
        user_id = int(work.before["user_id"])
        if work.kind == REMOVE:
            if not work.before.get("member"):
                return {}
            # A 404 here is a removal already done by an attempt that stopped before recording it.
            self._call("DELETE", f"{self._group(work.target)}/members/{user_id}", what=_("Removing from the group"),
                       params={"skip_subresources": "false"}, missing_ok=True, answer=None)
            return {"removed": True, "access_level": work.before.get("access_level"),
                    "expires_at": work.before.get("expires_at")}
        if work.kind == BAN:
            if work.before.get("state") in LOCKED_OUT:
                return {}  # someone else's ban or block: not Steward's to lift later
            if work.before.get("state") != "active":
                raise NeedsHuman(_("GitLab bans only active accounts, and this one is %(state)s: block it in the "
                                   "Admin area by hand.") % {"state": work.before.get("state")})
            if self._state(user_id) != "banned":  # an earlier attempt may have banned already
                self._call("POST", f"/users/{user_id}/ban", what=_("Banning from the instance"), answer=None)
            return {"banned": True}
        raise NeedsHuman(_("GitLab has no step %(kind)s.") % {"kind": work.kind})

    def verify(self, work: Work) -> bool | None:
        user_id = int(work.before["user_id"])
        if work.kind == REMOVE:
            return self._membership(work.target, user_id) is None
        if work.kind == BAN:
            state = self._state(user_id)
            return state == "banned" if work.change.get("banned") else state in LOCKED_OUT
        return None

    def revert(self, work: Work) -> None:
        user_id = int(work.before["user_id"])
        if work.kind == REMOVE and work.change.get("removed"):
            if not self._restorable(work.change.get("expires_at")):
                return  # the membership would have ended meanwhile
            body: dict[str, Any] = {"user_id": user_id, "access_level": work.change.get("access_level") or 10}
            if work.change.get("expires_at"):
                body["expires_at"] = work.change["expires_at"]
            # A 409 is the member already back (an earlier attempt, or an owner by hand).
            self._call("POST", f"{self._group(work.target)}/members", what=_("Adding back to the group"), json=body,
                       conflict_ok=True)
        elif work.kind == BAN and work.change.get("banned") and self._state(user_id) == "banned":
            self._call("POST", f"/users/{user_id}/unban", what=_("Lifting the instance ban"), answer=None)

    def verify_reverted(self, work: Work) -> bool | None:
        user_id = int(work.before["user_id"])
        if work.kind == REMOVE:
            if not self._restorable(work.change.get("expires_at")):
                return True
            return self._membership(work.target, user_id) is not None
        if work.kind == BAN:
            return self._state(user_id) != "banned"
        return None

    @staticmethod
    def _restorable(expires_at: Any) -> bool:
        """Whether a membership with this expiry date (GitLab's YYYY-MM-DD, or none) still runs."""
        if not expires_at:
            return True
        try:
            return datetime.date.fromisoformat(str(expires_at)) > timezone.localdate()
        except ValueError:
            return True
