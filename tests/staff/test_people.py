"""Administrators invite staff, change their roles and offboard them on the Staff page:
audited, after a recent sign-in, never locking Steward out of its last administrator."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.staff import services
from tests.conftest import PASSWORD, deliver_outbox, login, make_staff

INVITE = "/staff/people/invite/"
NEW_PASSWORD = "a brand new staff password 2024"


def roles_url(user: User) -> str:
    return f"/staff/people/{user.pk}/roles/"


def roles_of(user: User) -> list[str]:
    return sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def state() -> dict[str, Any]:
    return {"users": list(User.objects.order_by("pk").values("pk", "username", "is_active", "email")),
            "groups": sorted(User.groups.through.objects.values_list("user_id", "group__name")),
            "audit": AuditEntry.objects.count()}


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_invitation_creates_the_account_and_emails_the_link(administrator):
    client = login(administrator)
    response = client.post(INVITE, {"username": "nia", "email": "Nia@Example.org", "first_name": "Nia",
                                    "roles": [Role.TRIAGER, Role.CASE_HANDLER]}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/people/"
    assert "nia was invited" in response.content.decode()
    nia = User.objects.get(username="nia")
    assert nia.is_staff and nia.is_active and not nia.has_usable_password()
    assert nia.email == "nia@example.org" and EmailAddress.objects.get(user=nia).verified
    assert roles_of(nia) == ["case_handler", "triager"]
    entry = AuditEntry.objects.get(action="staff.account_created")
    assert entry.actor_id == administrator.pk and entry.object_id == str(nia.pk)
    assert entry.detail == {"roles": ["case_handler", "triager"], "invited": True}
    assert mail.outbox == []  # the worker sends it
    deliver_outbox()
    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    link = re.search(r"https?://\S+(/staff/accounts/password/reset/key/\S+)", message.body).group(1)
    # The invited person chooses a password, then must set up a second factor.
    newcomer = Client()
    form = newcomer.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    assert newcomer.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert newcomer.post("/staff/accounts/login/", {"login": "nia", "password": NEW_PASSWORD}).status_code == 302
    assert newcomer.get("/staff/cases/")["Location"] == "/staff/accounts/2fa/totp/activate/"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"username": "", "email": "x@example.org"}, "username", "This field is required."),
    ({"username": "bad name!", "email": "x@example.org"}, "username", "at most 150 letters"),
    ({"username": "tara", "email": "x@example.org"}, "username", "is taken"),
    ({"username": "nia", "email": "tara@example.org"}, "email", "Another account already uses tara@example.org"),
    ({"username": "nia", "email": "not an address"}, "email", "Enter a valid email address."),
    ({"username": "nia", "email": "x@example.org", "roles": ["emperor"]}, "roles", "Select a valid choice"),
])
def test_bad_invitations_name_the_field_and_change_nothing(administrator, triager, data, field, message):
    before = state()
    response = login(administrator).post(INVITE, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert f'href="#id_{field}' in response.content.decode()  # the error summary links to the field
    assert state() == before


def test_changing_roles_is_audited_with_before_and_after_and_applies_at_once(administrator, triager):
    session = login(triager)
    assert session.get("/staff/cases/").status_code == 200
    client = login(administrator)
    page = client.get(roles_url(triager))
    assert page.status_code == 200 and 'value="triager"' in page.content.decode()
    response = client.post(roles_url(triager), {"roles": [Role.AUDITOR, Role.CASE_HANDLER]}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/people/"
    assert "Roles of tara changed" in response.content.decode()
    assert roles_of(triager) == ["auditor", "case_handler"]
    entry = AuditEntry.objects.get(action="staff.roles_changed")
    assert entry.actor_id == administrator.pk and entry.object_id == str(triager.pk)
    assert entry.detail == {"before": ["triager"], "after": ["auditor", "case_handler"]}
    assert session.get("/staff/access/").status_code == 200  # the next request has the new roles
    assert session.get("/staff/reports/new/").status_code == 200


def test_an_administrator_cannot_take_away_their_own_administrator_role(administrator):
    before = state()
    response = login(administrator).post(roles_url(administrator), {"roles": [Role.TRIAGER]})
    assert response.status_code == 400
    assert "You cannot remove your own administrator role" in " ".join(response.context["form"].errors["roles"])
    assert state() == before
    # Adding a role to oneself, keeping the administrator role, is allowed.
    assert login(administrator).post(roles_url(administrator), {"roles": [Role.ADMINISTRATOR, Role.AUDITOR]}).status_code == 302


def test_two_administrators_removing_each_other_leave_one(administrator):
    other = make_staff("otto", Role.ADMINISTRATOR)
    stale = User.objects.get(pk=other.pk)
    assert services.access.can(stale, "manage_staff")  # roles read (and cached) before the other change
    services.change_roles(other, by=administrator, roles=[Role.TRIAGER])
    with pytest.raises(Denied):
        services.change_roles(administrator, by=stale, roles=[])
    with pytest.raises(Denied):
        services.offboard_staff(administrator, by=stale, reassign_to=None)
    assert roles_of(administrator) == ["administrator"]
    assert User.objects.get(pk=administrator.pk).is_active


def test_roles_of_an_offboarded_member_stay_empty(administrator, triager):
    services.offboard_staff(triager, by=administrator, reassign_to=None)
    response = login(administrator).post(roles_url(triager), {"roles": [Role.TRIAGER]})
    assert response.status_code == 400
    assert "was offboarded" in " ".join(response.context["form"].errors["roles"])
    assert roles_of(triager) == []


def test_the_same_roles_again_is_not_a_change(administrator, triager):
    response = login(administrator).post(roles_url(triager), {"roles": [Role.TRIAGER]})
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="staff.roles_changed").exists()


@pytest.mark.parametrize(("url", "data"), [
    (INVITE, {"username": "nia", "email": "nia@example.org", "roles": ["triager"]}),
    ("roles", {"roles": ["auditor"]}),
    ("offboard", {}),
])
def test_each_change_needs_a_recent_sign_in(administrator, triager, url, data):
    url = {"roles": roles_url(triager), "offboard": f"/staff/people/{triager.pk}/offboard/"}.get(url, url)
    before = state()
    client = login(administrator, at=time.time() - 3600)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/staff/accounts/reauthenticate/")
    assert state() == before
    assert client.post("/staff/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    # Once confirmed, the same change goes through.
    assert client.post(url, data).status_code == 302
    assert state() != before


NOT_ADMINISTRATORS = [role for role in Role.values if role != Role.ADMINISTRATOR]


@pytest.mark.parametrize("role", [None, *NOT_ADMINISTRATORS])
def test_only_administrators_see_or_change_staff(administrator, triager, role):
    actor = make_staff("someone", *([role] if role else []))
    client = login(actor)
    before = state()
    assert client.get("/staff/people/").status_code == 403
    assert client.get(INVITE).status_code == 403
    assert client.get(roles_url(triager)).status_code == 403
    assert client.post(INVITE, {"username": "nia", "email": "nia@example.org", "roles": ["administrator"]}).status_code == 403
    assert client.post(roles_url(actor), {"roles": ["administrator"]}).status_code == 403
    assert client.post(roles_url(triager), {"roles": []}).status_code == 403
    assert client.post(f"/staff/people/{triager.pk}/offboard/", {}).status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_the_services_refuse_everyone_but_administrators(triager, role):
    actor = make_staff("someone", role)
    with pytest.raises(Denied):
        services.invite_staff(by=actor, username="nia", email="nia@example.org", roles=[Role.ADMINISTRATOR])
    with pytest.raises(Denied):
        services.change_roles(actor, by=actor, roles=[Role.ADMINISTRATOR])
    with pytest.raises(Denied):
        services.offboard_staff(triager, by=actor, reassign_to=None)
    assert not User.objects.filter(username="nia").exists() and roles_of(actor) == [role]


def test_an_unknown_staff_member_is_not_found(administrator):
    client = login(administrator)
    assert client.get("/staff/people/987654/roles/").status_code == 404
    member = User.objects.create_user("member", "member@example.org", PASSWORD)  # not staff
    assert client.post(roles_url(member), {"roles": ["triager"]}).status_code == 404


def test_the_staff_page_links_invitation_and_role_changes(administrator, triager):
    page = login(administrator).get("/staff/people/").content.decode()
    assert 'href="/staff/people/invite/"' in page
    assert f'href="/staff/people/{triager.pk}/roles/"' in page
    assert f'href="/staff/people/{administrator.pk}/roles/"' in page
