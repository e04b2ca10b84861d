"""Single sign-on through OpenID Connect, configured by the environment, for existing staff only.

The identity provider is simulated: its discovery document, token and user-info answers are
replaced in allauth's OpenID Connect adapter, so no request leaves the test."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.models import User
from django.test import Client

from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.settings import oidc_apps
from tests.conftest import make_staff

from .auth_helpers import LOGIN, MFA_AUTHENTICATE, QUEUE, TOTP_ACTIVATE

ENV = {
    "STEWARD_OIDC_PROVIDER_ID": "corp",
    "STEWARD_OIDC_NAME": "Example Corp",
    "STEWARD_OIDC_SERVER_URL": "https://idp.example.org/.well-known/openid-configuration",
    "STEWARD_OIDC_CLIENT_ID": "steward",
    "STEWARD_OIDC_CLIENT_SECRET": "s3cret",
}
DISCOVERY = {
    "issuer": "https://idp.example.org",
    "authorization_endpoint": "https://idp.example.org/authorize",
    "token_endpoint": "https://idp.example.org/token",
    "userinfo_endpoint": "https://idp.example.org/userinfo",
    "token_endpoint_auth_methods_supported": ["client_secret_post"],
}


def test_environment_parsing():
    assert oidc_apps({}) == []
    assert oidc_apps({"STEWARD_OIDC_SERVER_URL": "https://idp.example.org"}) == []  # no client: no SSO
    [app] = oidc_apps(ENV)
    assert app["provider_id"] == "corp"
    assert app["name"] == "Example Corp"
    assert app["client_id"] == "steward" and app["secret"] == "s3cret"
    assert app["settings"] == {"server_url": ENV["STEWARD_OIDC_SERVER_URL"], "oauth_pkce_enabled": True}


def test_without_configuration_there_is_no_sso_button(db):
    page = Client().get(LOGIN).content.decode()
    assert "Single sign-on" not in page
    assert "/oidc/" not in page


@pytest.fixture
def idp(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Configure SSO as the environment would and answer for the identity provider."""
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": oidc_apps(ENV)}}
    answer: dict[str, Any] = {"userinfo": {}}
    monkeypatch.setattr(OpenIDConnectOAuth2Adapter, "openid_config", property(lambda self: DISCOVERY))
    monkeypatch.setattr(OpenIDConnectOAuth2Adapter, "get_access_token_data",
                        lambda self, request, app, client, **kwargs: {"access_token": "token", "token_type": "Bearer"})
    monkeypatch.setattr(OpenIDConnectOAuth2Adapter, "_fetch_user_info", lambda self, token: answer["userinfo"])
    return answer


def sso(client: Client, idp: dict[str, Any], **userinfo: Any) -> Any:
    """Start single sign-on, come back from the identity provider, return the callback's answer."""
    idp["userinfo"] = {"sub": "user-123", **userinfo}
    start = client.post("/staff/accounts/oidc/corp/login/", {"process": "login"})
    assert start.status_code == 302
    location = urlparse(start["Location"])
    assert location.netloc == "idp.example.org"
    state = parse_qs(location.query)["state"][0]
    return client.get("/staff/accounts/oidc/corp/login/callback/", {"code": "abc", "state": state})


def test_with_configuration_the_button_appears(idp, db):
    page = Client().get(LOGIN).content.decode()
    assert "Sign in with Example Corp" in page
    assert "/staff/accounts/oidc/corp/login/" in page


def test_an_unknown_person_is_refused_and_nobody_is_created(idp, triager):
    users = User.objects.count()
    client = Client()
    response = sso(client, idp, email="stranger@example.org", email_verified=True)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert client.get(QUEUE).status_code == 302
    entry = AuditEntry.objects.get(action="staff.sso_refused")
    assert entry.detail == {"provider": "corp", "reason": "unknown"}
    assert entry.ip == "127.0.0.1"
    assert "no active Steward staff account" in client.get(LOGIN).content.decode()


def test_an_unverified_address_of_a_staff_member_is_refused(idp, triager):
    response = sso(Client(), idp, email="tara@example.org", email_verified=False)
    assert response["Location"] == LOGIN
    assert not SocialAccount.objects.exists()


def test_an_inactive_staff_member_is_refused(idp, triager):
    User.objects.filter(pk=triager.pk).update(is_active=False)
    response = sso(Client(), idp, email="tara@example.org", email_verified=True)
    assert response["Location"] == LOGIN
    assert not SocialAccount.objects.exists()


def test_a_staff_member_is_connected_and_still_asked_for_the_second_factor(idp, triager):
    client = Client()
    response = sso(client, idp, email="TARA@example.org", email_verified=True)
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE
    assert SocialAccount.objects.get().user == triager
    assert "staff.sso_connected" in list(AuditEntry.objects.values_list("action", flat=True))
    # The next time the connection is found directly.
    again = sso(Client(), idp, email="tara@example.org", email_verified=True)
    assert again["Location"] == MFA_AUTHENTICATE
    assert SocialAccount.objects.count() == 1


def test_without_trusting_the_provider_staff_without_a_factor_must_set_one_up(idp, db):
    make_staff("nia", Role.TRIAGER, mfa=False)
    client = Client()
    response = sso(client, idp, email="nia@example.org", email_verified=True)
    assert response.status_code == 302
    assert client.get(QUEUE)["Location"] == TOTP_ACTIVATE


def test_trusting_the_providers_mfa_spares_the_setup(idp, db, settings):
    settings.STEWARD_OIDC_TRUST_MFA = True
    make_staff("nia", Role.TRIAGER, mfa=False)
    client = Client()
    sso(client, idp, email="nia@example.org", email_verified=True)
    assert client.get(QUEUE).status_code == 200
    # A password sign-in of the same person is not trusted that way.
    from .auth_helpers import password_step

    other = Client()
    password_step(other, "nia")
    assert other.get(QUEUE)["Location"] == TOTP_ACTIVATE
