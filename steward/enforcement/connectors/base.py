"""The one small interface every connector implements: plan, apply, verify, revert.

A connector knows one system's API and nothing of Steward's models: it is given the account
(its handle), the kind of step and its target, and the state and change recorded earlier. It
raises `RetryLater` for what may pass (a rate limit, a server error, a timeout) and `NeedsHuman`
for what will not (an unknown user, a permission the credentials lack, an answer that makes no
sense); the worker turns those into the action's status and its reason in words.

Answers from a system are untrusted input: `answer_json` refuses anything that is not the JSON
object expected, with a reason naming the system and the call.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import certifi
import httpx
from django.utils.translation import gettext as _


class ConnectorError(Exception):
    """An action could not be done; `reason` says why in words (no personal data, no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(ConnectorError):
    """Worth another attempt: after `after` seconds when the system said (Retry-After)."""

    def __init__(self, reason: str, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class NeedsHuman(ConnectorError):
    """Another attempt would fail the same way: a person must look at it."""


class ConfigurationError(ValueError):
    """The settings or credentials given for a connector are not usable; names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Setting:
    """One field of a connector's configuration page. `kind`: "url", "text", "lines" (a list,
    one item a line), "choice", "flag" or "secret" (a credential: write-only, never shown again)."""

    name: str
    label: Any  # a lazy translation
    help: Any = ""
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PlannedStep:
    kind: str
    target: str = ""


@dataclass(frozen=True)
class Work:
    """One step to carry out or undo on one account."""

    kind: str
    target: str
    handle: str
    before: dict[str, Any] = field(default_factory=dict)  # the state `observe` found first
    change: dict[str, Any] = field(default_factory=dict)  # what apply changed (for revert)
    expires_at: datetime.datetime | None = None
    reason: str = "Code of conduct enforcement"
    # The action's idempotency key, for the systems that accept one on a request (a webhook's
    # id, a transaction id). Matrix's bans, suspensions and state events are idempotent as they are.
    key: str = ""


class Connector:
    """Base of the connectors: `system` is the registry's system it acts on."""

    system: ClassVar[str]
    name: ClassVar[str]
    # The configuration page's fields: settings (stored in clear) and credentials (kind "secret", sealed).
    fields: ClassVar[tuple[Setting, ...]] = ()
    # False for systems whose state cannot be read back (a webhook): an acknowledged call is "done".
    reads_back: ClassVar[bool] = True

    @classmethod
    def setting_names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in cls.fields if field.kind != "secret")

    @classmethod
    def credential_names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in cls.fields if field.kind == "secret")

    def __init__(self, settings: dict[str, Any], credentials: dict[str, str], *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 15.0) -> None:
        self.settings, self.credentials = settings, credentials
        self.transport, self.timeout = transport, timeout

    def called(self) -> str:
        """How the reasons name the system: its product, or the host of a self-hosted one."""
        return self.name

    def send(self, client: httpx.Client, method: str, url: str, *, what: str,
             wait: Callable[[httpx.Response], float | None] = lambda response: retry_after(response),
             limited: frozenset[int] = frozenset({429}), **options: Any) -> httpx.Response:
        """One request. What may pass becomes RetryLater: a timeout, a network error, a rate limit
        (a status in `limited`, with `wait` reading how long the system asked; a status other than
        429 counts only when it says how long, as GitHub's 403s do) and a server error."""
        names = {"what": what, "system": self.called()}
        try:
            response = client.request(method, url, **options)
        except httpx.TimeoutException:
            raise RetryLater(_("%(what)s: %(system)s did not answer in time.") % names) from None
        except httpx.TransportError as error:
            raise RetryLater(_("%(what)s: %(system)s could not be reached (%(error)s).")
                             % {**names, "error": type(error).__name__}) from None
        status = response.status_code
        if status in limited:
            after = wait(response)
            if status == 429 or after is not None:
                raise RetryLater(_("%(what)s: rate limited by %(system)s.") % names, after=after)
        if status >= 500:
            raise RetryLater(_("%(what)s: %(system)s answered with a server error (HTTP %(status)s).")
                             % {**names, "status": status}, after=retry_after(response))
        return response

    def http(self, **options: Any) -> httpx.Client:
        """An HTTP client for one call or one step: the connector's timeout, the tests' transport
        when one is set, and the process's one TLS context (building one costs ~50 ms of CPU)."""
        if self.transport is not None:
            options["transport"] = self.transport
        return httpx.Client(timeout=self.timeout, verify=tls_context(), **options)

    @classmethod
    def check_configuration(cls, settings: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
        """The settings cleaned; `ConfigurationError` naming the field when they are not usable."""
        return settings

    @staticmethod
    def valid_handle(handle: str) -> bool:
        """Whether the registry's handle is an account name this system uses."""
        return bool(handle.strip())

    def test_connection(self) -> str:
        """Check the settings and credentials with harmless reads; what was found, in words.
        Raises NeedsHuman or RetryLater, as a step would, when something is wrong."""
        raise NotImplementedError

    def plan(self, handle: str, *, ban: str) -> list[PlannedStep]:
        raise NotImplementedError

    def observe(self, work: Work) -> dict[str, Any]:
        """The state before acting, recorded once so that a repeated attempt still knows it."""
        raise NotImplementedError

    def apply(self, work: Work) -> dict[str, Any]:
        """Carry the step out (idempotently); returns what was changed ({} when nothing needed to)."""
        raise NotImplementedError

    def verify(self, work: Work) -> bool | None:
        """Read the state back: True when it shows the step done, None when the read cannot tell."""
        raise NotImplementedError

    def revert(self, work: Work) -> None:
        """Undo what `work.change` says was changed, and nothing else."""
        raise NotImplementedError

    def verify_reverted(self, work: Work) -> bool | None:
        raise NotImplementedError


def web_address(settings: dict[str, Any], name: str, message: str, *, default: str = "") -> str:
    """The setting `name` as an http(s) address without its trailing slash; ConfigurationError
    naming the field, with `message`, when it is not one."""
    address = str(settings.get(name) or default).strip().rstrip("/")
    parts = urlsplit(address)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(name, message)
    return address


def host_of(address: str) -> str:
    return urlsplit(address).netloc or address


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate store httpx uses by default (certifi's), loaded once for every connector."""
    return ssl.create_default_context(cafile=certifi.where())


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the system asked to wait: Retry-After as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it has none: for reading a system's error text or
    rate-limit fields, where anything else means "the system did not say"."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def answer_json(response: httpx.Response, *, what: str) -> dict[str, Any]:
    """The JSON object a system answered; NeedsHuman naming the call when it is anything else."""
    try:
        data = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() or _("no content type")
        raise NeedsHuman(_("%(what)s answered with something that is not JSON (%(kind)s, HTTP %(status)s): "
                           "check the address configured for this system.")
                         % {"what": what, "kind": kind, "status": response.status_code}) from None
    if not isinstance(data, dict):
        raise NeedsHuman(_("%(what)s answered with JSON that is not an object (HTTP %(status)s).")
                         % {"what": what, "status": response.status_code})
    return data
