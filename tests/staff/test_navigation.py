"""Each role's navigation offers only what that role can use, read from the access policy."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from steward.core import access, navigation
from steward.core.roles import Role
from tests.conftest import login, make_staff

ROLES = list(Role.values)


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Staff">(.*?)</nav>', html, re.S)
    assert nav, "the staff navigation is on the page"
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


def staff_with(*roles: str) -> User:
    return make_staff("-".join(roles).replace("_", "-") or "nora", *roles)


@pytest.mark.parametrize("roles", [(), *[(role,) for role in ROLES], (Role.TRIAGER, Role.AUDITOR)])
def test_every_navigation_link_of_every_role_opens(db, roles):
    client = login(staff_with(*roles))
    links = nav_links(client.get("/staff/me/accounts/").content.decode())
    assert "/staff/me/accounts/" in links and "/staff/accounts/2fa/" in links
    for link in links:
        assert client.get(link).status_code == 200, (roles, link)


@pytest.mark.parametrize("role", ROLES)
def test_pages_left_out_of_a_roles_navigation_are_refused_to_it(db, role):
    """The navigation and the views read the same policy: what is not offered is not allowed."""
    client = login(staff_with(role))
    links = set(nav_links(client.get("/staff/me/accounts/").content.decode()))
    for page in navigation.STAFF_PAGES:
        if page.url not in links:
            assert page.action is not None and not access.can(User.objects.get(username=role.replace("_", "-")), page.action)
            assert client.get(page.url).status_code == 403, (role, page.url)


def test_what_each_role_is_offered(db):
    seen: dict[str, set[str]] = {}

    def offered(role: str) -> set[str]:
        if role not in seen:
            seen[role] = set(nav_links(login(staff_with(role)).get("/staff/me/accounts/").content.decode()))
        return seen[role]

    admin = offered(Role.ADMINISTRATOR)
    assert "/staff/cases/" not in admin and "/staff/reports/new/" not in admin
    assert {"/staff/people/", "/staff/guidelines/", "/staff/people/export/"} <= admin
    assert "/staff/access/" in offered(Role.AUDITOR) and "/staff/cases/" not in offered(Role.AUDITOR)
    for consultant in (Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL, Role.CONSULTANT_SECURITY):
        assert "/staff/consultations/" in offered(consultant)
    assert {"/staff/cases/", "/staff/reports/new/"} <= offered(Role.TRIAGER)
    assert "/staff/consultations/" not in offered(Role.TRIAGER)
    assert "/staff/people/" not in offered(Role.TRIAGER)


@pytest.mark.parametrize(("role", "landing"), [
    (Role.TRIAGER, "/staff/cases/"), (Role.CASE_HANDLER, "/staff/cases/"), (Role.DECISION_MAKER, "/staff/cases/"),
    (Role.CONSULTANT_LEGAL, "/staff/cases/"), (Role.AUDITOR, "/staff/access/"), (Role.ADMINISTRATOR, "/staff/people/"),
    (Role.ENFORCER, "/staff/rollouts/"),  # the rollouts not done yet (steward.enforcement)
])
def test_staff_land_on_a_page_their_roles_open(db, role, landing):
    client = login(staff_with(role))
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_the_refusal_page_says_what_the_staff_member_can_do_instead(db):
    client = login(staff_with(Role.ADMINISTRATOR))
    page = client.get("/staff/cases/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "Your roles (Administrator) do not include this page." in text
    assert "ask an administrator to change your roles" in text
    main = text.split('<main id="main"', 1)[1]
    assert 'href="/staff/people/"' in main and 'href="/staff/guidelines/"' in main
    assert 'href="/staff/cases/"' not in text  # neither in the navigation nor in the list


def test_an_account_that_is_not_staff_finds_no_staff_page_and_is_pointed_to_the_public_pages(db):
    member = User.objects.create_user("member", "member@example.org", "x" * 20)
    page = login(member).get("/staff/cases/")
    assert page.status_code == 404  # core.middleware.StaffOnlyMiddleware: as if staff pages did not exist
    text = page.content.decode()
    assert "Page not found" in text and 'href="/report/"' in text
