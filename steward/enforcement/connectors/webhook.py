"""An outgoing webhook for any other system: each account's ban, and its end, is sent as a signed
JSON event following the Standard Webhooks specification (https://www.standardwebhooks.com/).

One call: `POST {endpoint}` with the event as its body and the three headers of the spec:
`webhook-id` (the rollout action's idempotency key: the same on every retry of one event, so
the receiver can drop a repeat), `webhook-timestamp` (seconds since the epoch, at each attempt)
and `webhook-signature` (`v1,` and the base64 HMAC-SHA256, under the base64-decoded secret, of
`{id}.{timestamp}.{body}`). Signing is a few lines of the standard library, so the
`standardwebhooks` package (and what it pulls in) is not needed; the tests check the signature
with their own implementation of the spec.

Events: `steward.enforcement.applied` when a ban takes effect, `steward.enforcement.reverted`
when it ends (its own id, the reversal's key; `data.applied_event` names the event it undoes).
The step's target is "" whatever the ban, so that a later decision needing the same ban (an
appeal turning a temporary ban into a permanent one) takes the step over, and the receiver is
never told "reverted" while the person is still banned; the ban's kind is read from its end:
"temporary" (also an interim suspension, which ends on a set day) or "permanent" (no end).
"Test connection" sends `steward.connection.tested` with no account in it.

Nothing can be read back: a 2xx answer finishes the step as done (`reads_back = False`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.registry.models import System

from .base import ConfigurationError, Connector, NeedsHuman, PlannedStep, Setting, Work, host_of

SEND = "send_webhook"
APPLIED, REVERTED, TESTED = "steward.enforcement.applied", "steward.enforcement.reverted", "steward.connection.tested"
EVENT_TYPES = (APPLIED, REVERTED)
SECRET_PREFIX = "whsec_"  # noqa: S105  # nosec B105 (the spec's prefix, not a secret)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def secret_key(secret: str) -> bytes | None:
    """The signing key of a `whsec_` secret, or None when the secret does not have that form."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if 24 <= len(key) <= 64 else None


def sign(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: version 1, HMAC-SHA256 of id, timestamp and body."""
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookConnector(Connector):
    system = System.OTHER
    name = "Standard Webhooks"

    def called(self) -> str:
        return host_of(self.settings.get("endpoint", "")) or self.name
    reads_back = False
    fields = (
        Setting("endpoint", gettext_lazy("Endpoint address"), kind="url",
                help=gettext_lazy("Where the receiving system takes the events, over https "
                                  "(http only for localhost, when testing).")),
        Setting("event_types", gettext_lazy("Event types"), kind="lines", required=False,
                help=gettext_lazy("The events to send, one a line: steward.enforcement.applied, "
                                  "steward.enforcement.reverted. Empty: both.")),
        Setting("signing_secret", gettext_lazy("Signing secret"), kind="secret",
                help=gettext_lazy("The receiver's secret, as it gives it: whsec_ followed by base64.")),
    )

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        endpoint = str(settings.get("endpoint", "")).strip()
        parts = urlsplit(endpoint)
        local = parts.hostname in LOCAL_HOSTS
        if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise ConfigurationError("endpoint", _("Give the receiver's https address (http is allowed only for "
                                                   "localhost), e.g. https://hooks.example.org/steward."))
        types = [str(line).strip() for line in settings.get("event_types", []) if str(line).strip()]
        unknown = [name for name in types if name not in EVENT_TYPES]
        if unknown:
            raise ConfigurationError("event_types", _("Unknown event types: %(types)s. Steward sends %(known)s.")
                                     % {"types": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)})
        if secret_key(credentials.get("signing_secret", "").strip()) is None:
            raise ConfigurationError("signing_secret", _("The signing secret is whsec_ followed by 24 to 64 bytes "
                                                         "in base64, as the receiving system gives it."))
        return {"endpoint": endpoint, "event_types": [name for name in EVENT_TYPES if name in types]}

    @staticmethod
    def valid_handle(handle: str) -> bool:
        """Whatever the receiving system calls the account: any printable text up to 255 characters."""
        handle = handle.strip()
        return 0 < len(handle) <= 255 and handle.isprintable()

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        return [PlannedStep(SEND)]

    # --- HTTP ----------------------------------------------------------------------------------

    def _sends(self, event_type: str) -> bool:
        chosen = self.settings.get("event_types") or EVENT_TYPES
        return event_type in chosen

    def _send(self, webhook_id: str, event: dict[str, Any], *, what: str) -> None:
        """POST one signed event; a 2xx answer is the receiver's acknowledgement."""
        body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
        key = secret_key(self.credentials.get("signing_secret", "").strip())
        if key is None:
            raise NeedsHuman(_("The connector's signing secret is missing or malformed: enter it again."))
        timestamp = int(timezone.now().timestamp())
        headers = {"Content-Type": "application/json", "webhook-id": webhook_id,
                   "webhook-timestamp": str(timestamp), "webhook-signature": sign(key, webhook_id, timestamp, body)}
        with self.http() as client:
            response = self.send(client, "POST", self.settings["endpoint"], what=what, content=body, headers=headers)
        self._check(response, what=what)

    @staticmethod
    def _check(response: httpx.Response, *, what: str) -> None:
        status = response.status_code
        if 200 <= status < 300:  # rate limits and server errors were retried by `send`
            return
        if status == 410:
            raise NeedsHuman(_("%(what)s: the receiver says this endpoint was removed (HTTP 410 Gone); configure "
                               "its new address or switch the connector off.") % {"what": what})
        if 300 <= status < 400:
            raise NeedsHuman(_("%(what)s: the receiver redirects (HTTP %(status)s); configure the address it "
                               "redirects to.") % {"what": what, "status": status})
        said = " ".join(response.text.split())[:200]
        if status in {401, 403}:
            raise NeedsHuman(_("%(what)s: the receiver refused the event (HTTP %(status)s), usually because "
                               "its signature did not verify: check that the signing secret is the receiver's. "
                               "%(said)s") % {"what": what, "status": status, "said": said})
        raise NeedsHuman(_("%(what)s: the receiver refused the event (HTTP %(status)s). %(said)s")
                         % {"what": what, "status": status, "said": said})

    def test_connection(self) -> str:
        """A signed test event, with no account in it; receivers acknowledge types they ignore."""
        event: dict[str, Any] = {"type": TESTED, "timestamp": _iso(timezone.now()), "data": {}}
        self._send(f"test-{secrets.token_hex(8)}", event, what=_("Sending a test event"))
        return _("The receiver acknowledged a signed test event (%(type)s).") % {"type": TESTED}

    # --- The step ------------------------------------------------------------------------------

    def observe(self, work: Work) -> dict[str, Any]:
        # Recorded once: every retry of the event carries the same body, only its signature is new.
        return {"occurred_at": _iso(timezone.now())}

    def apply(self, work: Work) -> dict[str, Any]:
        if work.kind != SEND:
            raise NeedsHuman(_("The webhook has no step %(kind)s.") % {"kind": work.kind})
        ban = "temporary" if work.expires_at is not None else "permanent"
        data = {"account": work.handle.strip(), "ban": ban, "ends_at": _iso(work.expires_at), "reason": work.reason}
        sent = self._sends(APPLIED)
        if sent:
            event = {"type": APPLIED, "timestamp": work.before.get("occurred_at") or _iso(timezone.now()), "data": data}
            self._send(work.key, event, what=_("Sending the ban event"))
        # Recorded even when the receiver does not take this type: its end may still be sent.
        return {"ban": ban, "ends_at": data["ends_at"], "applied_event": work.key if sent else ""}

    def revert(self, work: Work) -> None:
        if work.kind != SEND or not self._sends(REVERTED):
            return
        data = {"account": work.handle.strip(), "ban": work.change.get("ban", ""),
                "ends_at": work.change.get("ends_at"), "reason": work.reason,
                "applied_event": work.change.get("applied_event", "")}
        event = {"type": REVERTED, "timestamp": _iso(timezone.now()), "data": data}
        self._send(work.key, event, what=_("Sending the end of the ban"))

    def verify(self, work: Work) -> bool | None:
        return None  # nothing to read back: the receiver's acknowledgement is all there is

    def verify_reverted(self, work: Work) -> bool | None:
        return None
