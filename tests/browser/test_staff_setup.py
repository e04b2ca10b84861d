"""A new staff member sets up their second factor in the browser: the secret survives a reload,
the recovery codes are confirmed saved, and they land on their first page. An administrator
invites someone and changes their roles on the Staff page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, expect

from steward.core.roles import Role
from tests.conftest import PASSWORD, make_staff, totp_code

from .helpers import enter_authenticator_code, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_setting_up_the_authenticator_survives_a_reload(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    make_staff("nia", Role.TRIAGER, first_name="Nia", mfa=False)
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("nia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Set up your second factor").wait_for()
    expect(page.locator(".messages")).to_contain_text("Set up a second factor to finish signing in.")
    expect(page.locator(".messages")).not_to_contain_text("Successfully signed in")
    secret = page.locator("#authenticator_secret").input_value()  # what the app scanned
    screenshot(page, "staff-setup-authenticator")
    page.reload()
    assert page.locator("#authenticator_secret").input_value() == secret
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    screenshot(page, "staff-recovery-codes")
    page.goto("/staff/cases/")  # skipping the step leads back to it
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    page.get_by_role("button", name="I have saved my recovery codes — continue").click()
    page.locator("table.queue").wait_for()
    expect(page.locator(".messages")).to_contain_text("Your second factor is set up and you are signed in.")


def test_an_administrator_invites_and_changes_roles(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    admin = make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    make_staff("hana", Role.CASE_HANDLER, first_name="Hana")
    page = new_context().new_page()
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.get_by_role("heading", name="Staff", exact=True).wait_for()  # an administrator's first page
    nav = page.get_by_role("navigation", name="Staff")
    expect(nav.get_by_role("link", name="Cases")).to_have_count(0)

    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("Username").fill("nia")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Triager").check()
    screenshot(page, "staff-invite")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("nia was invited")
    screenshot(page, "staff-people")
    assert list(User.objects.get(username="nia").groups.values_list("name", flat=True)) == ["triager"]

    hana = User.objects.get(username="hana")
    page.locator(f'a[href="/staff/people/{hana.pk}/roles/"]').click()
    page.get_by_label("Decision maker").check()
    screenshot(page, "staff-roles")
    page.get_by_role("button", name="Save roles").click()
    expect(page.locator(".messages")).to_contain_text("Roles of hana changed")
    assert sorted(hana.groups.values_list("name", flat=True)) == ["case_handler", "decision_maker"]
    assert User.objects.get(pk=admin.pk).is_active
