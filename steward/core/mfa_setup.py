"""Setting up the authenticator app: one secret per setup, kept sealed until it is activated.

allauth makes a new TOTP secret on every display of the setup page and keeps it in the
session in plain text. Steward instead keeps the pending secret sealed (with the staff-secrets
data key, bound to the staff member) in the session, and shows the same one on every reload
until the app is activated or ``PENDING_SECONDS`` have passed, so a QR code scanned before a
reload still works. ``django_session`` never holds the secret readable.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import tink
from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django import forms
from django.http import HttpRequest

from . import crypto
from .models import DataKey

SESSION_PENDING_TOTP = "steward_totp_pending"
# How long one setup keeps its secret: long enough to find the phone, scan and type a code.
PENDING_SECONDS = 15 * 60


def _field(user: Any) -> str:
    return f"mfa.pending_totp:{user.pk}"


def pending_secret(request: HttpRequest, user: Any, *, now: float | None = None) -> str:
    """The secret of this staff member's setup in progress, made (and sealed) on first use."""
    now = time.time() if now is None else now
    held = request.session.get(SESSION_PENDING_TOTP)
    if isinstance(held, dict) and held.get("user") == user.pk and now - float(held.get("at", 0)) < PENDING_SECONDS:
        key = DataKey.objects.filter(pk=int(held.get("key") or 0)).first()
        if key is not None:
            try:
                kept = crypto.unseal(key, base64.b64decode(str(held.get("sealed", ""))), field=_field(user))
            except (tink.TinkError, crypto.KeyDestroyed, ValueError):
                kept = None  # tampered with, or its key is gone: start the setup again
            if kept:
                return kept
    secret: str = generate_totp_secret()
    key = crypto.shared_key(DataKey.Purpose.STAFF_SECRETS)
    request.session[SESSION_PENDING_TOTP] = {
        "user": user.pk, "at": now, "key": key.pk,
        "sealed": base64.b64encode(crypto.seal(key, secret, field=_field(user))).decode(),
    }
    return secret


def forget_pending_secret(request: HttpRequest) -> None:
    request.session.pop(SESSION_PENDING_TOTP, None)


class StaffActivateTOTPForm(ActivateTOTPForm):
    """allauth's activation form with the pending secret above instead of a fresh one per display."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)  # not ActivateTOTPForm's: it writes a plain secret to the session
        self.secret = pending_secret(context.request, self.user)

