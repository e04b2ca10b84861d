"""The API base: scoped tokens, the authentication and scope check every endpoint uses,
and one shape for errors.

A token is `stw_` and 256 random bits. Only its keyed hash (HMAC under the server's index
key, like receipt codes) is stored, so looking it up is one indexed query and a database dump
yields nothing usable. A token with an owner acts as that staff member: the services check the
owner's roles and need to know as they are at that moment, so a token never grants more than
its owner has now, and an offboarded owner's tokens are refused outright.

Errors are JSON: ``{"detail": "...", "errors": {"field": ["problem", ...]}}`` (``errors`` only
when input was refused). A case hidden from the caller and a case that does not exist give the
same 404 body, and no error repeats report content the caller did not send.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from . import access
from .crypto import keyed_hash
from .errors import DomainError
from .models import ApiToken

PREFIX = "stw_"
HINT_LENGTH = 12  # the prefix and 8 random characters: enough to tell tokens apart, useless to guess the rest
# `last_used_at` is written at most this often per token, so reading the API does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


class Scope(models.TextChoices):
    """What a token may be used for. Each endpoint requires exactly one."""

    REPORTS_SUBMIT = "reports:submit", gettext_lazy("Submit reports (a community tool collecting reports elsewhere)")
    REPORTS_FOLLOW_UP = "reports:follow-up", gettext_lazy("Follow a report up with its receipt code")
    CASES_READ = "cases:read", gettext_lazy("Read the case queue and cases as the token's owner")
    SCREENING = "registry:screen", gettext_lazy("Screen applicants against the registry as the token's owner (a screener)")


# Scopes that act as a staff member: the token must have an owner.
OWNER_SCOPES = frozenset({Scope.CASES_READ, Scope.SCREENING})


def secret_hash(secret: str) -> str:
    return keyed_hash(secret, purpose="api-token")


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def status_of(token: ApiToken, now: datetime | None = None) -> str:
    """"active", or why the token is refused: "revoked", "expired" or "owner_offboarded"."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    owner = token.owner if token.owner_id is not None else None
    if owner is not None and not (owner.is_active and owner.is_staff):
        return "owner_offboarded"
    return "active"


REFUSALS = {
    "revoked": gettext_lazy("This token was revoked."),
    "expired": gettext_lazy("This token has expired."),
    "owner_offboarded": gettext_lazy("The staff member this token acts for no longer has access."),
}


@dataclass(frozen=True)
class Credentials:
    """`request.auth` for an API request: the token row and the secret as presented (kept in memory only)."""

    token: ApiToken
    secret: str

    def has(self, scope: str) -> bool:
        return scope in self.token.scopes

    @property
    def client(self) -> str:
        """Who rate limits count: each token on its own."""
        return f"token-{self.token.pk}"


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer stw_...``. A request without the header is anonymous (and then refused
    by the scope check with 401); a header with a bad, revoked or expired token is refused with 401."""

    def authenticate(self, request: Request) -> tuple[User | AnonymousUser, Credentials] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        kind, _space, secret = header.partition(" ")
        secret = secret.strip()
        if kind.lower() != "bearer" or not secret:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        token = (ApiToken.objects.select_related("owner").filter(secret_hash=secret_hash(secret)).first()
                 if secret.startswith(PREFIX) and len(secret) < 100 else None)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        now = timezone.now()
        state = status_of(token, now)
        if state != "active":
            raise exceptions.AuthenticationFailed(str(REFUSALS[state]))
        ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY),
                                pk=token.pk).update(last_used_at=now)
        user: User | AnonymousUser = token.owner if token.owner is not None else AnonymousUser()
        return user, Credentials(token, secret)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="steward"'


class HasScope(BasePermission):
    """The token holds the scope the view names in `required_scope`. Without one, nothing is allowed."""

    message = gettext_lazy("This token does not have the scope this endpoint needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "required_scope", None)
        credentials = request.auth
        return scope is not None and isinstance(credentials, Credentials) and credentials.has(scope)


def credentials(request: Request) -> Credentials:
    """The credentials of a request that passed `HasScope`."""
    if not isinstance(request.auth, Credentials):
        raise exceptions.NotAuthenticated()
    return request.auth


# drf-spectacular marks itself typed but leaves the extension registry's __init_subclass__ unannotated.
class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the schema describes the token: an HTTP bearer token."""

    target_class = "steward.core.api.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A token an administrator created on /staff/api-tokens/ (shown once)."}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 429)}


def refused_input(errors: Mapping[str, Iterable[object]]) -> exceptions.ValidationError:
    """A 400 naming each field and its problems (a form's ``__all__`` errors become ``non_field_errors``)."""
    return exceptions.ValidationError({("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
                                       for name, messages in errors.items()})


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    return [str(value)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler with fixed messages where the default would repeat internals, and one error shape."""
    # Imported here: rest_framework.views loads the authentication classes, this module among them.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404 | access.Hidden):  # a hidden case answers exactly like a missing one
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied | access.Denied):
        exc = exceptions.PermissionDenied(_("The staff member this token acts for may not do this."))
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"non_field_errors": [str(exc.message)]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _("The request was refused; “errors” names each problem."),
                         "errors": {str(name): _messages(value) for name, value in data.items()}}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    else:
        response.data = {"detail": _("The request was refused.")}
    return response
