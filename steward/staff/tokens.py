"""API tokens: administrators create them (shown once, stored as a keyed hash) and revoke them.

Both actions check that the actor may manage tokens, validate, write and audit in one
transaction. The pages ask for a recent sign-in before creating one. A token that acts for a
staff member other than its creator is shown to nobody at creation: its owner collects it
(`collect_api_token`, shown once to them), so an administrator cannot read cases as someone
else, and every read through it is theirs in the audit log. Whether a token still
works is decided at each use (`core.api.status_of` and the services' own checks on its owner),
so offboarding or a role change needs nothing from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, api, audit
from steward.core.models import ApiToken

from .permissions import StaffAction
from .services import StaffError, display_name

NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class TokenRow:
    """One token as the administrators' list shows it."""

    token: ApiToken
    status: str
    scopes: list[str]


def api_tokens(*, by: User) -> list[TokenRow]:
    access.require(by, StaffAction.MANAGE_API_TOKENS)
    labels = dict(api.Scope.choices)
    now = timezone.now()
    return [TokenRow(token, api.status_of(token, now), [str(labels.get(scope, scope)) for scope in token.scopes])
            for token in ApiToken.objects.select_related("owner", "created_by", "revoked_by")]


@transaction.atomic
def create_api_token(*, by: User, name: str, scopes: Iterable[str], owner: User | None = None,
                     expires_at: datetime | None = None, ip: str | None = None) -> tuple[ApiToken, str | None]:
    """A new token and its secret. The secret is returned once and never stored or logged; for a token
    acting for someone else it is None, and the owner collects it."""
    access.require(by, StaffAction.MANAGE_API_TOKENS)
    name = " ".join(name.split())
    if not name:
        raise StaffError("name", _("Name the token after the tool that will use it."))
    if len(name) > NAME_MAX_LENGTH:
        raise StaffError("name", _("The name is longer than %(limit)s characters.") % {"limit": NAME_MAX_LENGTH})
    chosen = sorted(set(scopes))
    if not chosen:
        raise StaffError("scopes", _("Choose at least one scope."))
    unknown = [scope for scope in chosen if scope not in api.Scope.values]
    if unknown:
        raise StaffError("scopes", _("“%(scope)s” is not a token scope.") % {"scope": unknown[0]})
    if owner is None and api.OWNER_SCOPES & set(chosen):
        raise StaffError("owner", _("A token that reads cases acts for one staff member: choose who."))
    if owner is not None:
        if not (owner.is_active and owner.is_staff):
            raise StaffError("owner", _("%(name)s is not an active staff member.") % {"name": display_name(owner)})
        if api.Scope.CASES_READ in chosen and not access.can(owner, "queue"):
            raise StaffError("owner", _("%(name)s has no role that opens the case queue.") % {"name": display_name(owner)})
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise StaffError("expires_on", _("The expiry date has passed: choose a later one, or none."))
    secret = api.new_secret() if owner is None or owner.pk == by.pk else None
    token = ApiToken.objects.create(name=name, hint=secret[:api.HINT_LENGTH] if secret else "",
                                    secret_hash=api.secret_hash(secret) if secret else None,
                                    scopes=chosen, owner=owner, created_by=by, created_at=now, expires_at=expires_at)
    audit.record(by, "api_token.create", token, ip=ip, detail={
        "scopes": chosen, "owner": owner.pk if owner else None,
        "expires_at": expires_at.isoformat() if expires_at else None})
    return token, secret


def my_api_tokens(*, by: User) -> list[TokenRow]:
    """The tokens acting for this staff member, to collect or check."""
    labels = dict(api.Scope.choices)
    now = timezone.now()
    return [TokenRow(token, api.status_of(token, now), [str(labels.get(scope, scope)) for scope in token.scopes])
            for token in ApiToken.objects.filter(owner_id=by.pk).select_related("owner", "created_by", "revoked_by")]


@transaction.atomic
def collect_api_token(token_id: int, *, by: User, ip: str | None = None) -> tuple[ApiToken, str]:
    """The owner takes the secret of a token made for them: shown to them once. Anyone else's token
    answers as one that does not exist."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, owner_id=by.pk).first()
    if token is None or not (by.is_active and by.is_staff):
        raise access.Hidden("collect_api_token")
    if token.secret_hash is not None:
        raise StaffError("token", _("This token was already collected. If it is lost, ask an administrator to revoke it "
                                    "and create another."))
    if api.status_of(token) != "active":
        raise StaffError("token", _("This token no longer works: it was revoked or has expired."))
    secret = api.new_secret()
    token.hint, token.secret_hash = secret[:api.HINT_LENGTH], api.secret_hash(secret)
    token.save(update_fields=["hint", "secret_hash"])
    audit.record(by, "api_token.collect", token, ip=ip)
    return token, secret


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: User, ip: str | None = None) -> ApiToken:
    """The token stops working with its next request."""
    access.require(by, StaffAction.MANAGE_API_TOKENS)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise StaffError("token", _("The token “%(name)s” was already revoked.") % {"name": token.name})
    token.revoked_at, token.revoked_by = timezone.now(), by
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(by, "api_token.revoke", token, ip=ip)
    return token
