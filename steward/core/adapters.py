"""How django-allauth treats Steward's staff accounts.

- Nobody signs up: administrators create staff accounts (``manage.py create_staff``).
- Single sign-on (OpenID Connect) only signs in people who already have an active staff
  account: the identity provider's *verified* address must match exactly one of them.
  Unknown people are refused and the refusal is audited; nobody is created. Apps register other
  audiences of accounts without staff access that it may sign in too (``steward.core.sso``:
  training's contributor learners), matched the same way and kept off every staff page.
- Signing in with a password alone, before a second factor is set up, does not say "signed in":
  the message says to set up a second factor, which every staff page waits for.
- A login counts as recent for allauth's own re-authentication checks (managing second
  factors) exactly as it does for Steward's sensitive actions (``steward.core.reauth``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import audit, mfa_secrets, navigation, sso
from .http import client_ip
from .middleware import has_second_factor, signed_in_through_trusted_sso
from .reauth import recently_authenticated


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        request = getattr(context, "request", None)
        if request is None:
            return True
        return not recently_authenticated(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            target = _staff_named(credentials.get("username", ""))
            audit.record(None, "staff.login_locked", target, ip=client_ip(request), keep_ip=True,
                         actor_kind="visitor", detail={"account_known": target is not None})
            raise

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        audience = sso.audience_of(request.user) if isinstance(request.user, User) else None
        if audience is not None:
            return audience.next_prefix  # a learner signed on: their own pages, never a staff one
        return navigation.landing_url(request.user)  # an administrator has no queue to land on

    def add_message(self, request: HttpRequest, level: int, message_template: str | None = None,
                    message_context: dict[str, Any] | None = None, extra_tags: str = "",
                    message: str | None = None) -> None:
        user = (message_context or {}).get("user")
        if message_template == "account/messages/logged_in.txt" and _second_factor_missing(request, user):
            # Not signed in yet as far as the person is concerned: no staff page opens before a second factor.
            level, message_template = messages.WARNING, None
            message = _("Password accepted. Set up a second factor to finish signing in.")
        super().add_message(request, level, message_template, message_context, extra_tags, message)


class StaffSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.account.provider
        started_by = sso.audience_for_next(sociallogin.state.get("next"))
        if sociallogin.is_existing:
            user = sociallogin.user
            if not (user.is_active and (user.is_staff or sso.audience_of(user) is not None)):
                _refuse(request, provider, "inactive", started_by)
            return
        user = staff_for_verified_addresses(sociallogin)
        if user is not None:
            sociallogin.connect(request, user)
            audit.record(user, "staff.sso_connected", user, ip=client_ip(request), detail={"provider": provider})
            return
        addresses = verified_addresses(sociallogin)
        for audience in sso.audiences():
            account = audience.find(addresses) if addresses else None
            if account is not None and account.is_active and not account.is_staff:
                sociallogin.connect(request, account)
                audience.connected(account, client_ip(request))
                return
        _refuse(request, provider, "unknown", started_by)


def verified_addresses(sociallogin: SocialLogin) -> set[str]:
    """The addresses the identity provider vouches for, lower-cased."""
    return {address.email.lower() for address in sociallogin.email_addresses if address.verified and address.email}


def staff_for_verified_addresses(sociallogin: SocialLogin) -> User | None:
    """The one active staff member whose address the identity provider vouches for."""
    addresses = verified_addresses(sociallogin)
    if not addresses:
        return None
    query = Q()
    for address in addresses:
        query |= Q(email__iexact=address)
        query |= Q(emailaddress__email__iexact=address, emailaddress__verified=True)
    matches = list(User.objects.filter(query, is_active=True, is_staff=True).distinct()[:2])
    return matches[0] if len(matches) == 1 else None


def _second_factor_missing(request: HttpRequest, user: Any) -> bool:
    return (isinstance(user, User) and user.is_staff and not has_second_factor(user)
            and not signed_in_through_trusted_sso(request, user))


def _staff_named(username: str) -> User | None:
    if not username:
        return None
    return User.objects.filter(username__iexact=username[:150], is_staff=True).first()


def _refuse(request: HttpRequest, provider: str, reason: str, started_by: sso.Audience | None = None) -> None:
    detail = {"provider": provider, "reason": reason} | ({"from": started_by.name} if started_by else {})
    audit.record(None, "staff.sso_refused", ip=client_ip(request), keep_ip=True, actor_kind="visitor", detail=detail)
    if started_by is not None:  # started from that audience's own sign-in page: back there, in its words
        messages.error(request, started_by.refused_message)
        raise ImmediateHttpResponse(HttpResponseRedirect(started_by.sign_in_url()))
    messages.error(request, _("Single sign-on worked, but no active Steward staff account matches that identity. "
                              "Ask an administrator to create your account with the address your organisation "
                              "account uses."))
    raise ImmediateHttpResponse(HttpResponseRedirect(reverse("account_login")))


class StaffMFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets (the TOTP seed, recovery-code seed) are sealed like report content,
    so a database dump cannot be used to mint sign-in codes; see `steward.core.mfa_secrets` for
    how each is bound to the account and kind of its authenticator."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.pending(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.open_secret(encrypted_text)
