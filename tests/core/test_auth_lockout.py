"""Repeated failures lock an account out (allauth's rate limits, in the shared cache)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from steward.core.models import AuditEntry
from tests.conftest import PASSWORD, totp_code

from .auth_helpers import MFA_AUTHENTICATE, password_step


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(triager):
    assert settings.STEWARD_LOGIN_FAILURES == 5
    client = Client()
    for _ in range(5):
        assert password_step(client, "tara", "wrong password, wrong").status_code == 200
    response = password_step(client, "tara", PASSWORD)
    assert response.status_code == 200  # the form again, not the second step
    assert "Too many failed login attempts" in response.content.decode()
    # Another address cannot get in either: the limit is on the account.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert password_step(other, "tara", PASSWORD).status_code == 200

    failed = AuditEntry.objects.filter(action="staff.login_failed")
    assert failed.count() == 5
    assert {entry.ip for entry in failed} == {"127.0.0.1"}
    assert all(entry.object_id == str(triager.pk) for entry in failed)
    locked = AuditEntry.objects.filter(action="staff.login_locked")
    assert locked.count() == 2
    assert {entry.ip for entry in locked} == {"127.0.0.1", "192.0.2.7"}
    for entry in AuditEntry.objects.all():
        assert PASSWORD not in str(entry.detail) and "wrong password" not in str(entry.detail)


def test_four_failures_then_the_right_password_still_signs_in(triager):
    client = Client()
    for _ in range(4):
        password_step(client, "tara", "wrong password, wrong")
    assert password_step(client, "tara", PASSWORD)["Location"] == MFA_AUTHENTICATE
    assert client.post(MFA_AUTHENTICATE, {"code": totp_code()}).status_code == 302


def test_wrong_codes_count_towards_the_lock_out(triager):
    for _ in range(5):
        client = Client()
        password_step(client, "tara")
        assert client.post(MFA_AUTHENTICATE, {"code": "000000" if totp_code() != "000000" else "111111"}).status_code == 200
    client = Client()
    password_step(client, "tara")
    response = client.post(MFA_AUTHENTICATE, {"code": totp_code()})
    assert response.status_code == 200  # even the right code is refused now
    assert client.get("/staff/cases/").status_code == 302


def test_unknown_usernames_are_audited_without_the_name(db):
    password_step(Client(), "nobody-here", "whatever it is")
    entry = AuditEntry.objects.get(action="staff.login_failed")
    assert entry.object_id == ""
    assert entry.detail == {"account_known": False}
    assert entry.ip == "127.0.0.1"
