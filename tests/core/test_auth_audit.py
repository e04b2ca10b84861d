"""Sign-ins, sign-outs, failures and second-factor changes are in the audit log, with the
address and never a password or a code."""

from __future__ import annotations

import re

from allauth.mfa.models import Authenticator
from django.test import Client

from steward.core.audit import verify
from steward.core.models import AuditEntry
from tests.conftest import PASSWORD, login, totp_code

from .auth_helpers import password_step, sign_in


def test_a_sign_in_is_audited_with_its_steps_and_address(triager):
    sign_in(Client(REMOTE_ADDR="198.51.100.4"), "tara")
    entry = AuditEntry.objects.get(action="staff.login")
    assert entry.actor_id == triager.pk
    assert entry.ip == "198.51.100.4"
    assert entry.detail == {"methods": ["password", "mfa"]}


def test_a_failed_password_is_audited_without_the_password(triager):
    password_step(Client(REMOTE_ADDR="203.0.113.9"), "tara", "hunter2 hunter2 hunter2")
    entry = AuditEntry.objects.get(action="staff.login_failed")
    assert entry.actor_id is None
    assert entry.actor_kind == "visitor"
    assert entry.object_id == str(triager.pk)
    assert entry.ip == "203.0.113.9"
    assert "hunter2" not in str(entry.detail)


def test_sign_out_is_audited(triager):
    client = login(triager)
    client.post("/staff/logout/")
    assert AuditEntry.objects.filter(action="staff.logout", actor_id=triager.pk).exists()


def test_removing_and_adding_factors_is_audited(triager, django_capture_on_commit_callbacks):
    client = login(triager)
    totp = Authenticator.objects.get(user=triager, type=Authenticator.Type.TOTP)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    removed = AuditEntry.objects.get(action="staff.mfa_removed")
    assert removed.actor_id == triager.pk
    assert removed.detail == {"type": "totp"}
    assert removed.ip == "127.0.0.1"

    page = client.get("/staff/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)
    code = totp_code(secret)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/staff/accounts/2fa/totp/activate/", {"code": code})
    added = AuditEntry.objects.filter(action="staff.mfa_added")
    assert sorted(entry.detail["type"] for entry in added) == ["recovery_codes", "totp"]  # codes come with the app
    for entry in AuditEntry.objects.all():
        assert code not in str(entry.detail) and secret not in str(entry.detail) and PASSWORD not in str(entry.detail)
    assert verify() == []
