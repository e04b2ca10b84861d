"""Learners sign in through single sign-on too, when Steward's OpenID Connect provider is set up:
the provider's verified address must be one active contributor learner's; nobody is created;
a refusal comes back to the learner sign-in page; the session reaches /learn/ and no staff page.

The identity provider is simulated as in tests/core/test_auth_oidc.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from steward.core.models import AuditEntry
from steward.core.roles import Role
from tests.conftest import make_staff
from tests.core.auth_helpers import MFA_AUTHENTICATE
from tests.core.test_auth_oidc import idp  # noqa: F401  (the simulated identity provider, a fixture)

from .conftest import make_learner

SIGN_IN = "/learn/sign-in/"
START = "/staff/accounts/oidc/corp/login/"


def sso(client: Client, idp: dict[str, Any], *, next_url: str = "/learn/", **userinfo: Any) -> Any:  # noqa: F811
    """Press the learner page's button, come back from the identity provider: the callback's answer."""
    idp["userinfo"] = {"sub": "learner-7", **userinfo}
    start = client.post(f"{START}?process=login&next={next_url}")
    assert start.status_code == 302
    location = urlparse(start["Location"])
    assert location.netloc == "idp.example.org"
    state = parse_qs(location.query)["state"][0]
    return client.get(f"{START}callback/", {"code": "abc", "state": state})


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.fixture
def ada(db: None):
    return make_learner("ada", email="Ada@example.org")


def test_without_configuration_the_page_offers_no_single_sign_on(ada) -> None:
    page = Client().get(SIGN_IN).content.decode()
    assert "Sign in with" not in page and "/oidc/" not in page


def test_with_configuration_the_page_offers_it_and_returns_to_the_learners_page(idp, ada) -> None:  # noqa: F811
    page = Client().get(SIGN_IN, {"next": "/learn/courses/first-aid/"}).content.decode()
    assert "Sign in with Example Corp" in page
    assert 'action="/staff/accounts/oidc/corp/login/?process=login&amp;next=%2Flearn%2Fcourses%2Ffirst-aid%2F"' in page
    elsewhere = Client().get(SIGN_IN, {"next": "https://evil.example.org/learn/"}).content.decode()
    assert "next=%2Flearn%2F\"" in elsewhere


def test_a_contributor_learner_is_connected_and_signed_in(idp, ada) -> None:  # noqa: F811
    client = Client()
    users = User.objects.count()
    response = sso(client, idp, next_url="/learn/courses/first-aid/", email="ada@EXAMPLE.org", email_verified=True)
    assert response.status_code == 302 and response["Location"] == "/learn/courses/first-aid/"
    assert signed_in_as(client) == str(ada.user_id)
    assert User.objects.count() == users
    assert SocialAccount.objects.get().user == ada.user
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "training.sso_connected" in actions and "staff.login" not in actions
    assert AuditEntry.objects.filter(action="training.sign_in", detail__by="sso", actor=ada.user).count() == 1
    assert client.get("/learn/").status_code == 200
    for path in ("/staff/", "/staff/cases/", "/staff/training/", "/staff/accounts/2fa/"):
        assert client.get(path).status_code == 404, path
    # The next time the connection is found directly, and the learner lands on their own pages.
    again = Client()
    assert sso(again, idp, next_url="", email="ada@example.org", email_verified=True)["Location"] == "/learn/"
    assert signed_in_as(again) == str(ada.user_id) and SocialAccount.objects.count() == 1


def _refused_to_the_learner_page(client: Client, response: Any) -> None:
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert signed_in_as(client) is None
    assert any("no learner in Steward has that identity" in str(m) for m in get_messages(response.wsgi_request))


def test_an_unknown_or_unverified_address_is_refused_and_nobody_is_created(idp, ada) -> None:  # noqa: F811
    users = User.objects.count()
    for userinfo in ({"email": "stranger@example.org", "email_verified": True},
                     {"email": "ada@example.org", "email_verified": False}, {}):
        client = Client()
        _refused_to_the_learner_page(client, sso(client, idp, **userinfo))
    assert User.objects.count() == users and not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="staff.sso_refused", detail__reason="unknown",
                                     detail__from="training").count() == 3


def test_two_learners_with_the_address_are_refused(idp, ada) -> None:  # noqa: F811
    make_learner("ada2", email="ada@example.org")
    client = Client()
    _refused_to_the_learner_page(client, sso(client, idp, email="ada@example.org", email_verified=True))
    assert not SocialAccount.objects.exists()


def test_an_account_that_is_not_a_contributor_learner_is_refused(idp, db) -> None:  # noqa: F811
    User.objects.create_user("plain", "plain@example.org")  # an account, but no learner
    gone = make_learner("gone", email="gone@example.org")
    User.objects.filter(pk=gone.user_id).update(is_active=False)
    for email in ("plain@example.org", "gone@example.org"):
        client = Client()
        _refused_to_the_learner_page(client, sso(client, idp, email=email, email_verified=True))
    assert not SocialAccount.objects.exists()


def test_a_connected_learner_made_inactive_is_refused(idp, ada) -> None:  # noqa: F811
    sso(Client(), idp, email="ada@example.org", email_verified=True)
    User.objects.filter(pk=ada.user_id).update(is_active=False)
    client = Client()
    _refused_to_the_learner_page(client, sso(client, idp, email="ada@example.org", email_verified=True))
    assert AuditEntry.objects.filter(action="staff.sso_refused", detail__reason="inactive").count() == 1


def test_a_staff_member_from_the_learner_page_signs_in_as_staff_with_the_second_factor(idp, db) -> None:  # noqa: F811
    staff = make_staff("tara", Role.TRIAGER)
    client = Client()
    response = sso(client, idp, email="tara@example.org", email_verified=True)
    assert response["Location"] == MFA_AUTHENTICATE
    assert SocialAccount.objects.get().user == staff
    assert signed_in_as(client) is None  # not before the second factor
