"""Re-authentication before sensitive staff actions (deciding, exporting, erasing).

`sensitive_action` wraps a staff view: the view runs only when the staff member
proved who they are within the last ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds
(env ``STEWARD_REAUTH_SECONDS``, default 300), either by logging in or by
re-authenticating. Otherwise the request is suspended with allauth's
re-authentication machinery: the person is sent to allauth's re-authentication page
(password first, their second factor or passkey as alternatives) and, once they
have confirmed, a suspended POST is replayed so they do not have to fill the form
again. Nothing the view would have changed is changed before that.

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

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


def reauth_window() -> int:
    return int(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


def last_authenticated_at(request: HttpRequest) -> float | None:
    """When this session last logged in or re-authenticated (any factor), as a Unix time."""
    user = request.user
    if not user.is_authenticated:
        return None
    records = get_authentication_records(request, user)  # type: ignore[arg-type]
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

        wrapper.steward_sensitive_action = True  # type: ignore[attr-defined]
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
    return suspend_request(request, methods[0]["url"])
