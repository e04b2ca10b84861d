"""Mailman 3: unsubscribe the person's address from the organisation's lists, then ban it there,
through Mailman core's REST API (version 3.1, HTTP Basic with the REST admin user). A ban alone
only refuses new subscriptions, so current memberships are removed first.

Plain httpx: mailmanclient, the Mailman project's own client, is built on `requests`, so it
cannot be driven through the httpx transport Steward's tests and benchmarks intercept, and it
hides the status and Retry-After of an answer behind its own exceptions. The handful of calls
here are simple JSON.

The lists are the ones configured, or every list of a mail host: that target (`*.{mail host}`)
is read when the step is first observed, and the change records each list acted on, so the
reversal undoes exactly those.

- Unsubscribe: `GET /members/find?list_id=…&subscriber=…` records the address's roles on the
  list (member, owner, moderator) with their delivery modes; `DELETE /members/{member_id}`
  (`pre_confirmed`, `pre_approved`, so no confirmation is asked) removes each. Owner and
  moderator roles go too: a banned person keeps no moderator rights. Nonmember records are left
  alone: they hold the moderators' own choices for that address, and the ban stops its posts.
  Verified by the same search finding none of those roles. The reversal subscribes each removed
  role again with `POST /members` (pre-verified, pre-confirmed, pre-approved, no welcome
  message, the recorded delivery mode), once the list's ban is lifted.
- Ban: `GET /lists/{list_id}/bans/{email}` (404: not banned) before and after
  `POST /lists/{list_id}/bans` `{"email"}`; the reversal is `DELETE /lists/{list_id}/bans/{email}`,
  only for the bans Steward added.
- Test connection: `GET /system/versions`, then `GET /lists/{list_id}` for each list or
  `GET /domains/{mail host}/lists`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
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
    web_address,
)

UNSUBSCRIBE, BAN = "unsubscribe", "ban_from_list"
LIST_ID = re.compile(r"^[a-z0-9][a-z0-9._+-]*\.[a-z0-9-]+(\.[a-z0-9-]+)+$")
MAIL_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
EVERY_LIST = "*."  # a target "*.lists.example.org": every list of that mail host
ROLES = ("member", "owner", "moderator")  # the roles Steward removes; nonmember records stay
WAIT_FOR_UNBAN = 30.0  # seconds: a re-subscription waits for the list's ban to be lifted first


def _list_id(value: str) -> str:
    """A list id from a list id or a posting address (dev@lists.example.org)."""
    value = value.strip().lower()
    local, at, host = value.partition("@")
    return f"{local}.{host}" if at else value


class MailmanConnector(Connector):
    system = System.MAILING_LIST
    name = "Mailman 3"

    def called(self) -> str:
        return "Mailman"
    fields = (
        Setting("rest_url", gettext_lazy("Mailman core REST address"), kind="url",
                help=gettext_lazy("Mailman core's REST API with its version, e.g. http://localhost:8001/3.1.")),
        Setting("lists", gettext_lazy("Lists"), kind="lines", required=False,
                help=gettext_lazy("The organisation's list ids, one a line, e.g. dev.lists.example.org.")),
        Setting("every_list", gettext_lazy("Every list of the mail host"), kind="flag", required=False,
                help=gettext_lazy("Act on every list of the mail host below, as they are when the step runs.")),
        Setting("mail_host", gettext_lazy("Mail host"), required=False,
                help=gettext_lazy("The domain whose lists are meant, e.g. lists.example.org.")),
        Setting("rest_user", gettext_lazy("REST admin user"), kind="secret",
                help=gettext_lazy("Mailman core's admin user (MAILMAN_REST_API_USER).")),
        Setting("rest_password", gettext_lazy("REST admin password"), kind="secret",
                help=gettext_lazy("Mailman core's admin password (MAILMAN_REST_API_PASS).")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        rest_url = web_address(settings, "rest_url", _("Give Mailman core's REST address, e.g. http://localhost:8001/3.1."))
        parts = urlsplit(rest_url)
        if re.search(r"/3\.[0-9]+$", parts.path) and not parts.path.endswith("/3.1"):
            raise ConfigurationError("rest_url", _("Steward uses version 3.1 of Mailman's REST API: end the "
                                                   "address with /3.1."))
        if not parts.path.endswith("/3.1"):
            rest_url += "/3.1"
        lists = [_list_id(str(line)) for line in settings.get("lists", []) if str(line).strip()]
        wrong = [name for name in lists if not LIST_ID.match(name)]
        if wrong:
            raise ConfigurationError("lists", _("Not a list id (they look like dev.lists.example.org): %(lists)s")
                                     % {"lists": ", ".join(wrong)})
        every_list = bool(settings.get("every_list"))
        mail_host = str(settings.get("mail_host", "")).strip().lower()
        if every_list and not MAIL_HOST.match(mail_host):
            raise ConfigurationError("mail_host", _("Give the mail host whose lists are meant, e.g. lists.example.org."))
        if not every_list and not lists:
            raise ConfigurationError("lists", _("Name at least one list, or choose every list of a mail host."))
        for name, label in (("rest_user", _("Give Mailman's REST admin user.")),
                            ("rest_password", _("Give Mailman's REST admin password."))):
            if not credentials.get(name, "").strip():
                raise ConfigurationError(name, label)
        return {"rest_url": rest_url, "lists": [] if every_list else lists, "every_list": every_list,
                "mail_host": mail_host if every_list else ""}

    # --- Plan ----------------------------------------------------------------------------------

    @staticmethod
    def valid_handle(handle: str) -> bool:
        try:
            validate_email(handle.strip())
        except ValidationError:
            return False
        return True

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        # Every ban kind is the same here: unsubscribed, then banned, until the ban ends.
        every = self.settings.get("every_list")
        targets = [EVERY_LIST + self.settings["mail_host"]] if every else list(self.settings.get("lists", []))
        return [step for target in targets for step in (PlannedStep(UNSUBSCRIBE, target), PlannedStep(BAN, target))]

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        auth = (self.credentials.get("rest_user", ""), self.credentials.get("rest_password", ""))
        return self.http(base_url=self.settings["rest_url"], auth=auth)

    def _call(self, method: str, path: str, *, what: str, json: dict[str, Any] | None = None,
              params: dict[str, str] | None = None, missing_ok: bool = False,
              content: bool = True) -> dict[str, Any] | None:
        """One call; None for a 404 when `missing_ok`, and for an answer without content
        (`content=False`: Mailman answers 201 and 204 with an empty body)."""
        with self._client() as client:
            response = self.send(client, method, path, what=what, json=json, params=params)
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            raise NeedsHuman(self._refusal(what, status, self._description(response)))
        if status == 202:  # Mailman holds an unsubscription or subscription for someone's approval
            raise NeedsHuman(_("%(what)s: Mailman holds the request for a confirmation or a moderator's approval "
                               "(HTTP 202): approve it on the list's pending requests, then mark the step done.")
                             % {"what": what})
        if not content:
            return None
        return answer_json(response, what=what)

    @staticmethod
    def _description(response: httpx.Response) -> str:
        """Mailman's own words for an error: {"title": "404 Not Found", "description": "..."}."""
        body = json_object(response)
        return str(body.get("description") or body.get("title") or "")[:200]

    @staticmethod
    def _refusal(what: str, status: int, description: str) -> str:
        said = f" ({description})" if description else ""
        if status == 401:
            return _("%(what)s: Mailman refused the REST admin user and password (HTTP 401); enter valid ones "
                     "in the connector's settings.") % {"what": what}
        if status == 403:
            return _("%(what)s: Mailman refused the request (HTTP 403)%(said)s; the connector needs the REST "
                     "admin user, which may change every list.") % {"what": what, "said": said}
        if status == 404:
            return _("%(what)s: Mailman does not know this list or member (HTTP 404)%(said)s.") % {
                "what": what, "said": said}
        return _("%(what)s: Mailman refused the request (HTTP %(status)s)%(said)s.") % {
            "what": what, "status": status, "said": said}

    # --- Reads ---------------------------------------------------------------------------------

    def _lists(self, target: str) -> list[str]:
        """The list ids a target stands for: itself, or every list of a mail host now."""
        if not target.startswith(EVERY_LIST):
            return [target]
        host = target.removeprefix(EVERY_LIST)
        found = self._call("GET", f"/domains/{quote(host, safe='')}/lists", what=_("Reading the mail host's lists"))
        entries = (found or {}).get("entries", [])
        if not isinstance(entries, list):
            raise NeedsHuman(_("Mailman's answer listing the mail host's lists has no entries."))
        return [str(entry["list_id"]) for entry in entries if isinstance(entry, dict) and entry.get("list_id")]

    def _roles(self, list_id: str, email: str) -> list[dict[str, str]]:
        """The address's member, owner and moderator records on a list."""
        found = self._call("GET", "/members/find", what=_("Reading the list's memberships"),
                           params={"list_id": list_id, "subscriber": email}) or {}
        entries = found.get("entries", [])  # Mailman leaves "entries" out when there are none
        if not isinstance(entries, list):
            raise NeedsHuman(_("Mailman's answer to a membership search has no entries."))
        roles = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("role") not in ROLES:
                continue
            member_id = str(entry.get("member_id") or str(entry.get("self_link", "")).rstrip("/").rpartition("/")[2])
            if not member_id:
                raise NeedsHuman(_("Mailman's membership record has no member id."))
            roles.append({"role": str(entry["role"]), "delivery_mode": str(entry.get("delivery_mode") or "regular"),
                          "member_id": member_id})
        return roles

    def _ban_path(self, list_id: str, email: str = "") -> str:
        path = f"/lists/{quote(list_id, safe='')}/bans"
        return f"{path}/{quote(email, safe='@')}" if email else path

    def _banned(self, list_id: str, email: str) -> bool:
        return self._call("GET", self._ban_path(list_id, email), what=_("Reading the list's bans"),
                          missing_ok=True) is not None

    def test_connection(self) -> str:
        """The Mailman version (proves the address and the admin credentials), then the lists."""
        versions = self._call("GET", "/system/versions", what=_("Checking the REST admin user")) or {}
        version = str(versions.get("mailman_version", "Mailman"))[:80]
        if self.settings.get("every_list"):
            lists = self._lists(EVERY_LIST + self.settings["mail_host"])
            return _("Connected to %(version)s: the mail host %(host)s has %(count)s list(s).") % {
                "version": version, "host": self.settings["mail_host"], "count": len(lists)}
        unknown = [list_id for list_id in self.settings.get("lists", [])
                   if self._call("GET", f"/lists/{quote(list_id, safe='')}", what=_("Reading a list"),
                                 missing_ok=True) is None]
        if unknown:
            raise NeedsHuman(_("Connected to %(version)s, but it has no list %(lists)s: check the list ids.")
                             % {"version": version, "lists": ", ".join(unknown)})
        return _("Connected to %(version)s: all %(count)s list(s) found.") % {
            "version": version, "count": len(self.settings.get("lists", []))}

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        email = work.handle.strip()
        lists = self._lists(work.target)
        if work.kind == UNSUBSCRIBE:
            # Whether each list bans the address already: a ban that stays keeps it out at the reversal.
            return {"roles": {list_id: self._roles(list_id, email) for list_id in lists},
                    "banned_before": {list_id: self._banned(list_id, email) for list_id in lists}}
        if work.kind == BAN:
            return {"banned": {list_id: self._banned(list_id, email) for list_id in lists}}
        raise NeedsHuman(_("Mailman has no step %(kind)s.") % {"kind": work.kind})

    def apply(self, work: Work) -> dict[str, Any]:
        email = work.handle.strip()
        if work.kind == UNSUBSCRIBE:
            removed: dict[str, list[dict[str, str]]] = {}
            for list_id, roles in work.before.get("roles", {}).items():
                for role in roles:  # a member already gone (an earlier, interrupted attempt) is a 404: fine
                    self._call("DELETE", f"/members/{quote(role['member_id'], safe='')}",
                               what=_("Unsubscribing from the list"), missing_ok=True, content=False,
                               params={"pre_confirmed": "true", "pre_approved": "true"})
                if roles:
                    removed[list_id] = [{"role": role["role"], "delivery_mode": role["delivery_mode"]}
                                        for role in roles]
            return {"removed": removed} if removed else {}
        if work.kind == BAN:
            added = []
            for list_id, was_banned in work.before.get("banned", {}).items():
                if was_banned:
                    continue  # someone else's ban: not Steward's to lift later
                if not self._banned(list_id, email):  # an interrupted attempt may have banned already
                    self._call("POST", self._ban_path(list_id), what=_("Banning the address from the list"),
                               json={"email": email}, content=False)
                added.append(list_id)
            return {"banned": added} if added else {}
        raise NeedsHuman(_("Mailman has no step %(kind)s.") % {"kind": work.kind})

    def verify(self, work: Work) -> bool | None:
        email = work.handle.strip()
        if work.kind == UNSUBSCRIBE:
            return all(not self._roles(list_id, email) for list_id in work.before.get("roles", {}))
        if work.kind == BAN:
            return all(self._banned(list_id, email) for list_id in work.before.get("banned", {}))
        return None

    def revert(self, work: Work) -> None:
        email = work.handle.strip()
        if work.kind == UNSUBSCRIBE:
            for list_id, roles in work.change.get("removed", {}).items():
                self._subscribe_again(work, list_id, email, roles)
        elif work.kind == BAN:
            for list_id in work.change.get("banned", []):
                self._call("DELETE", self._ban_path(list_id, email), what=_("Lifting the list ban"),
                           missing_ok=True, content=False)

    def _subscribe_again(self, work: Work, list_id: str, email: str, roles: list[dict[str, str]]) -> None:
        present = {role["role"] for role in self._roles(list_id, email)}
        missing = [role for role in roles if role["role"] not in present]
        if not missing:
            return
        if self._banned(list_id, email):  # Mailman refuses to subscribe a banned address
            if work.before.get("banned_before", {}).get(list_id):
                raise NeedsHuman(_("The address is banned on %(list)s by someone else, so Mailman will not "
                                   "subscribe it again: decide by hand.") % {"list": list_id})
            raise RetryLater(_("Waiting for the ban on %(list)s to be lifted before subscribing again.")
                             % {"list": list_id}, after=WAIT_FOR_UNBAN)
        for role in missing:
            self._call("POST", "/members", what=_("Subscribing to the list again"), content=False, json={
                "list_id": list_id, "subscriber": email, "role": role["role"], "delivery_mode": role["delivery_mode"],
                "pre_verified": True, "pre_confirmed": True, "pre_approved": True, "send_welcome_message": False})

    def verify_reverted(self, work: Work) -> bool | None:
        email = work.handle.strip()
        if work.kind == UNSUBSCRIBE:
            for list_id, roles in work.change.get("removed", {}).items():
                present = {role["role"] for role in self._roles(list_id, email)}
                if any(role["role"] not in present for role in roles):
                    return False
            return True
        if work.kind == BAN:
            return not any(self._banned(list_id, email) for list_id in work.change.get("banned", []))
        return None
