"""A second factor is mandatory: staff without one can only set one up (or sign out)."""

from __future__ import annotations

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.test import Client

from steward.core import mfa_setup
from steward.core.roles import Role
from tests.cases.test_access_matrix import staff_routes
from tests.conftest import PASSWORD, login, make_staff, totp_code

from .auth_helpers import LOGIN, MFA_AUTHENTICATE, QUEUE, TOTP_ACTIVATE, audit_actions, password_step

RECOVERY_CODES = "/staff/accounts/2fa/recovery-codes/"
SAVED = "/staff/me/recovery-codes/saved/"


@pytest.fixture
def newcomer(db):
    return make_staff("nia", Role.TRIAGER, first_name="Nia", mfa=False)


def concrete(route: str) -> str:
    return "/" + route.replace("<int:case_id>", "1").replace("<int:report_id>", "1").replace(
        "<int:evidence_id>", "1").replace("<int:version_id>", "1").replace("<str:locale>", "de").replace(
        "<int:consultation_id>", "1").replace("<int:account_id>", "1").replace("<int:pk>", "1")


def test_without_a_second_factor_every_staff_url_leads_to_the_setup_page(newcomer):
    client = login(newcomer)
    routes = staff_routes()
    assert len(routes) > 10
    for route in routes:
        for method in ("get", "post"):
            response = getattr(client, method)(concrete(route))
            assert response.status_code == 302, (method, route)
            assert response["Location"] == TOTP_ACTIVATE, (method, route)


def test_signing_in_with_a_password_only_leads_to_the_setup_page(newcomer):
    client = Client()
    response = password_step(client, "nia")
    assert response.status_code == 302  # no second factor yet: allauth signs the password in
    assert client.get(QUEUE)["Location"] == TOTP_ACTIVATE
    page = client.get(TOTP_ACTIVATE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Set up your second factor" in text
    assert "<svg" in text  # the QR code is inline, so img-src 'self' does not block it
    assert "/staff/accounts/2fa/webauthn/add/" in text  # passkeys and security keys are offered too
    nav = text.split('<nav aria-label="Staff">', 1)[1].split("</nav>", 1)[0]
    assert 'href="/staff/cases/"' not in nav  # no page opens before the setup: the navigation offers none
    assert 'href="/staff/accounts/2fa/"' in nav


def test_setting_up_the_app_opens_staff_pages_and_offers_recovery_codes(newcomer, django_capture_on_commit_callbacks):
    client = Client()
    password_step(client, "nia")
    secret = shown_secret(client.get(TOTP_ACTIVATE))
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals the new factor on commit
        response = client.post(TOTP_ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.TOTP).exists()
    assert response["Location"] == RECOVERY_CODES
    codes = client.get(RECOVERY_CODES)
    assert codes.status_code == 200
    assert "I have saved my recovery codes — continue" in codes.content.decode()
    download = client.get("/staff/accounts/2fa/recovery-codes/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert len(download.content.decode().split()) == 10
    assert "staff.mfa_added" in audit_actions()
    assert client.get(QUEUE)["Location"] == RECOVERY_CODES  # not before the codes are saved
    saved = client.post(SAVED, follow=True)
    assert saved.redirect_chain[-1][0] == QUEUE  # the triager's landing page
    assert "Your second factor is set up and you are signed in." in saved.content.decode()
    assert client.get(QUEUE).status_code == 200
    again = client.get(RECOVERY_CODES).content.decode()  # later visits: no setup step any more
    assert "I have saved my recovery codes" not in again and "Back to sign-in security" in again


def test_no_success_message_before_the_second_factor_is_set_up(newcomer):
    client = Client()
    page = client.post(LOGIN, {"login": "nia", "password": PASSWORD}, follow=True)
    assert page.redirect_chain[-1][0] == TOTP_ACTIVATE
    text = page.content.decode()
    assert "Successfully signed in" not in text
    assert "Password accepted. Set up a second factor to finish signing in." in text


def test_with_a_second_factor_the_sign_in_message_stays(triager):
    client = Client()
    password_step(client, "tara")
    page = client.post(MFA_AUTHENTICATE, {"code": totp_code()}, follow=True)
    assert "Successfully signed in" in page.content.decode()


def shown_secret(page) -> str:
    found = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())
    assert found, "the setup page shows the secret"
    return found.group(1)


def test_the_secret_stays_the_same_across_reloads_so_a_scanned_code_still_works(newcomer, django_capture_on_commit_callbacks):
    client = Client()
    password_step(client, "nia")
    first = shown_secret(client.get(TOTP_ACTIVATE))
    assert shown_secret(client.get(TOTP_ACTIVATE)) == first  # reloaded after scanning
    assert first in client.get(TOTP_ACTIVATE).content.decode()  # the QR code's otpauth URL holds it too
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TOTP_ACTIVATE, {"code": totp_code(first)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.TOTP).exists()
    assert mfa_setup.SESSION_PENDING_TOTP not in client.session  # activated: the pending secret is gone


def test_a_wrong_code_keeps_the_secret_and_another_staff_member_gets_their_own(newcomer):
    client = Client()
    password_step(client, "nia")
    secret = shown_secret(client.get(TOTP_ACTIVATE))
    refused = client.post(TOTP_ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert refused.status_code == 200
    assert shown_secret(refused) == secret
    make_staff("omar", Role.TRIAGER, mfa=False)
    other = Client()
    password_step(other, "omar")
    assert shown_secret(other.get(TOTP_ACTIVATE)) != secret


def test_the_pending_secret_is_sealed_in_the_session_and_expires(newcomer, monkeypatch):
    client = Client()
    password_step(client, "nia")
    secret = shown_secret(client.get(TOTP_ACTIVATE))
    stored = Session.objects.get(session_key=client.session.session_key)
    assert secret not in stored.session_data
    assert secret not in json.dumps(stored.get_decoded())
    assert "mfa.totp.secret" not in stored.get_decoded()  # allauth's plain-text key is never written
    monkeypatch.setattr(mfa_setup, "PENDING_SECONDS", 0)
    assert shown_secret(client.get(TOTP_ACTIVATE)) != secret  # an abandoned setup starts again


def test_the_setup_page_sign_out_and_public_pages_stay_open(newcomer):
    client = login(newcomer)
    assert client.get(TOTP_ACTIVATE).status_code == 200
    assert client.get("/staff/accounts/2fa/").status_code == 200
    assert client.get("/report/").status_code == 200
    response = client.post("/staff/logout/")
    assert response.status_code == 302
    assert client.get(QUEUE)["Location"].startswith("/staff/login/")


def test_holding_a_factor_is_not_enough_the_session_must_have_used_it(triager):
    client = login(triager, second_factor=False)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/accounts/2fa/reauthenticate/?next=")
    assert client.post("/staff/accounts/2fa/reauthenticate/", {"code": totp_code()}).status_code == 302
    assert client.get(QUEUE).status_code == 200


def test_fixture_users_signed_in_through_both_steps_reach_staff_pages(triager):
    assert login(triager).get(QUEUE).status_code == 200


def test_accounts_that_are_not_staff_are_not_sent_to_setup(db):
    from django.contrib.auth.models import User

    member = User.objects.create_user("member", "member@example.org", PASSWORD)
    assert login(member).get(QUEUE).status_code == 404  # no staff page exists for an account without staff access
