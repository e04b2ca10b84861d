"""Slack: a ban deactivates the person's account through SCIM (Business+ and Enterprise Grid), or
removes them from the organisation's workspace through the admin API (Enterprise Grid), as the
connector's settings choose; the reversal reactivates or adds back only what Steward changed.

Plain httpx: slack_sdk is maintained, but its clients are built on urllib (the async one on
aiohttp), so they cannot be driven through an httpx transport, and the web client retries
failed connections by sleeping in-process by default; the worker schedules retries itself.

SCIM (`https://api.slack.com/scim/v2/`, a user token with the `admin` scope of an Owner or
Admin):

- `GET /Users/{id}`: the account's `active` flag, read before acting and to verify.
- `DELETE /Users/{id}`: deactivates the account (Slack keeps it; nothing is erased).
- `PATCH /Users/{id}` with a SCIM PatchOp setting `active` to true: the reversal.
- `GET /Users?count=1`: the connection test.

Admin API (`https://slack.com/api/`, a user token of an Org Owner or Admin with
`admin.users:write`, `admin.users:read` and `users:read`); Slack answers HTTP 200 with
`{"ok": false, "error": "..."}` for refusals, and 429 with Retry-After when rate limited:

- `users.info` {user}: whether the account is deleted, and the workspaces it belongs to
  (`enterprise_user.teams`); when the answer names no workspaces, the read cannot tell.
- `admin.users.remove` {team_id, user_id}: removes the person from the workspace.
- `admin.users.assign` {team_id, user_id}: the reversal, adding them back.
- `auth.test` and `admin.users.list` {team_id, limit: 1}: the connection test.

The handle is the Slack member ID (`U…` or `W…`, "Copy member ID" in the person's profile),
which never changes; an email address is not accepted, since looking it up would need the
`users:read.email` scope and a changed address would point at someone else.

A workspace whose plan has neither (Free, Pro) gets the reason in words: remove the person by
hand in the workspace settings.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
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
)

SCIM_URL = "https://api.slack.com/scim/v2"
API_URL = "https://slack.com/api"
DEACTIVATE, REMOVE = "deactivate_account", "remove_from_workspace"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
TEAM_ID = re.compile(r"^T[A-Z0-9]{2,20}$")
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# How Slack's SCIM says that the workspace's plan has no SCIM.
NO_SCIM = ("invalid_authentication", "feature_not_enabled", "feature not enabled", "not_enabled", "paid",
           "plan")
CREDENTIALS_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
NOT_ON_PLAN = {"feature_not_enabled", "not_an_enterprise"}
NOT_PERMITTED = {"not_an_admin", "no_permission", "ekm_access_denied", "cannot_remove_owner",
                 "cannot_remove_primary_owner"}


def no_plan_message() -> str:
    return _("This workspace's plan offers neither SCIM nor the admin API: remove the person by hand in the "
             "workspace settings.")


def _scim_description(response: httpx.Response) -> str:
    """SCIM's own words: `{"Errors": {"description": "...", "code": 4xx}}`, cut short."""
    errors = json_object(response).get("Errors")
    if isinstance(errors, list):  # the standard's list form, should Slack use it
        errors = errors[0] if errors else None
    return str(errors.get("description", ""))[:200] if isinstance(errors, dict) else ""


class SlackConnector(Connector):
    system = System.SLACK
    name = "Slack"
    fields = (
        Setting("api", gettext_lazy("How Steward acts"), kind="choice",
                choices=(("scim", gettext_lazy("SCIM (Business+ and Enterprise Grid): deactivate the account")),
                         ("admin", gettext_lazy("Admin API (Enterprise Grid): remove from the workspace"))),
                help=gettext_lazy("A Free or Pro workspace offers neither: its bans are done by hand.")),
        Setting("team_id", gettext_lazy("Workspace ID"), required=False,
                help=gettext_lazy("For the admin API: the workspace the person is removed from, e.g. T0123ABCD.")),
        Setting("token", gettext_lazy("Token"), kind="secret",
                help=gettext_lazy("SCIM: a user token with the admin scope, of an Owner or Admin. Admin API: a user "
                                  "token of an Org Owner or Admin with admin.users:write, admin.users:read and "
                                  "users:read.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        api = str(settings.get("api", "") or "scim")
        if api not in {"scim", "admin"}:
            raise ConfigurationError("api", _("Choose SCIM or the admin API."))
        team_id = str(settings.get("team_id", "") or "").strip().upper()
        if api == "admin" and not TEAM_ID.match(team_id):
            raise ConfigurationError("team_id", _("Give the workspace's ID for the admin API; it looks like "
                                                  "T0123ABCD."))
        if team_id and not TEAM_ID.match(team_id):
            raise ConfigurationError("team_id", _("A workspace ID looks like T0123ABCD."))
        token = credentials.get("token", "").strip()
        if not token:
            raise ConfigurationError("token", _("Give the token Steward acts with."))
        if token.startswith(("xoxb-", "xapp-")):
            raise ConfigurationError("token", _("Both SCIM and the admin API need a user token (xoxp-), not a bot "
                                                "or app-level token."))
        return {"api": api, "team_id": team_id}

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(USER_ID.match(handle))

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        if self.settings.get("api") == "admin":
            return [PlannedStep(REMOVE, str(self.settings.get("team_id", "")))]
        return [PlannedStep(DEACTIVATE)]

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return self.http(headers={"Authorization": f"Bearer {self.credentials.get('token', '')}"})

    def _send(self, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """One request; what may pass (a timeout, a rate limit, a server error) becomes RetryLater."""
        with self._client() as client:
            return self.send(client, method, url, what=what, **kwargs)

    def _scim(self, method: str, path: str, *, what: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._send(method, f"{SCIM_URL}{path}", what=what, json=json)
        status, description = response.status_code, _scim_description(response)
        code = f"HTTP {status}{': ' + description if description else ''}"
        if status == 401:
            self._refused(what, code)
        if status in {403, 404} and any(marker in description.lower() for marker in NO_SCIM):
            raise NeedsHuman(no_plan_message())
        if status == 403:
            raise NeedsHuman(_("%(what)s: the token lacks the permission this needs (%(code)s); use a user token "
                               "with the admin scope, of a workspace Owner or Admin.") % {"what": what, "code": code})
        if status == 404:
            raise NeedsHuman(_("%(what)s: Slack knows no such member (%(code)s): check the member ID recorded for "
                               "the person.") % {"what": what, "code": code})
        if status >= 400:
            raise NeedsHuman(_("%(what)s: Slack refused the request (%(code)s).") % {"what": what, "code": code})
        if status == 204 or not response.content:  # DELETE answers with no body
            return {}
        return answer_json(response, what=what)

    @staticmethod
    def _refused(what: str, code: str) -> NoReturn:
        raise NeedsHuman(_("%(what)s: Slack refused Steward's token (%(code)s); enter a valid one in the "
                           "connector's settings.") % {"what": what, "code": code})

    def _method(self, name: str, *, what: str, **form: Any) -> dict[str, Any]:
        """One Web API method (form-encoded POST); `ok: false` becomes RetryLater or NeedsHuman."""
        response = self._send("POST", f"{API_URL}/{name}", what=what, data=form)
        if response.status_code >= 400:
            raise NeedsHuman(_("%(what)s: Slack refused the request (HTTP %(status)s).")
                             % {"what": what, "status": response.status_code})
        body = answer_json(response, what=what)
        if body.get("ok") is True:
            return body
        error = str(body.get("error", ""))[:60]
        if error == "ratelimited":
            raise RetryLater(_("%(what)s: rate limited by Slack.") % {"what": what}, after=retry_after(response))
        if error in CREDENTIALS_REFUSED:
            self._refused(what, error)
        if error in NOT_ON_PLAN:
            raise NeedsHuman(no_plan_message())
        if error == "not_allowed_token_type":
            raise NeedsHuman(_("%(what)s: Slack does not accept this kind of token here (%(error)s); the admin API "
                               "needs a user token of an Org Owner or Admin, installed on the organisation.")
                             % {"what": what, "error": error})
        if error == "missing_scope":
            needed = str(body.get("needed", ""))[:80]
            raise NeedsHuman(_("%(what)s: the token lacks the scope %(scope)s (missing_scope); add it to the app "
                               "and install it again.") % {"what": what, "scope": needed or "?"})
        if error in NOT_PERMITTED:
            raise NeedsHuman(_("%(what)s: the token's owner may not do this (%(error)s); it must be an Org Owner or "
                               "Admin, and the person must not be an owner.") % {"what": what, "error": error})
        if error in {"user_not_found", "users_not_found", "invalid_user"}:
            raise NeedsHuman(_("%(what)s: Slack knows no such member (%(error)s): check the member ID recorded "
                               "for the person.") % {"what": what, "error": error})
        if error in {"team_not_found", "invalid_team"}:
            raise NeedsHuman(_("%(what)s: Slack knows no such workspace (%(error)s): check the workspace ID in the "
                               "connector's settings.") % {"what": what, "error": error})
        raise NeedsHuman(_("%(what)s: Slack refused the request (%(error)s).")
                         % {"what": what, "error": error or _("no error given")})

    # --- Reading the account -------------------------------------------------------------------

    def _active(self, work: Work) -> bool:
        user = self._scim("GET", f"/Users/{quote(work.handle, safe='')}", what=_("Reading the account"))
        active = user.get("active")
        if not isinstance(active, bool):
            raise NeedsHuman(_("Slack's SCIM record of the account has no active flag."))
        return active

    def _member(self, work: Work) -> bool | None:
        """Whether the person is in the workspace; None when Slack's answer cannot tell."""
        found = self._method("users.info", what=_("Reading the account"), user=work.handle)
        user = found.get("user")
        if not isinstance(user, dict):
            return None
        if user.get("deleted") is True:
            return False
        enterprise = user.get("enterprise_user")
        teams = enterprise.get("teams") if isinstance(enterprise, dict) else None
        if not isinstance(teams, list):
            return None
        return work.target in teams

    def _known(self, work: Work) -> None:
        if work.kind not in {DEACTIVATE, REMOVE}:
            raise NeedsHuman(_("Slack has no step %(kind)s.") % {"kind": work.kind})

    # --- Connection test -----------------------------------------------------------------------

    def test_connection(self) -> str:
        if self.settings.get("api") == "admin":
            me = self._method("auth.test", what=_("Checking the token"))
            team_id = str(self.settings.get("team_id", ""))
            self._method("admin.users.list", what=_("Listing the workspace's members"), team_id=team_id, limit=1)
            return _("Connected as %(user)s; the admin API lists the members of workspace %(team)s.") % {
                "user": str(me.get("user", "?"))[:80], "team": team_id}
        found = self._scim("GET", "/Users?count=1", what=_("Checking SCIM"))
        return _("Connected through SCIM; the workspace has %(count)s member(s).") % {
            "count": found.get("totalResults", "?")}

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        self._known(work)
        if work.kind == DEACTIVATE:
            return {"active": self._active(work)}
        return {"member": self._member(work)}

    def apply(self, work: Work) -> dict[str, Any]:
        self._known(work)
        if work.kind == DEACTIVATE:
            if work.before.get("active") is False:
                return {}  # deactivated before Steward came: someone else's to undo
            if self._active(work):  # else an earlier attempt did it, then stopped before recording
                self._scim("DELETE", f"/Users/{quote(work.handle, safe='')}", what=_("Deactivating the account"))
            return {"deactivated": True}
        if work.before.get("member") is False:
            return {}
        if self._member(work) is not False:
            self._method("admin.users.remove", what=_("Removing from the workspace"), team_id=work.target,
                         user_id=work.handle)
        return {"removed": True}

    def verify(self, work: Work) -> bool | None:
        self._known(work)
        if work.kind == DEACTIVATE:
            return not self._active(work)
        member = self._member(work)
        return None if member is None else not member

    def revert(self, work: Work) -> None:
        self._known(work)
        if work.kind == DEACTIVATE and work.change.get("deactivated"):
            self._scim("PATCH", f"/Users/{quote(work.handle, safe='')}", what=_("Reactivating the account"), json={
                "schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": True}]})
        elif work.kind == REMOVE and work.change.get("removed"):
            self._method("admin.users.assign", what=_("Adding back to the workspace"), team_id=work.target,
                         user_id=work.handle)

    def verify_reverted(self, work: Work) -> bool | None:
        self._known(work)
        if work.kind == DEACTIVATE:
            return self._active(work)
        return self._member(work)
