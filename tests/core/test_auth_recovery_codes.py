"""Recovery codes stand in for a lost authenticator, each exactly once."""

from __future__ import annotations

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from .auth_helpers import MFA_AUTHENTICATE, QUEUE, audit_actions, password_step


def test_a_recovery_code_signs_in_once(triager):
    code = RecoveryCodes.activate(triager).get_unused_codes()[0]

    first = Client()
    password_step(first, "tara")
    response = first.post(MFA_AUTHENTICATE, {"code": code})
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert first.get(QUEUE).status_code == 200

    second = Client()
    password_step(second, "tara")
    response = second.post(MFA_AUTHENTICATE, {"code": code})
    assert response.status_code == 200  # the same code is refused the second time
    assert second.get(QUEUE).status_code == 302
    assert "staff.mfa_failed" in audit_actions()


def test_another_recovery_code_still_works(triager):
    codes = RecoveryCodes.activate(triager).get_unused_codes()
    for code in codes[:2]:
        client = Client()
        password_step(client, "tara")
        assert client.post(MFA_AUTHENTICATE, {"code": code})["Location"] == QUEUE
    assert len(RecoveryCodes(RecoveryCodes.activate(triager).instance).get_unused_codes()) >= 8
