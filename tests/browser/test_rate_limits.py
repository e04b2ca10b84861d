"""With JavaScript off, a reporter over a limit sees how long to wait, and the page fits a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from .helpers import page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_please_wait_page_says_how_long(new_context: Callable[..., BrowserContext], settings: Any) -> None:
    settings.STEWARD_FOLLOWUP_RATE = (1, 900)
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}).new_page()

    for _ in range(2):
        page.goto("/follow-up/")
        page.get_by_label("Receipt code").fill("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
        page.locator("main form button[type=submit]").click()

    expect(page.get_by_role("heading", name="Please wait a little")).to_be_visible()
    expect(page.get_by_text("We received many attempts from your connection.")).to_contain_text(
        "Please try again in ")
    assert page_width(page) <= 360
    screenshot(page, "please-wait")
