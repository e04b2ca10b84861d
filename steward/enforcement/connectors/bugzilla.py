"""Bugzilla: the account's sign-in disabled with a login-denied text, and enabled again when the
ban ends, through the REST API of Bugzilla 5.0 and later.

Plain httpx: python-bugzilla is kept up, but it is built on requests (no httpx transport to
test it through) and speaks mostly XML-RPC; the three REST calls here need none of it.

Every call sends the API key in the `X-BUGZILLA-API-KEY` header. The key's account must be in
the "editusers" group: only then does Bugzilla show and change `login_denied_text` and
`email_enabled`. Errors come as `{"error": true, "code": …, "message": …}`; the code says more
than the HTTP status (Bugzilla answers 401 both for a bad key and for a missing permission):
51 is an unknown user, 304 a permission the account lacks, 306 and 410 a key refused.

- The account (every step): `GET /rest/user?names=<login>` reads `id`, `can_login`,
  `login_denied_text` and `email_enabled`; observed once before acting.
- Disabling (every ban): `PUT /rest/user/<id>` `{"login_denied_text": <the configured text>,
  "email_enabled": false}`, read back as `can_login == false`. An account someone already
  disabled is left as it is, and stays disabled when the ban ends.
- Enabling again (the reversal): `PUT /rest/user/<id>` with an empty `login_denied_text` (and
  `email_enabled: true` when Steward turned the mail off), only while the text is still the one
  Steward set: another text means someone disabled the account again, for a person to judge.
- "Test connection": `GET /rest/version`, `GET /rest/whoami` (Bugzilla 5.1 and later; whose key)
  and that account's groups, which must include "editusers".
"""

from __future__ import annotations

import re
from typing import Any

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
    json_object,
    web_address,
)

LOGIN = re.compile(r"^\S{1,255}$")
UNKNOWN_USER, NOT_AUTHORISED, BAD_KEY, LOGIN_REQUIRED, NO_RESOURCE = 51, 304, 306, 410, 32614
DISABLE = "disable_login"


def _error(response: httpx.Response) -> tuple[int | None, str]:
    """Bugzilla's error code and message, when the body is its error object."""
    body = json_object(response)
    if not body.get("error"):
        return None, ""
    code = body.get("code")
    return (code if isinstance(code, int) else None), str(body.get("message", ""))[:200]


class BugzillaConnector(Connector):
    system = System.BUGZILLA
    name = "Bugzilla"
    fields = (
        Setting("address", gettext_lazy("Bugzilla address"), kind="url",
                help=gettext_lazy("Where Bugzilla runs, e.g. https://bugzilla.example.org.")),
        Setting("contact", gettext_lazy("Contact for questions"), required=False,
                help=gettext_lazy("Named in the default login-denied text, e.g. conduct@example.org.")),
        Setting("login_denied_text", gettext_lazy("Login-denied text"), required=False,
                help=gettext_lazy("What Bugzilla shows the person when they try to sign in; leave empty for "
                                  "Steward's default.")),
        Setting("api_key", gettext_lazy("API key"), kind="secret",
                help=gettext_lazy("Of an account in the editusers group.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        address = web_address(settings, "address", _("Give Bugzilla's address, e.g. https://bugzilla.example.org."))
        contact = str(settings.get("contact", "")).strip()
        text = str(settings.get("login_denied_text", "")).strip()
        if not text:  # written in the language of the administrator who configures it
            text = (_("This account is disabled under the code of conduct. Contact %(contact)s for questions.")
                    % {"contact": contact} if contact else
                    _("This account is disabled under the code of conduct."))
        if not credentials.get("api_key", "").strip():
            raise ConfigurationError("api_key", _("Give the API key of an account in the editusers group."))
        return {"address": address, "contact": contact, "login_denied_text": text}

    # --- Plan ----------------------------------------------------------------------------------

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        return [PlannedStep(DISABLE)]  # reversible, so the same for every kind of ban

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(LOGIN.match(handle))

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return self.http(base_url=f"{self.settings['address']}/rest",
                         headers={"X-BUGZILLA-API-KEY": self.credentials.get("api_key", ""),
                                  "Accept": "application/json"})

    def _call(self, method: str, path: str, *, what: str, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None, missing_ok: bool = False) -> dict[str, Any] | None:
        """One call; None when `missing_ok` and Bugzilla has no such REST resource (an older version)."""
        with self._client() as client:
            response = self.send(client, method, path, what=what, params=params, json=json)
        status = response.status_code
        code, message = _error(response)
        if code == NO_RESOURCE and missing_ok:
            return None
        if status >= 400 or code is not None:
            raise NeedsHuman(self._refusal(what, status, code, message))
        return answer_json(response, what=what)

    @staticmethod
    def _refusal(what: str, status: int, code: int | None, message: str) -> str:
        said = f"HTTP {status}{f', code {code}' if code is not None else ''}{': ' + message if message else ''}"
        if code == UNKNOWN_USER:
            return _("%(what)s: Bugzilla has no such account (%(said)s): check the identity recorded for the "
                     "person.") % {"what": what, "said": said}
        if code == NOT_AUTHORISED or (status == 403 and code is None):
            return _("%(what)s: the API key's account may not edit users (%(said)s); add it to the editusers "
                     "group.") % {"what": what, "said": said}
        if code in {BAD_KEY, LOGIN_REQUIRED} or (status == 401 and code is None):
            return _("%(what)s: Bugzilla refused Steward's API key (%(said)s); enter a valid one in the "
                     "connector's settings.") % {"what": what, "said": said}
        if code == NO_RESOURCE or (status == 404 and code is None):
            return _("%(what)s: this is not the REST API of Bugzilla 5.0 or later (%(said)s): check the address.") % {
                "what": what, "said": said}
        return _("%(what)s: Bugzilla refused the request (%(said)s).") % {"what": what, "said": said}

    def _user(self, login: str) -> dict[str, Any]:
        body = self._call("GET", "/user", params={"names": login}, what=_("Reading the account")) or {}
        users = body.get("users")
        found = [user for user in users if isinstance(user, dict) and isinstance(user.get("id"), int)
                 and str(user.get("name", "")).lower() == login.lower()] if isinstance(users, list) else []
        if not found:
            raise NeedsHuman(_("Bugzilla has no account %(user)s: check the identity recorded for the person.")
                             % {"user": login})
        user = found[0]
        # Only members of editusers are shown these: without them nothing can be told or undone.
        if not isinstance(user.get("login_denied_text"), str) or not isinstance(user.get("email_enabled"), bool):
            raise NeedsHuman(_("Bugzilla did not show whether the account is disabled: the API key's account must "
                               "be in the editusers group."))
        return user

    def test_connection(self) -> str:
        """Which Bugzilla, whose key, and whether that account may edit users."""
        version = str((self._call("GET", "/version", what=_("Reading Bugzilla's version")) or {}).get("version", "?"))
        me = self._call("GET", "/whoami", what=_("Checking the API key"), missing_ok=True)
        if me is None:
            return _("Connected to Bugzilla %(version)s, which cannot say whose API key this is (that needs 5.1): "
                     "the first step will show whether its account may edit users.") % {"version": version}
        login = str(me.get("name", ""))
        if not login:
            raise NeedsHuman(_("Bugzilla did not say whose API key this is."))
        account = self._call("GET", "/user", params={"names": login}, what=_("Reading the key's account")) or {}
        users = account.get("users")
        users = users if isinstance(users, list) else []
        groups = {str(group.get("name")) for user in users if isinstance(user, dict)
                  for group in user.get("groups") or [] if isinstance(group, dict)}
        if "editusers" not in groups:
            raise NeedsHuman(_("%(user)s is not in the editusers group: Steward cannot disable accounts with its "
                               "key.") % {"user": login})
        return _("Connected to Bugzilla %(version)s as %(user)s, in the editusers group.") % {
            "version": version, "user": login}

    # --- The step ------------------------------------------------------------------------------

    def _check(self, work: Work) -> None:
        if work.kind != DISABLE:
            raise NeedsHuman(_("Bugzilla has no step %(kind)s.") % {"kind": work.kind})

    def observe(self, work: Work) -> dict[str, Any]:
        self._check(work)
        user = self._user(work.handle)
        return {"user_id": user["id"], "can_login": user.get("can_login") is not False,
                "login_denied_text": user["login_denied_text"], "email_enabled": user["email_enabled"]}

    def apply(self, work: Work) -> dict[str, Any]:
        self._check(work)
        if work.before.get("login_denied_text") or not work.before.get("can_login", True):
            return {}  # disabled by someone else: not Steward's to enable later
        text = self.settings["login_denied_text"]
        # The same PUT again after an interrupted attempt sets the same values: nothing more changes.
        self._call("PUT", f"/user/{int(work.before['user_id'])}", what=_("Disabling the account"),
                   json={"login_denied_text": text, "email_enabled": False})
        return {"disabled": True, "text": text, "email_disabled": bool(work.before.get("email_enabled"))}

    def verify(self, work: Work) -> bool | None:
        self._check(work)
        user = self._user(work.handle)
        return user.get("can_login") is False and bool(user["login_denied_text"])

    def revert(self, work: Work) -> None:
        self._check(work)
        if not work.change.get("disabled"):
            return
        user = self._user(work.handle)
        current = user["login_denied_text"]
        if current and current != work.change.get("text"):
            raise NeedsHuman(_("The account was disabled again with another login-denied text since Steward "
                               "disabled it: a person decides whether to enable it."))
        body: dict[str, Any] = {}
        if current:
            body["login_denied_text"] = ""
        if work.change.get("email_disabled") and not user["email_enabled"]:
            body["email_enabled"] = True
        if body:
            self._call("PUT", f"/user/{int(user['id'])}", what=_("Enabling the account"), json=body)

    def verify_reverted(self, work: Work) -> bool | None:
        self._check(work)
        user = self._user(work.handle)
        enabled = user.get("can_login") is not False and not user["login_denied_text"]
        return enabled and (user["email_enabled"] or not work.change.get("email_disabled"))
