"""Signed, single-use links for people who have no account: a reported person answering a proposed
decision or appealing one, through the link in the email they were sent.

A link carries its purpose, the id of what it is about and a random nonce, signed with the
project's secret key (Django's signing, salted per purpose), so it cannot be forged, altered or
moved to another purpose. It is single-use: `redeem` records its nonce in the same transaction
as what it was used for, so a second use, even at the same moment, is refused. Its age is
checked against `max_age`; rules such as an appeal window are the caller's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import UsedLink

SALT = "steward.links."


class LinkRefused(DomainError):
    """The link is not one Steward made for this, is too old, or was used already; the message says which."""


TAMPERED = _("This link is not valid. Use the link from your email exactly as it was sent.")
EXPIRED = _("This link has expired.")
USED = _("This link was already used. Each link can be used once.")


@dataclass(frozen=True)
class Link:
    purpose: str
    subject: int
    nonce: str


def issue(purpose: str, subject: int) -> str:
    """A new link token for `purpose` about `subject` (an id); put it in a URL path."""
    return signing.dumps({"s": subject, "n": secrets.token_hex(16)}, salt=SALT + purpose, compress=True)


def path(purpose: str, token: str) -> str:
    """Where a link leads: every purpose has its page at /l/<purpose>/<token>/, which the app that
    owns the purpose routes (so an email can be written before that app is asked)."""
    return f"/l/{purpose}/{token}/"


def absolute_url(purpose: str, token: str) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + path(purpose, token)


def peek(token: str, purpose: str, *, max_age: int) -> Link:
    """What a link is about, without using it (for showing its page). Raises LinkRefused."""
    try:
        data = signing.loads(token, salt=SALT + purpose, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused(EXPIRED) from None
    except signing.BadSignature:
        raise LinkRefused(TAMPERED) from None
    if not (isinstance(data, dict) and isinstance(data.get("s"), int) and isinstance(data.get("n"), str)):
        raise LinkRefused(TAMPERED)
    link = Link(purpose=purpose, subject=data["s"], nonce=data["n"])
    if UsedLink.objects.filter(purpose=purpose, nonce=link.nonce).exists():
        raise LinkRefused(USED)
    return link


def redeem(token: str, purpose: str, *, max_age: int) -> Link:
    """Use a link, inside the caller's transaction: a second use raises LinkRefused (USED)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("links.redeem() runs inside the transaction of what the link is used for.")
    link = peek(token, purpose, max_age=max_age)
    try:
        with transaction.atomic():  # a savepoint: a lost race must not abort the caller's transaction
            UsedLink.objects.create(purpose=purpose, nonce=link.nonce)
    except IntegrityError:
        raise LinkRefused(USED) from None
    return link
