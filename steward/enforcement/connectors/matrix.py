"""Matrix: room bans through the client-server API, account suspension through the Synapse admin
API, and `m.policy.rule.user` rules in the organisation's policy room for Draupnir/Mjolnir.

Plain httpx: the Python Matrix clients (matrix-nio, mautrix) are built for bots that sync and
hold encryption state; the five calls here need none of that, and the Synapse admin API is in
neither. The account Steward acts with must be a server administrator (for suspension) and able
to ban in every configured room and to send state events in the policy room.

- Room bans: `POST /rooms/{room}/ban`, read back from the room's `m.room.member` state; undone by
  `unban` only when Steward's ban was the one that put the person out.
- Suspension (temporary bans and interim suspensions, local accounts only):
  `PUT /_synapse/admin/v1/suspend/{user}` `{"suspend": true}`, read back from
  `GET /_synapse/admin/v2/users/{user}` (`suspended`). Reversible, unlike deactivation, which
  Steward does not do (a permanent ban is room bans and the policy rule).
- Policy rule: a state event `m.policy.rule.user` keyed `rule:<user>` with `entity`,
  `recommendation: m.ban` and `reason`; a temporary ban also carries its end as MSC3908's
  expiry (milliseconds since the epoch), under the key the proposal names while unstable,
  `support.feline.policy.expiry.rev.2`. The bots do not expire rules yet, so the reversal
  removes the rule (an empty state event). The legacy event types (`m.room.rule.user`,
  `org.matrix.mjolnir.rule.user`) are read too, so a rule someone else published under them is
  recognised and left alone.
"""

from __future__ import annotations

import re
from typing import Any
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
    Setting,
    Work,
    answer_json,
    host_of,
    json_object,
    retry_after,
    web_address,
)

USER_ID = re.compile(r"^@[^\s:]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# Room IDs end with a server name before room version 12, and are a bare hash from version 12 on.
ROOM_ID = re.compile(r"^![A-Za-z0-9._~+/=-]+(:[A-Za-z0-9.-]+(:[0-9]{1,5})?)?$")
RULE_TYPE = "m.policy.rule.user"
LEGACY_RULE_TYPES = ("m.room.rule.user", "org.matrix.mjolnir.rule.user")
EXPIRY_KEY = "support.feline.policy.expiry.rev.2"  # MSC3908's unstable prefix for "expiry"
BAN, SUSPEND, POLICY = "ban_from_room", "suspend_account", "publish_policy_rule"


def _retry_after_ms(response: httpx.Response) -> float | None:
    milliseconds = json_object(response).get("retry_after_ms")
    return float(milliseconds) / 1000 if isinstance(milliseconds, int | float) else None


class MatrixConnector(Connector):
    system = System.MATRIX
    name = "Matrix (Synapse)"

    def called(self) -> str:
        return host_of(self.settings.get("homeserver", "")) or self.name
    fields = (
        Setting("homeserver", gettext_lazy("Homeserver address"), kind="url",
                help=gettext_lazy("Where Steward calls the client and admin APIs, e.g. https://matrix.example.org.")),
        Setting("server_name", gettext_lazy("Server name"), help=gettext_lazy("What local user IDs end with, e.g. example.org.")),
        Setting("rooms", gettext_lazy("Rooms"), kind="lines", required=False,
                help=gettext_lazy("The organisation's room IDs, one a line: a ban applies in each.")),
        Setting("policy_room", gettext_lazy("Policy room"), required=False,
                help=gettext_lazy("The room ID of the policy list Draupnir or Mjolnir follows (optional).")),
        Setting("access_token", gettext_lazy("Access token"), kind="secret",
                help=gettext_lazy("Of a server administrator with moderator rights in the rooms.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        homeserver = web_address(settings, "homeserver", _("Give the homeserver's address, e.g. https://matrix.example.org."))
        server_name = str(settings.get("server_name", "")).strip()
        if not server_name or not re.match(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$", server_name):
            raise ConfigurationError("server_name", _("Give the server name that user IDs end with, e.g. example.org."))
        rooms = [str(room).strip() for room in settings.get("rooms", []) if str(room).strip()]
        wrong = [room for room in rooms if not ROOM_ID.match(room)]
        if wrong:
            raise ConfigurationError("rooms", _("Not a room ID (they look like !abc:example.org): %(rooms)s")
                                     % {"rooms": ", ".join(wrong)})
        policy_room = str(settings.get("policy_room", "")).strip()
        if policy_room and not ROOM_ID.match(policy_room):
            raise ConfigurationError("policy_room", _("Not a room ID (they look like !abc:example.org)."))
        if not rooms and not policy_room:
            raise ConfigurationError("rooms", _("Name at least one room or a policy room."))
        if not credentials.get("access_token", "").strip():
            raise ConfigurationError("access_token", _("Give the access token of the account Steward acts with."))
        return {"homeserver": homeserver, "server_name": server_name, "rooms": rooms, "policy_room": policy_room}

    # --- Plan ----------------------------------------------------------------------------------

    def is_local(self, handle: str) -> bool:
        return handle.rpartition(":")[2] == self.settings.get("server_name") if ":" in handle else False

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        steps = [PlannedStep(BAN, room) for room in self.settings.get("rooms", [])]
        # Suspension is reversible and only for accounts on the organisation's own homeserver.
        if ban in {"temporary", "interim"} and self.is_local(handle):
            steps.append(PlannedStep(SUSPEND))
        if self.settings.get("policy_room") and ban in {"temporary", "permanent"}:
            steps.append(PlannedStep(POLICY, self.settings["policy_room"]))
        return steps

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(USER_ID.match(handle))

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return self.http(base_url=self.settings["homeserver"],
                         headers={"Authorization": f"Bearer {self.credentials.get('access_token', '')}"})

    def _call(self, method: str, path: str, *, what: str, json: dict[str, Any] | None = None,
              missing_ok: bool = False) -> dict[str, Any] | None:
        """One call; None for a 404 when `missing_ok`. Errors become RetryLater or NeedsHuman."""
        with self._client() as client:
            # Matrix also says how long to wait in the body, in milliseconds.
            response = self.send(client, method, path, what=what, json=json,
                                 wait=lambda answer: retry_after(answer) or _retry_after_ms(answer))
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            errcode = str(json_object(response).get("errcode", ""))[:40]
            raise NeedsHuman(self._refusal(what, status, errcode))
        return answer_json(response, what=what)

    @staticmethod
    def _refusal(what: str, status: int, errcode: str) -> str:
        code = f"HTTP {status}{' ' + errcode if errcode else ''}"
        if status == 401 or errcode == "M_UNKNOWN_TOKEN":
            return _("%(what)s: the homeserver refused Steward's access token (%(code)s); enter a valid one "
                     "in the connector's settings.") % {"what": what, "code": code}
        if status == 403:
            return _("%(what)s: Steward's account lacks the permission this needs (%(code)s); give it "
                     "moderator rights in the room or server administrator rights.") % {"what": what, "code": code}
        if status == 404:
            return _("%(what)s: the homeserver does not know this user or room (%(code)s).") % {
                "what": what, "code": code}
        return _("%(what)s: the homeserver refused the request (%(code)s).") % {"what": what, "code": code}

    @staticmethod
    def _room(room: str) -> str:
        return f"/_matrix/client/v3/rooms/{quote(room, safe='')}"

    def _membership(self, work: Work) -> str:
        state = self._call("GET", f"{self._room(work.target)}/state/m.room.member/{quote(work.handle, safe='')}",
                           what=_("Reading the room membership"), missing_ok=True)
        return str((state or {}).get("membership", "leave"))

    def _suspended(self, work: Work) -> bool:
        user = self._call("GET", f"/_synapse/admin/v2/users/{quote(work.handle, safe='')}",
                          what=_("Reading the account"), missing_ok=True)
        if user is None:
            raise NeedsHuman(_("The homeserver has no account %(user)s: check the identity recorded for the person.")
                             % {"user": work.handle})
        value = user.get("suspended")
        if not isinstance(value, bool):
            raise NeedsHuman(_("The homeserver's account record has no suspension state: it may be a Synapse "
                               "version without suspension (1.114 or later is needed)."))
        return value

    @staticmethod
    def _state_key(handle: str) -> str:
        return f"rule:{handle}"

    def _rule(self, work: Work, event_type: str = RULE_TYPE) -> dict[str, Any]:
        path = f"{self._room(work.target)}/state/{event_type}/{quote(self._state_key(work.handle), safe='')}"
        return self._call("GET", path, what=_("Reading the policy rule"), missing_ok=True) or {}

    @staticmethod
    def _bans(rule: dict[str, Any], handle: str) -> bool:
        return rule.get("entity") == handle and rule.get("recommendation") in {"m.ban", "org.matrix.mjolnir.ban"}

    def test_connection(self) -> str:
        """Who Steward acts as, whether it is a server administrator, and whether it is in each room."""
        me = self._call("GET", "/_matrix/client/v3/account/whoami", what=_("Checking the access token")) or {}
        user_id = str(me.get("user_id", ""))
        if not user_id:
            raise NeedsHuman(_("The homeserver did not say whose access token this is."))
        self._call("GET", f"/_synapse/admin/v2/users/{quote(user_id, safe='')}",
                   what=_("Checking server administrator rights"))
        rooms = [*self.settings.get("rooms", []), *([self.settings["policy_room"]] if self.settings.get("policy_room") else [])]
        absent = [room for room in rooms
                  if self._membership(Work(kind=BAN, target=room, handle=user_id)) != "join"]
        if absent:
            raise NeedsHuman(_("%(user)s is not a member of these rooms: %(rooms)s. Invite it and give it "
                               "moderator rights.") % {"user": user_id, "rooms": ", ".join(absent)})
        return _("Connected as %(user)s, a server administrator, in %(count)s room(s).") % {
            "user": user_id, "count": len(rooms)}

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        if work.kind == BAN:
            return {"membership": self._membership(work)}
        if work.kind == SUSPEND:
            return {"suspended": self._suspended(work)}
        if work.kind == POLICY:
            existing = [kind for kind in (RULE_TYPE, *LEGACY_RULE_TYPES) if self._bans(self._rule(work, kind), work.handle)]
            return {"rule": existing[0] if existing else ""}
        raise NeedsHuman(_("Matrix has no step %(kind)s.") % {"kind": work.kind})

    def apply(self, work: Work) -> dict[str, Any]:
        if work.kind == BAN:
            if work.before.get("membership") == "ban":
                return {}
            self._call("POST", f"{self._room(work.target)}/ban", what=_("Banning from the room"),
                       json={"user_id": work.handle, "reason": work.reason})
            return {"banned": True}
        if work.kind == SUSPEND:
            if work.before.get("suspended"):
                return {}
            self._call("PUT", f"/_synapse/admin/v1/suspend/{quote(work.handle, safe='')}",
                       what=_("Suspending the account"), json={"suspend": True})
            return {"suspended": True}
        if work.kind == POLICY:
            if work.before.get("rule"):
                return {}  # someone already lists the ban: not Steward's rule to remove later
            content: dict[str, Any] = {"entity": work.handle, "recommendation": "m.ban", "reason": work.reason}
            if work.expires_at is not None:
                content[EXPIRY_KEY] = int(work.expires_at.timestamp() * 1000)
            path = f"{self._room(work.target)}/state/{RULE_TYPE}/{quote(self._state_key(work.handle), safe='')}"
            self._call("PUT", path, what=_("Publishing the policy rule"), json=content)
            return {"published": RULE_TYPE}
        raise NeedsHuman(_("Matrix has no step %(kind)s.") % {"kind": work.kind})

    def verify(self, work: Work) -> bool | None:
        if work.kind == BAN:
            return self._membership(work) == "ban"
        if work.kind == SUSPEND:
            return self._suspended(work)
        if work.kind == POLICY:
            return any(self._bans(self._rule(work, kind), work.handle) for kind in (RULE_TYPE, *LEGACY_RULE_TYPES))
        return None

    def revert(self, work: Work) -> None:
        if work.kind == BAN and work.change.get("banned"):
            self._call("POST", f"{self._room(work.target)}/unban", what=_("Lifting the room ban"),
                       json={"user_id": work.handle})
        elif work.kind == SUSPEND and work.change.get("suspended"):
            self._call("PUT", f"/_synapse/admin/v1/suspend/{quote(work.handle, safe='')}",
                       what=_("Lifting the suspension"), json={"suspend": False})
        elif work.kind == POLICY and work.change.get("published"):
            path = f"{self._room(work.target)}/state/{RULE_TYPE}/{quote(self._state_key(work.handle), safe='')}"
            self._call("PUT", path, what=_("Removing the policy rule"), json={})

    def verify_reverted(self, work: Work) -> bool | None:
        if work.kind == BAN:
            return self._membership(work) != "ban"
        if work.kind == SUSPEND:
            return not self._suspended(work)
        if work.kind == POLICY:
            return not self._bans(self._rule(work), work.handle)
        return None
