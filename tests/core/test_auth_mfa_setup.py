"""A second factor is mandatory: staff without one can only set one up (or sign out)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from steward.core.roles import Role
from tests.cases.test_access_matrix import staff_routes
from tests.conftest import PASSWORD, login, make_staff, totp_code

from .auth_helpers import QUEUE, TOTP_ACTIVATE, audit_actions, password_step


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


def test_setting_up_the_app_opens_staff_pages_and_offers_recovery_codes(newcomer, django_capture_on_commit_callbacks):
    client = Client()
    password_step(client, "nia")
    client.get(TOTP_ACTIVATE)
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals the new factor on commit
        response = client.post(TOTP_ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.TOTP).exists()
    assert client.get(QUEUE).status_code == 200
    codes = client.get("/staff/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    download = client.get("/staff/accounts/2fa/recovery-codes/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert len(download.content.decode().split()) == 10
    assert "staff.mfa_added" in audit_actions()


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
    assert login(member).get(QUEUE).status_code == 403
