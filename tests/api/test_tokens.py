"""API tokens from creation to refusal: created by administrators (audited, after a recent sign-in),
shown once, stored only as a keyed hash, revoked, expired, and refused when the owner leaves or
loses the role the token relied on."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from steward.core import access, api, crypto
from steward.core.api import Scope
from steward.core.models import ApiToken, AuditEntry
from steward.core.roles import Role
from steward.staff import services as staff_services
from steward.staff import tokens
from tests.api.conftest import ApiClient
from tests.conftest import login, make_staff


def test_a_token_is_created_audited_and_stored_only_as_a_keyed_hash(administrator):
    token, secret = tokens.create_api_token(by=administrator, name="  Forum   report button ", scopes=[Scope.REPORTS_SUBMIT],
                                            ip="198.51.100.7")
    assert secret is not None
    assert secret.startswith("stw_") and len(secret) > 40
    assert token.name == "Forum report button"
    assert token.secret_hash == crypto.keyed_hash(secret, purpose="api-token")
    assert token.hint == secret[:12]
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == administrator and entry.object_id == str(token.pk)
    assert entry.detail == {"scopes": ["reports:submit"], "owner": None, "expires_at": None}
    assert secret not in str(AuditEntry.objects.values_list("detail", flat=True))


def test_a_token_acting_for_someone_else_is_shown_to_them_alone(administrator, triager, case):
    """Otherwise an administrator, who reads no case, could read every case as a triager."""
    token, secret = tokens.create_api_token(by=administrator, name="Dashboard", scopes=[Scope.CASES_READ], owner=triager)
    assert secret is None and token.secret_hash is None
    with pytest.raises(access.Hidden):
        tokens.collect_api_token(token.pk, by=administrator)
    page = login(administrator).post("/staff/api-tokens/new/", {"name": "Another", "scopes": [Scope.CASES_READ],
                                                               "owner": triager.pk})
    assert page.status_code == 200 and page.context["secret"] is None and b"stw_" not in page.content
    mine = login(triager)
    listed = mine.get("/staff/me/api-tokens/")
    assert listed.status_code == 200 and b"Dashboard" in listed.content
    collected = mine.post(f"/staff/me/api-tokens/{token.pk}/collect/")
    assert collected.status_code == 200
    secret = collected.context["secret"]
    assert secret.encode() in collected.content
    assert ApiClient(secret).get(f"/api/cases/{case.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="api_token.collect", actor=triager, object_id=str(token.pk)).exists()
    again = mine.post(f"/staff/me/api-tokens/{token.pk}/collect/", follow=True)
    assert b"already collected" in again.content
    assert api.secret_hash(secret) == ApiToken.objects.get(pk=token.pk).secret_hash
    assert login(make_staff("uma", Role.TRIAGER)).post(f"/staff/me/api-tokens/{token.pk}/collect/").status_code == 404


def test_a_revoked_token_cannot_be_collected(administrator, triager):
    token, _secret = tokens.create_api_token(by=administrator, name="Dashboard", scopes=[Scope.CASES_READ], owner=triager)
    tokens.revoke_api_token(token, by=administrator)
    with pytest.raises(staff_services.StaffError):
        tokens.collect_api_token(token.pk, by=triager)
    assert ApiToken.objects.get().secret_hash is None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": " ", "scopes": [Scope.REPORTS_SUBMIT]}, "name"),
    ({"name": "x" * 101, "scopes": [Scope.REPORTS_SUBMIT]}, "name"),
    ({"name": "Bot", "scopes": []}, "scopes"),
    ({"name": "Bot", "scopes": ["cases:write"]}, "scopes"),
    ({"name": "Bot", "scopes": [Scope.CASES_READ]}, "owner"),
    ({"name": "Bot", "scopes": [Scope.REPORTS_SUBMIT], "expires_at": timezone.now() - datetime.timedelta(seconds=1)},
     "expires_on"),
])
def test_a_refused_token_names_the_field_and_creates_nothing(administrator, kwargs, field):
    with pytest.raises(staff_services.StaffError) as refused:
        tokens.create_api_token(by=administrator, **kwargs)
    assert refused.value.field == field
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="api_token.create").exists()


def test_a_case_reading_token_needs_an_owner_whose_role_opens_the_queue(administrator):
    enforcer = make_staff("ed", Role.ENFORCER)
    with pytest.raises(staff_services.StaffError) as refused:
        tokens.create_api_token(by=administrator, name="Bot", scopes=[Scope.CASES_READ], owner=enforcer)
    assert refused.value.field == "owner"
    enforcer.is_active = False
    enforcer.save()
    with pytest.raises(staff_services.StaffError):
        tokens.create_api_token(by=administrator, name="Bot", scopes=[Scope.REPORTS_SUBMIT], owner=enforcer)


def test_only_administrators_create_list_or_revoke_tokens(administrator, triager):
    token, _secret = tokens.create_api_token(by=administrator, name="Bot", scopes=[Scope.REPORTS_SUBMIT])
    with pytest.raises(access.Denied):
        tokens.create_api_token(by=triager, name="Mine", scopes=[Scope.REPORTS_SUBMIT])
    with pytest.raises(access.Denied):
        tokens.revoke_api_token(token, by=triager)
    with pytest.raises(access.Denied):
        tokens.api_tokens(by=triager)
    assert ApiToken.objects.get().revoked_at is None


def test_a_revoked_token_is_refused_and_the_revocation_audited(administrator, make_token):
    secret = make_token(Scope.REPORTS_FOLLOW_UP)
    client = ApiClient(secret)
    assert client.post("/api/follow-up/", {"code": "nope"}, content_type="application/json").status_code == 404
    token = ApiToken.objects.get()
    tokens.revoke_api_token(token, by=administrator)
    response = client.post("/api/follow-up/", {"code": "nope"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": "This token was revoked."}
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=administrator, object_id=str(token.pk)).exists()
    with pytest.raises(staff_services.StaffError):
        tokens.revoke_api_token(token, by=administrator)


def test_an_expired_token_is_refused(make_token):
    client = ApiClient(make_token(Scope.REPORTS_FOLLOW_UP, expires_at=timezone.now() + datetime.timedelta(hours=1)))
    assert client.post("/api/follow-up/", {"code": "nope"}, content_type="application/json").status_code == 404
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post("/api/follow-up/", {"code": "nope"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has expired."}


@pytest.mark.parametrize("header", ["Bearer", "Token stw_abc", "Bearer stw_" + "x" * 43, "Bearer " + "y" * 200])
def test_a_bad_token_is_refused_without_saying_more(header, db):
    response = ApiClient(HTTP_AUTHORIZATION=header).get("/api/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="steward"'


def test_an_offboarded_owners_token_is_refused(administrator, triager, make_token, case):
    client = ApiClient(make_token(Scope.CASES_READ, owner=triager))
    assert client.get(f"/api/cases/{case.pk}/").status_code == 200
    staff_services.offboard_staff(triager, by=administrator, reassign_to=None)
    response = client.get(f"/api/cases/{case.pk}/")
    assert response.status_code == 401
    assert response.json() == {"detail": "The staff member this token acts for no longer has access."}
    assert tokens.api_tokens(by=administrator)[0].status == "owner_offboarded"


def test_a_token_never_grants_more_than_its_owner_holds_now(administrator, triager, make_token, case):
    client = ApiClient(make_token(Scope.CASES_READ, owner=triager))
    assert client.get("/api/cases/").status_code == 200
    staff_services.change_roles(triager, by=administrator, roles=[Role.ENFORCER])
    assert client.get("/api/cases/").status_code == 403
    assert client.get(f"/api/cases/{case.pk}/").status_code == 404
    views = AuditEntry.objects.filter(action="case.view", actor=triager).count()
    assert views == 0


def test_last_use_is_recorded(make_token):
    client = ApiClient(make_token(Scope.REPORTS_FOLLOW_UP))
    assert ApiToken.objects.get().last_used_at is None
    client.post("/api/follow-up/", {"code": "nope"}, content_type="application/json")
    used = ApiToken.objects.get().last_used_at
    assert used is not None and timezone.now() - used < datetime.timedelta(minutes=1)


# The administrators' pages.

def test_the_token_list_shows_each_token_without_its_secret(administrator, triager, make_token):
    secret = make_token(Scope.CASES_READ, owner=triager, name="Moderation dashboard")
    page = login(administrator).get("/staff/api-tokens/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Moderation dashboard" in body and secret[:12] in body and secret not in body
    assert "Read the case queue and cases as the token" in body


def test_creating_a_token_shows_the_secret_once(administrator):
    client = login(administrator)
    response = client.post("/staff/api-tokens/new/", {"name": "Forum report button", "scopes": [Scope.REPORTS_SUBMIT],
                                                      "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.encode() in response.content
    token = ApiToken.objects.get()
    assert token.secret_hash == api.secret_hash(secret) and token.created_by == administrator
    assert token.expires_at is not None and token.expires_at > timezone.now() + datetime.timedelta(days=30)
    assert secret.encode() not in client.get("/staff/api-tokens/").content
    assert secret not in str(dict(client.session))


def test_a_refused_token_form_comes_back_naming_the_field(administrator):
    response = login(administrator).post("/staff/api-tokens/new/", {"name": "Dashboard", "scopes": [Scope.CASES_READ]})
    assert response.status_code == 400
    assert "A token that reads cases acts for one staff member" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_creating_a_token_asks_an_old_sign_in_to_confirm_first(administrator):
    client = login(administrator, at=time.time() - 3600)
    response = client.post("/staff/api-tokens/new/", {"name": "Bot", "scopes": [Scope.REPORTS_SUBMIT]})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_list(administrator, make_token):
    make_token(Scope.REPORTS_SUBMIT)
    token = ApiToken.objects.get()
    client = login(administrator)
    response = client.post(f"/staff/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/staff/api-tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == administrator
    assert client.post("/staff/api-tokens/987654/revoke/").status_code == 404


def test_other_staff_may_not_open_the_token_pages(triager, administrator, make_token):
    make_token(Scope.REPORTS_SUBMIT)
    token = ApiToken.objects.get()
    client = login(triager)
    assert client.get("/staff/api-tokens/").status_code == 403
    assert client.post("/staff/api-tokens/new/", {"name": "Mine", "scopes": [Scope.REPORTS_SUBMIT]}).status_code == 403
    assert client.post(f"/staff/api-tokens/{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get().revoked_at is None and ApiToken.objects.count() == 1


def test_the_navigation_offers_the_token_page_to_administrators_only(administrator, triager):
    assert b'href="/staff/api-tokens/"' in login(administrator).get("/staff/people/").content
    assert b'href="/staff/api-tokens/"' not in login(triager).get("/staff/cases/").content
