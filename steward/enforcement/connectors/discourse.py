"""Discourse: a ban suspends the person's forum account, or silences it (they can read but not
post), as the connector's settings choose; the reversal lifts only what Steward put on.

Plain httpx: pydiscourse, the Python client, is built on requests (so it cannot be driven
through an httpx transport), sleeps in-process and retries on its own when rate limited, and
has no call for silencing. The calls, all with the headers `Api-Key` and `Api-Username`:

- `GET /u/{username}.json`: the account's numeric id (404: no such user).
- `GET /admin/users/{id}.json`: the staff view of the account, which holds `suspended_till` and
  `silenced_till` (present while they are in force); read before acting, to verify, and to
  verify the reversal. Admin routes answer 404 to an account that is not staff.
- `PUT /admin/users/{id}/suspend.json` `{"suspend_until", "reason", "message"}`; a permanent
  ban is suspended for 1000 years, as Discourse's own "forever" choice does. The reason is at
  most 300 characters (Discourse refuses longer); the message, if the settings give one, is
  emailed to the person by Discourse. Undone by `PUT /admin/users/{id}/unsuspend.json`.
- `PUT /admin/users/{id}/silence.json` `{"silenced_till", "reason", "message"}`, undone by
  `PUT /admin/users/{id}/unsilence.json`.

A person suspended or silenced before Steward came stays so when the decision ends: Steward
records that it changed nothing and lifts nothing. Discourse answers a second suspension with
409, so `apply` reads the account again first: an attempt repeated after a crash finds the
suspension it made and sends nothing more.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

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
    answer_json,
    host_of,
    json_object,
    retry_after,
    web_address,
)

SUSPEND, SILENCE = "suspend_account", "silence"
# Discourse usernames: letters (any script), digits, "_", "." and "-", up to 60 characters.
USERNAME = re.compile(r"^[\w.-]{1,60}$")
REASON_LIMIT = 300  # Discourse's limit on a suspension's or silence's reason
MESSAGE_LIMIT = 500
FOREVER = datetime.timedelta(days=365 * 1000)  # what Discourse's "forever" sets
# Discourse itself takes a suspension ending more than 100 years away as "forever".
FOREVER_FROM = datetime.timedelta(days=365 * 100)
DEFAULT_REASON = "Code of conduct enforcement"
# What each step sets on the account, and the calls that set and lift it.
STEPS = {SUSPEND: ("suspended_till", "suspend", "unsuspend", "suspend_until"),
         SILENCE: ("silenced_till", "silence", "unsilence", "silenced_till")}


def cut_reason(reason: str) -> str:
    """The reason within Discourse's 300 characters, cut at a word when it is longer."""
    text = " ".join(reason.split()) or DEFAULT_REASON
    if len(text) <= REASON_LIMIT:
        return text
    cut = text[:REASON_LIMIT - 1]
    if " " in cut[REASON_LIMIT // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _moment(value: Any) -> datetime.datetime | None:
    """A Discourse timestamp (ISO 8601), or None when there is none or it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _error_text(response: httpx.Response) -> str:
    """Discourse's own words: `{"errors": [...]}` or `{"message": ...}`, cut short."""
    body = json_object(response)
    errors = body.get("errors")
    text = " ".join(map(str, errors)) if isinstance(errors, list) else str(body.get("message", "") or "")
    return text[:200]


def _first(asked: float | None, fallback: Callable[[httpx.Response], float | None],
           response: httpx.Response) -> float | None:
    return asked if asked is not None else fallback(response)


def _wait_seconds(response: httpx.Response) -> float | None:
    extras = json_object(response).get("extras")
    seconds = extras.get("wait_seconds") if isinstance(extras, dict) else None
    return float(seconds) if isinstance(seconds, int | float) else None


class DiscourseConnector(Connector):
    system = System.DISCOURSE
    name = "Discourse"

    def called(self) -> str:
        return host_of(self.settings.get("forum", "")) or self.name
    fields = (
        Setting("forum", gettext_lazy("Forum address"), kind="url",
                help=gettext_lazy("Where the forum is, e.g. https://discuss.example.org.")),
        Setting("ban", gettext_lazy("What a ban does"), kind="choice",
                choices=(("suspend", gettext_lazy("Suspend the account (the person cannot sign in)")),
                         ("silence", gettext_lazy("Silence the account (the person can read but not post)"))),
                help=gettext_lazy("For every ban: temporary, permanent, and interim suspensions.")),
        Setting("message", gettext_lazy("Message emailed by Discourse"), required=False,
                help=gettext_lazy("Optional. Discourse emails it to the person with the suspension or silence; "
                                  "leave it empty when Steward's own message is enough.")),
        Setting("api_username", gettext_lazy("API username"),
                help=gettext_lazy("The administrator or moderator Steward acts as (sent as Api-Username).")),
        Setting("api_key", gettext_lazy("API key"), kind="secret",
                help=gettext_lazy("A global API key (Admin, API): granular scopes do not cover lifting a "
                                  "suspension, silencing or the staff view of an account.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        forum = web_address(settings, "forum", _("Give the forum's address, e.g. https://discuss.example.org."))
        ban = str(settings.get("ban", "") or "suspend")
        if ban not in {"suspend", "silence"}:
            raise ConfigurationError("ban", _("Choose whether a ban suspends or silences the account."))
        message = str(settings.get("message", "") or "").strip()
        if len(message) > MESSAGE_LIMIT:
            raise ConfigurationError("message", _("Keep the message under %(limit)s characters.")
                                     % {"limit": MESSAGE_LIMIT})
        api_username = str(settings.get("api_username", "")).strip().removeprefix("@")
        if not USERNAME.match(api_username):
            raise ConfigurationError("api_username", _("Give the Discourse username of the account the API key "
                                                       "acts as, e.g. system."))
        if not credentials.get("api_key", "").strip():
            raise ConfigurationError("api_key", _("Give an API key of the forum (Admin, API, New API key)."))
        return {"forum": forum, "ban": ban, "message": message, "api_username": api_username}

    @staticmethod
    def valid_handle(handle: str) -> bool:
        return bool(USERNAME.match(handle))

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        return [PlannedStep(SILENCE if self.settings.get("ban") == "silence" else SUSPEND)]

    # --- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return self.http(base_url=self.settings["forum"], headers={
            "Api-Key": self.credentials.get("api_key", ""), "Api-Username": self.settings.get("api_username", ""),
            "Accept": "application/json"})

    def _call(self, method: str, path: str, *, what: str, json: dict[str, Any] | None = None,
              missing_ok: bool = False) -> dict[str, Any] | None:
        """One call; None for a 404 when `missing_ok`. Errors become RetryLater or NeedsHuman."""
        with self._client() as client:
            # Discourse also says how long to wait in the body.
            response = self.send(client, method, path, what=what, json=json,
                                 wait=lambda answer: _first(retry_after(answer), _wait_seconds, answer))
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            raise NeedsHuman(self._refusal(what, status, _error_text(response)))
        return answer_json(response, what=what)

    @staticmethod
    def _refusal(what: str, status: int, text: str) -> str:
        said = f" {text}" if text else ""
        code = f"HTTP {status}"
        # Discourse answers a wrong key or username with 403 and these words, not with 401.
        if status == 401 or "API username or key is invalid" in text:
            return _("%(what)s: the forum refused Steward's API key or username (%(code)s); enter valid ones "
                     "in the connector's settings.") % {"what": what, "code": code}
        if status == 403:
            return _("%(what)s: the API key lacks the permission this needs (%(code)s):%(said)s Use a global key "
                     "of an administrator or moderator.") % {"what": what, "code": code, "said": said}
        if status == 404:
            return _("%(what)s: the forum knows no such user, or the API username is not staff (%(code)s).") % {
                "what": what, "code": code}
        return _("%(what)s: the forum refused the request (%(code)s):%(said)s") % {
            "what": what, "code": code, "said": said}

    def _user_id(self, username: str) -> int:
        found = self._call("GET", f"/u/{quote(username, safe='')}.json", what=_("Looking the user up"),
                           missing_ok=True)
        if found is None:
            raise NeedsHuman(_("The forum has no user %(user)s: check the identity recorded for the person.")
                             % {"user": username})
        user = found.get("user")
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, int):
            raise NeedsHuman(_("The forum's answer for the user has no id: check the forum's address."))
        return user_id

    def _record(self, user_id: int) -> dict[str, Any]:
        record = self._call("GET", f"/admin/users/{user_id}.json", what=_("Reading the account"), missing_ok=True)
        if record is None:
            raise NeedsHuman(_("Reading the account: the forum answered 404 to its staff view; the API username "
                               "must be an administrator or moderator."))
        return record

    def _until(self, work: Work, user_id: int) -> datetime.datetime | None:
        """When the step's suspension or silence ends, None when the account has none in force."""
        field = STEPS[work.kind][0]
        until = _moment(self._record(user_id).get(field))
        return until if until is not None and until > timezone.now() else None

    def _known(self, work: Work) -> None:
        if work.kind not in STEPS:
            raise NeedsHuman(_("Discourse has no step %(kind)s.") % {"kind": work.kind})

    def _user_of(self, work: Work) -> int:
        user_id = work.before.get("user_id")
        return user_id if isinstance(user_id, int) else self._user_id(work.handle)

    # --- Connection test -----------------------------------------------------------------------

    def test_connection(self) -> str:
        """Whom the key acts as, and whether that account is staff (its staff view can be read)."""
        username = str(self.settings.get("api_username", ""))
        record = self._record(self._user_id(username))
        if record.get("admin") is True:
            role = _("an administrator")
        elif record.get("moderator") is True:
            role = _("a moderator")
        else:
            raise NeedsHuman(_("%(user)s is neither an administrator nor a moderator of the forum: it cannot "
                               "suspend or silence anyone.") % {"user": username})
        action = _("silences") if self.settings.get("ban") == "silence" else _("suspends")
        return _("Connected to %(forum)s as %(user)s, %(role)s; a ban %(action)s the account.") % {
            "forum": self.settings.get("forum", ""), "user": username, "role": role, "action": action}

    # --- The steps -----------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        self._known(work)
        user_id = self._user_id(work.handle)
        until = self._until(work, user_id)
        return {"user_id": user_id, "until": until.isoformat() if until else ""}

    def _wanted_until(self, work: Work) -> datetime.datetime:
        return work.expires_at if work.expires_at is not None else timezone.now() + FOREVER

    def apply(self, work: Work) -> dict[str, Any]:
        self._known(work)
        user_id, wanted = self._user_of(work), self._wanted_until(work)
        already = _moment(work.before.get("until"))
        if already is not None:  # put on by someone else before Steward came: theirs to keep and lift
            if already < wanted and already - timezone.now() < FOREVER_FROM:
                raise NeedsHuman(_("The account was already suspended or silenced until %(date)s, before the "
                                   "ban ends: extend it by hand on the forum.") % {"date": already.date().isoformat()})
            return {}
        if self._until(work, user_id) is not None:  # an earlier attempt did it, then stopped before recording
            return {"applied": True}
        _field, verb, _undo, date_key = STEPS[work.kind]
        body = {date_key: wanted.astimezone(datetime.UTC).isoformat(), "reason": cut_reason(work.reason),
                "message": self.settings.get("message", "")}
        what = _("Suspending the account") if work.kind == SUSPEND else _("Silencing the account")
        self._call("PUT", f"/admin/users/{user_id}/{verb}.json", what=what, json=body)
        return {"applied": True}

    def verify(self, work: Work) -> bool:
        self._known(work)
        return self._until(work, self._user_of(work)) is not None

    def revert(self, work: Work) -> None:
        self._known(work)
        if not work.change.get("applied"):
            return
        undo = STEPS[work.kind][2]
        what = _("Lifting the suspension") if work.kind == SUSPEND else _("Lifting the silence")
        self._call("PUT", f"/admin/users/{self._user_of(work)}/{undo}.json", what=what, json={})

    def verify_reverted(self, work: Work) -> bool:
        self._known(work)
        return self._until(work, self._user_of(work)) is None
