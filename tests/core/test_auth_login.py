"""Staff sign in with django-allauth: username and password, then the second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from steward.core.models import AuditEntry
from tests.conftest import totp_code

from .auth_helpers import LOGIN, MFA_AUTHENTICATE, QUEUE, password_step, sign_in


def test_the_old_sign_in_address_forwards_to_allauth(db):
    response = Client().get("/staff/login/?next=/staff/cases/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/staff/cases/"
    assert reverse("staff:login") == "/staff/login/"


def test_staff_pages_send_visitors_to_sign_in(db):
    response = Client().get(QUEUE, follow=True)
    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=%2Fstaff%2Fcases%2F"
    page = response.content.decode()
    assert "Staff sign-in" in page
    assert "sign up" not in page.lower()


def test_a_password_alone_does_not_sign_in(triager):
    client = Client()
    response = password_step(client, "tara")
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE
    # Not signed in yet: staff pages still send the visitor to sign in.
    assert client.get(QUEUE)["Location"].startswith("/staff/login/")
    prompt = client.get(MFA_AUTHENTICATE)
    assert prompt.status_code == 200
    assert 'name="code"' in prompt.content.decode()


def test_password_and_authenticator_code_sign_in(triager):
    client = Client()
    response = sign_in(client, "tara")
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_wrong_code_is_refused_and_audited(triager):
    client = Client()
    password_step(client, "tara")
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post(MFA_AUTHENTICATE, {"code": wrong})
    assert response.status_code == 200
    assert client.get(QUEUE).status_code == 302
    entry = AuditEntry.objects.get(action="staff.mfa_failed")
    assert entry.object_id == str(triager.pk)
    assert entry.ip == "127.0.0.1"
    assert wrong not in str(entry.detail)


def test_a_wrong_password_does_not_reach_the_second_step(triager):
    client = Client()
    response = password_step(client, "tara", "not the password at all")
    assert response.status_code == 200
    assert client.get(MFA_AUTHENTICATE).status_code == 302  # no pending login to finish


def test_nobody_can_sign_up(db):
    response = Client().get("/staff/accounts/signup/")
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()
    response = Client().post("/staff/accounts/signup/", {"username": "mallory", "email": "m@example.org",
                                                         "password1": "a long enough password 123",
                                                         "password2": "a long enough password 123"})
    from django.contrib.auth.models import User

    assert not User.objects.filter(username="mallory").exists()


def test_passwords_are_hashed_with_argon2(triager, settings):
    from steward import settings as steward_settings

    settings.PASSWORD_HASHERS = steward_settings.PASSWORD_HASHERS  # the tests' conftest uses a fast hasher
    triager.set_password("another password for argon 1")
    assert triager.password.startswith("argon2")


@pytest.mark.parametrize("path", [LOGIN, MFA_AUTHENTICATE])
def test_sign_in_pages_load_scripts_only_from_files(triager, path):
    client = Client()
    if path == MFA_AUTHENTICATE:
        password_step(client, "tara")
    response = client.get(path)
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    # Every <script> either loads a static file or is a JSON data block (never executed).
    import re

    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert " onclick=" not in page and " style=" not in page
