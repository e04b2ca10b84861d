"""Signing in the way a person does: allauth's password step, then the second factor."""

from __future__ import annotations

from typing import Any

from django.test import Client

from steward.core.models import AuditEntry
from tests.conftest import PASSWORD, totp_code

LOGIN = "/staff/accounts/login/"
MFA_AUTHENTICATE = "/staff/accounts/2fa/authenticate/"
TOTP_ACTIVATE = "/staff/accounts/2fa/totp/activate/"
QUEUE = "/staff/cases/"


def password_step(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"login": username, "password": password}, **extra)


def sign_in(client: Client, username: str, password: str = PASSWORD, code: str | None = None) -> Any:
    """Both steps; returns the answer to the second one."""
    first = password_step(client, username, password)
    assert first.status_code == 302 and first["Location"] == MFA_AUTHENTICATE, first
    return client.post(MFA_AUTHENTICATE, {"code": code or totp_code()})


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
