"""Learners without a staff account sign in with a code or a link sent by email (issue 12).

/learn/sign-in/ asks for an address. When it is an active contributor learner's (not a staff
member's: they sign in as staff, with their second factor), the outbox emails a 6-digit code and
a single-use link (`core.links` purpose "learn", /l/learn/<token>/). The page answers the same
whatever the address, so it tells nobody who is a learner.

Nothing secret is stored. A request makes a random `challenge`, kept in the visitor's session
(server-side) and in the outbox message; the code is derived from it with the server's index key
(`crypto.keyed_hash`), so neither the database nor the session alone yields the code. The pending
sign-in (`Pending`) counts the wrong codes (STEWARD_TRAINING_SIGN_IN_TRIES, then it is gone),
expires after STEWARD_TRAINING_SIGN_IN_MINUTES, and is used once: its challenge is recorded as a
used link nonce in the sign-in's transaction, as the link's own nonce is when the link is used.

Why not django-allauth's login by code: in Steward allauth's account flows are the staff's. Its
adapter, rate limits, re-authentication and the mandatory second factor are set up for staff, and
turning on `ACCOUNT_LOGIN_BY_CODE_ENABLED` would offer the code on the staff sign-in page too,
letting a staff account in without its password. Its code also lives in the session only, with
no emailed link. This small flow keeps learners apart: it signs in only accounts that are not
staff, with Django's ModelBackend, and the learner gate keeps such a session off staff pages.

Single sign-on: when Steward's OpenID Connect provider is configured (STEWARD_OIDC_*), the
sign-in page also offers it. The provider's verified address must be that of exactly one active
contributor learner (`learner_for_addresses`); the account is connected and signed in, nobody is
created, and a refusal comes back to /learn/sign-in/ (`steward.core.sso`, registered in
`register_single_sign_on`). A staff member's address signs them in as staff, second factor included.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.core import audit, links, outbox, sso
from steward.core.actors import SystemActor
from steward.core.crypto import keyed_hash
from steward.core.errors import DomainError
from steward.core.models import UsedLink

from .assign_messages import LearnerSignInCode
from .models import Learner

LINK_PURPOSE = "learn"
CODE_PURPOSE = "learn-code"  # the used challenges, beside the used links
SIGN_IN = SystemActor("learner sign-in", kind="reporter")

LEARN_HOME = "/learn/"  # where a learner lands after signing in, by a code, a link or single sign-on


class SignInRefused(DomainError):
    """A code or link that signs nobody in; `final` when the pending sign-in is gone (ask again)."""

    def __init__(self, message: object, *, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


@dataclass(frozen=True)
class Pending:
    """A sign-in asked for, as the session keeps it. `learner` is None when the address was not
    a learner's: the code page behaves the same, and no code is ever right."""

    challenge: str
    learner: int | None
    asked_at: float  # a timestamp
    wrong: int = 0

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: object) -> Pending | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(challenge=str(data["challenge"]), learner=data["learner"], asked_at=float(data["asked_at"]),
                       wrong=int(data["wrong"]))
        except (KeyError, TypeError, ValueError):
            return None


def code_for(challenge: str) -> str:
    """The 6-digit code of a challenge (the email shows it; the code page checks it)."""
    return f"{int(keyed_hash(challenge, purpose='training.sign_in_code')[:15], 16) % 1_000_000:06d}"


def _minutes() -> int:
    return int(settings.STEWARD_TRAINING_SIGN_IN_MINUTES)


def link_max_age() -> int:
    return _minutes() * 60


def learner_for_address(email: str) -> Learner | None:
    """The active contributor learner with this address (staff members are never one here)."""
    email = email.strip()
    if not email or len(email) > 254:
        return None
    return (Learner.objects.select_related("user")
            .filter(user__email__iexact=email, user__is_active=True, user__is_staff=False,
                    kind=Learner.Kind.CONTRIBUTOR)
            .order_by("pk").first())


@transaction.atomic
def ask_for_code(email: str) -> Pending:
    """Start a sign-in for `email`; emails the code and link when the address is a learner's.

    Returns the pending sign-in for the session whatever the address (no enumeration)."""
    learner = learner_for_address(email)
    challenge = secrets.token_urlsafe(24)
    if learner is not None:
        outbox.send(LearnerSignInCode(learner=learner.pk, challenge=challenge), key=f"training.sign_in.{challenge}")
        audit.record(SIGN_IN, "training.sign_in_asked", learner)
    return Pending(challenge=challenge, learner=learner.pk if learner else None, asked_at=timezone.now().timestamp())


def _usable_user(learner_id: int | None) -> User | None:
    learner = Learner.objects.select_related("user").filter(pk=learner_id).first() if learner_id else None
    if learner is None or learner.kind != Learner.Kind.CONTRIBUTOR:
        return None
    user = learner.user
    return user if user.is_active and not user.is_staff else None


def _use_once(purpose: str, nonce: str) -> None:
    try:
        with transaction.atomic():
            UsedLink.objects.create(purpose=purpose, nonce=nonce[:64])
    except IntegrityError:
        raise SignInRefused(_("This code was already used. Ask for a new one."), final=True) from None


@transaction.atomic
def check_code(pending: Pending | None, code: str, *, ip: str | None = None) -> User:
    """Check a code typed on the code page: the user to sign in (the pending sign-in is then used up).
    A wrong code raises WrongCode, whose `pending` the session keeps (one more wrong code counted);
    an expired, used-up or last wrong code raises SignInRefused(final=True)."""
    if pending is None:
        raise SignInRefused(_("Ask for a sign-in code first."), final=True)
    age = timezone.now().timestamp() - pending.asked_at
    if age > _minutes() * 60 or age < 0:
        raise SignInRefused(_("This code has expired. Ask for a new one."), final=True)
    code = "".join(code.split())
    user = _usable_user(pending.learner)
    if user is None or not hmac.compare_digest(code.encode(), code_for(pending.challenge).encode()):
        wrong = pending.wrong + 1
        left = int(settings.STEWARD_TRAINING_SIGN_IN_TRIES) - wrong
        if left <= 0:
            raise SignInRefused(_("That code is not right, and that was the last try. Ask for a new code."),
                                final=True)
        raise WrongCode(_("That code is not right. You can try %(count)d more time(s).") % {"count": left},
                        pending=Pending(pending.challenge, pending.learner, pending.asked_at, wrong))
    _use_once(CODE_PURPOSE, pending.challenge)
    audit.record(user, "training.sign_in", user.learner, ip=ip, detail={"by": "code"})
    return user


class WrongCode(SignInRefused):
    """A wrong code with tries left: the session keeps `pending` (one more wrong code counted)."""

    def __init__(self, message: object, *, pending: Pending) -> None:
        super().__init__(message)
        self.pending = pending


def peek_link(token: str) -> Learner:
    """The learner a sign-in link is for, without using it (the page asks to confirm, so that a
    mail scanner opening the link signs nobody in). Raises links.LinkRefused or SignInRefused."""
    link = links.peek(token, LINK_PURPOSE, max_age=link_max_age())
    user = _usable_user(link.subject)
    if user is None:
        raise SignInRefused(_("This link cannot sign anyone in. Ask for a new code."), final=True)
    return user.learner


@transaction.atomic
def use_link(token: str, *, ip: str | None = None) -> User:
    """Use a sign-in link (once). Raises links.LinkRefused or SignInRefused."""
    link = links.redeem(token, LINK_PURPOSE, max_age=link_max_age())
    user = _usable_user(link.subject)
    if user is None:
        raise SignInRefused(_("This link cannot sign anyone in. Ask for a new code."), final=True)
    audit.record(user, "training.sign_in", user.learner, ip=ip, detail={"by": "link"})
    return user


def expires_at(pending: Pending) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(pending.asked_at, tz=datetime.UTC) + datetime.timedelta(minutes=_minutes())


def learner_for_addresses(addresses: Collection[str]) -> User | None:
    """The account of the one active contributor learner whose address the identity provider
    verified (none when no learner, or more than one, has one of them)."""
    wanted = {address.strip().lower() for address in addresses if address and len(address) <= 254}
    if not wanted:
        return None
    users = list(User.objects.annotate(email_lower=Lower("email"))
                 .filter(email_lower__in=wanted, is_active=True, is_staff=False,
                         learner__kind=Learner.Kind.CONTRIBUTOR).distinct()[:2])
    return users[0] if len(users) == 1 else None


def may_sign_on(user: User) -> bool:
    """Whether an account already connected to the identity provider still signs in as a learner."""
    return (user.is_active and not user.is_staff
            and Learner.objects.filter(user=user, kind=Learner.Kind.CONTRIBUTOR).exists())


def _connected(user: User, ip: str | None) -> None:
    audit.record(user, "training.sso_connected", user.learner, ip=ip)


def _signed_on(user: User, ip: str | None) -> None:
    audit.record(user, "training.sign_in", user.learner, ip=ip, detail={"by": "sso"})


def register_single_sign_on() -> None:
    sso.register(sso.Audience(
        name="training", next_prefix=LEARN_HOME, sign_in_url=lambda: reverse("learn:sign_in"),
        refused_message=gettext_lazy("Single sign-on worked, but no learner in Steward has that identity's address. "
                                     "Ask your training coordinator to add you with the address your account uses, "
                                     "or have a sign-in code sent to you below."),
        find=learner_for_addresses, accepts=may_sign_on, connected=_connected, signed_in=_signed_on))
