"""Re-authentication before sensitive staff actions (deciding, exporting, erasing, offboarding).

`sensitive_action` wraps a staff view: the view runs only when the staff member
proved who they are within the last ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds
(env ``STEWARD_REAUTH_SECONDS``, default 300), either by logging in or by
re-authenticating. Otherwise the person is sent to allauth's re-authentication page
(password first, their second factor or passkey as alternatives) and nothing the
view would have changed is changed.

A submitted form is *not* suspended: allauth's own suspension keeps the whole POST
(decision rationale, reporter summary, export look-ups…) in the session table, in
the clear. Steward keeps nothing of it. The session only remembers that a form was
refused, so that once the staff member has confirmed it is them they are back on the
page they came from (the form itself, or the page holding it) with a message asking
them to submit it again.

Use it inside ``login_required``::

    @login_required
    @sensitive_action
    def export_case(request, pk): ...
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

# Set when a submitted form was refused for want of a recent sign-in; holds no form data.
RESUBMIT_SESSION_KEY = "steward_reauth_resubmit"


def reauth_window() -> int:
    return int(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


def last_authenticated_at(request: HttpRequest) -> float | None:
    """When this session last logged in or re-authenticated (any factor), as a Unix time."""
    user = request.user
    if not user.is_authenticated:
        return None
    records = get_authentication_records(request, user)
    times = [float(record["at"]) for record in records if isinstance(record, dict) and "at" in record]
    return max(times) if times else None


def recently_authenticated(request: HttpRequest) -> bool:
    at = last_authenticated_at(request)
    return at is not None and time.time() - at < reauth_window()


def sensitive_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a recent (re-)authentication before the wrapped staff view runs."""
    return sensitive_when(lambda request: True)(view)


def sensitive_when(applies: Callable[[HttpRequest], bool]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like `sensitive_action`, for a view that is sensitive only for some requests, e.g. a
    status change whose target is "decided": ``@sensitive_when(lambda r: r.POST.get("to") == "decided")``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not applies(request):
                return view(request, *args, **kwargs)
            return _require_recent_authentication(request, view, *args, **kwargs)

        setattr(wrapper, "steward_sensitive_action", True)  # noqa: B010  (a mark on the view function)
        return wrapper

    return decorator


def _require_recent_authentication(request: HttpRequest, view: Callable[..., HttpResponse], *args: Any,
                               **kwargs: Any) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if recently_authenticated(request):
        return view(request, *args, **kwargs)
    methods = get_adapter().get_reauthentication_methods(request.user)
    if not methods:
        # No way to prove identity again in this session (no password, no
        # authenticator): only a fresh login will do.
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        back = request.get_full_path()
    else:
        back = _page_of_the_form(request)
        request.session[RESUBMIT_SESSION_KEY] = True
        messages.info(request, _("Confirm it is you first. What you entered was not kept: you will be asked to "
                                 "submit the form again."))
    return HttpResponseRedirect(f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: back})}")


def _page_of_the_form(request: HttpRequest) -> str:
    """Where the refused form was: the page that posted it (same site only), else the URL it posted to."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def on_authentication_step(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """After a re-authentication that followed a refused form, ask for the form again."""
    if kwargs.get("reauthenticated") and request.session.pop(RESUBMIT_SESSION_KEY, False):
        messages.info(request, _("Thank you, you confirmed it is you. Nothing was saved yet: submit the form again."))
