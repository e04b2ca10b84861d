"""An administrator in the browser: finds a failed email on the Deliveries page and sends it
again, then creates an API token for a community tool, sees its secret once, and revokes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from steward.core import api
from steward.core.models import ApiToken, OutboxMessage
from steward.core.roles import Role
from tests.conftest import PASSWORD, make_staff

from .helpers import enter_authenticator_code, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as_administrator(page: Page) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.get_by_role("heading", name="Staff", exact=True).wait_for()  # an administrator's first page


def test_an_administrator_retries_a_failed_delivery(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    failed = OutboxMessage.objects.create(kind="reports.acknowledge", payload={"report": 1}, idempotency_key="ack-1",
                                          status=OutboxMessage.Status.FAILED, attempts=10, next_attempt_at=timezone.now(),
                                          last_error="SMTPRecipientsRefused")
    page = new_context().new_page()
    sign_in_as_administrator(page)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Deliveries").click()
    row = page.locator("tr", has_text="reports.acknowledge")
    expect(row).to_contain_text("SMTPRecipientsRefused")
    screenshot(page, "staff-deliveries")
    row.get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("The delivery will be tried again in a moment.")
    failed.refresh_from_db()
    assert failed.status == OutboxMessage.Status.PENDING and failed.attempts == 0


def test_an_administrator_creates_a_token_sees_it_once_and_revokes_it(new_context: Callable[..., BrowserContext],
                                                                       live_server: Any) -> None:
    make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    page = new_context().new_page()
    sign_in_as_administrator(page)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="API tokens").click()
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Name").fill("Forum report button")
    page.get_by_label(str(api.Scope.REPORTS_SUBMIT.label)).check()
    screenshot(page, "staff-api-token-new")
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("#api-token").inner_text()
    assert secret.startswith("stw_")
    screenshot(page, "staff-api-token-created")
    token = ApiToken.objects.get(name="Forum report button")
    assert token.secret_hash and secret not in token.secret_hash  # only a keyed hash is kept

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="API tokens").click()
    expect(page.locator("main")).not_to_contain_text(secret)  # shown once, never listed
    page.locator("tr", has_text="Forum report button").get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("is revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None
