"""Audit staff sign-ins, failures, lock-outs and second-factor changes (never a password or a code).

Connected in ``CoreConfig.ready()``. Failed attempts keep the client address even though
nobody is signed in: they are attacks on staff accounts, not reporters.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.signals import authentication_step_completed, user_logged_in
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.http import HttpRequest

from . import audit, sso
from .http import client_ip
from .middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
from .reauth import on_authentication_step


def _methods(request: HttpRequest, user: User) -> list[str]:
    return [str(record.get("method", "")) for record in get_authentication_records(request, user)]


def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = time.time()
    request.session[SESSION_LOGIN_AT] = request.session[SESSION_LAST_SEEN] = now
    audience = sso.audience_of(user)
    if audience is not None:  # an account without staff access (a learner) signed on: its app audits it
        audience.signed_in(user, client_ip(request))
        return
    audit.record(user, "staff.login", user, ip=client_ip(request), detail={"methods": _methods(request, user)})


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is None:
        return
    username = str(credentials.get("username") or "")[:150]
    target = User.objects.filter(username__iexact=username, is_staff=True).first() if username else None
    audit.record(None, "staff.login_failed", target, ip=client_ip(request), keep_ip=True, actor_kind="visitor",
                 detail={"account_known": target is not None})


def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if request is not None and user is not None:
        audit.record(user, "staff.logout", user, ip=client_ip(request))


def on_mfa_failed(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
    audit.record(None, "staff.mfa_failed", user, ip=client_ip(request), keep_ip=True, actor_kind="visitor",
                 detail={"type": authenticator.type, "reauthentication": bool(kwargs.get("reauthentication"))})


def _mfa_change(action: str) -> Any:
    def receiver(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
        audit.record(user, action, user, ip=client_ip(request), detail={"type": authenticator.type})

    return receiver


on_mfa_added = _mfa_change("staff.mfa_added")
on_mfa_removed = _mfa_change("staff.mfa_removed")
on_mfa_reset = _mfa_change("staff.mfa_recovery_codes_regenerated")


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="steward_staff_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="steward_staff_login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="steward_staff_logout")
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="steward_mfa_failed")
    mfa_signals.authenticator_added.connect(on_mfa_added, dispatch_uid="steward_mfa_added")
    mfa_signals.authenticator_removed.connect(on_mfa_removed, dispatch_uid="steward_mfa_removed")
    mfa_signals.authenticator_reset.connect(on_mfa_reset, dispatch_uid="steward_mfa_reset")
    authentication_step_completed.connect(on_authentication_step, dispatch_uid="steward_reauth_resubmit")
