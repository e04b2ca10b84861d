import time
from collections.abc import Callable
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import access
from .mfa_setup import forget_pending_secret


class NoStoreMiddleware:
    """Pages of Steward may show report content: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class StaffOnlyMiddleware:
    """Accounts without staff access (learners who are contributors) reach no staff page: for them
    every URL under /staff/ answers 404, as if it did not exist, except signing out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (reverse("account_logout"), reverse("staff:logout"))
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (user.is_authenticated and not user.is_staff and request.path.startswith("/staff/")
                and request.path not in self.open_paths()):
            raise Http404
        return self.get_response(request)


# Session keys Steward keeps for signed-in staff.
SESSION_LOGIN_AT = "steward_login_at"
SESSION_LAST_SEEN = "steward_last_seen"
SESSION_MFA_ENROLLED = "steward_mfa_enrolled_user"
# Set when enrolling made recovery codes, until the staff member confirms they saved them.
SESSION_RECOVERY_CODES_UNSAVED = "steward_recovery_codes_unsaved"
# Activity is written to the session at most this often (seconds), not on every request.
LAST_SEEN_RESOLUTION = 60


def _remember_activity(request: HttpRequest, now: float) -> None:
    last = request.session.get(SESSION_LAST_SEEN)
    if not isinstance(last, (int, float)) or now - last >= LAST_SEEN_RESOLUTION:
        request.session[SESSION_LAST_SEEN] = now


class StaffSessionMiddleware:
    """Ends a signed-in session after STEWARD_IDLE_TIMEOUT_SECONDS without a request, and in
    any case SESSION_COOKIE_AGE seconds after signing in (the cookie itself ends with the browser)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_LOGIN_AT, now)
            last = session.get(SESSION_LAST_SEEN, now)
            idle = now - float(last) > settings.STEWARD_IDLE_TIMEOUT_SECONDS
            too_old = now - float(started) > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                logout(request)
                if idle:
                    messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
                else:
                    messages.info(request, _("Your session has ended. Please sign in again."))
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return HttpResponseRedirect(reverse(settings.LOGIN_URL))
            _remember_activity(request, now)
        return self.get_response(request)


def session_passed_second_factor(request: HttpRequest, user: Any) -> bool:
    """Whether this session proved a second factor: allauth recorded an MFA step at sign-in or
    re-authentication, or the person enrolled one in this session (which needs a valid code)."""
    records = get_authentication_records(request, user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    return request.session.get(SESSION_MFA_ENROLLED) == str(user.pk)


def signed_in_through_trusted_sso(request: HttpRequest, user: Any) -> bool:
    if not settings.STEWARD_OIDC_TRUST_MFA:
        return False
    return any(record.get("method") == "socialaccount" for record in get_authentication_records(request, user))


class StaffMFAMiddleware:
    """A second factor is mandatory for staff.

    Signed in without an activated authenticator (TOTP or a security key/passkey), a staff
    member may only use the second-factor pages, re-authentication and sign-out until they
    set one up: every other staff URL sends them to the setup page. Holding one, a session
    that has not proved it (it cannot happen through allauth's login, which asks for it) is
    sent to confirm it first. Having just set one up, they are kept on the recovery-codes
    page until they confirm they saved the codes. Public pages are not staff pages and stay open.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("mfa_index"),  # every second-factor page: setup, recovery codes, confirmation
                reverse("account_reauthenticate"),
                reverse("account_logout"),
                reverse("account_login"),
                reverse("staff:logout"),
                reverse("staff:login"),
                settings.STATIC_URL,
            )
        return self._open

    def gated(self, path: str) -> bool:
        return path.startswith("/staff/") and not path.startswith(self.open_paths())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return self.get_response(request)
        if self.gated(request.path):
            step = second_factor_step(request, user)
            if step == "set_up":
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            if step == "prove":
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_reauthenticate"))
            if step == "save_codes" and request.path != reverse("staff:recovery_codes_saved"):
                return HttpResponseRedirect(reverse("mfa_view_recovery_codes"))
            return self.get_response(request)
        enrolling = request.method == "POST" and request.path.startswith(self.open_paths()[0]) and not has_second_factor(user)
        response = self.get_response(request)
        if enrolling and has_second_factor(user):
            # Enrolling needed a valid code (or the key itself): that proves the factor for this session.
            request.session[SESSION_MFA_ENROLLED] = str(user.pk)
            forget_pending_secret(request)
            if Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
                request.session[SESSION_RECOVERY_CODES_UNSAVED] = str(user.pk)
        return response


def second_factor_step(request: HttpRequest, user: Any) -> str | None:
    """What a signed-in staff member must do before staff pages open: "set_up" a second factor,
    "prove" the one they hold in this session, "save_codes" (confirm the recovery codes), or None.
    Read once per request (the middleware and the navigation both ask)."""
    cached: dict[Any, str | None] = request.__dict__.setdefault("_steward_second_factor_step", {})
    if user.pk not in cached:
        cached[user.pk] = _second_factor_step(request, user)
    return cached[user.pk]


def _second_factor_step(request: HttpRequest, user: Any) -> str | None:
    if not has_second_factor(user):
        return None if signed_in_through_trusted_sso(request, user) else "set_up"
    if not session_passed_second_factor(request, user):
        return "prove"
    if request.session.get(SESSION_RECOVERY_CODES_UNSAVED) == str(user.pk):
        return "save_codes"
    return None


def has_second_factor(user: Any) -> bool:
    """An authenticator app or a security key/passkey (recovery codes alone are not one)."""
    found: bool = Authenticator.objects.filter(user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]).exists()
    return found


class AccessRefusalMiddleware:
    """Answers the access mechanism's refusals, raised anywhere in a view or the service it calls:
    `Hidden` exactly like a missing object (the 404 page, logged "Not Found"), `Denied` like any
    refusal (the 403 page listing what the staff member can use instead). Neither log line holds
    anything but the path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Raised again as Django's own exceptions, so Django's handlers render and log them as usual.
        if isinstance(exception, access.Hidden):
            raise Http404 from None
        if isinstance(exception, access.Denied):
            raise PermissionDenied from None
        return None
