"""A contributor signs in to take courses, on a phone without JavaScript: the address, a wrong
code (said so), the right code; the emailed link asks to confirm, then refuses a second use.
axe finds nothing on any of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import deliver_outbox
from tests.training.conftest import make_learner

from .helpers import page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
AXE = Axe()


def check(page: Page, name: str, found: dict[str, str] | None) -> None:
    """The page fits a phone; with JavaScript on (axe needs it), axe finds nothing."""
    assert page_width(page) <= WIDTH, f"{name} scrolls sideways: {page_width(page)} px wide"
    if found is None:
        screenshot(page, f"learner-sign-in-{name}")
        return
    results = AXE.run(page)
    if results.violations_count:
        found[name] = results.generate_report()


def emailed() -> tuple[str, str]:
    """The code and link of the newest sign-in email."""
    deliver_outbox()
    email = [m for m in mail.outbox if m.to == ["lin@example.org"]][-1]
    return re.search(r"\b(\d{6})\b", email.body).group(1), re.search(r"(/l/learn/[^/\s]+/)", email.body).group(1)


def journey(new_context: Callable[..., BrowserContext], found: dict[str, str] | None) -> None:
    phone = {"viewport": {"width": WIDTH, "height": 740}, "java_script_enabled": found is not None}
    page = new_context(is_mobile=True, has_touch=True, device_scale_factor=2, **phone).new_page()
    page.goto("/learn/sign-in/")
    expect(page.get_by_role("heading", name="Sign in to take a course")).to_be_visible()
    check(page, "address", found)
    page.get_by_label("Email address").fill("lin@example.org")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    check(page, "code", found)
    code, link = emailed()
    page.get_by_label("Sign-in code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code is not right. You can try 4 more time(s).").first).to_be_visible()
    check(page, "wrong-code", found)
    page.get_by_label("Sign-in code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/learn/$"))

    other = new_context(**phone).new_page()
    other.goto(link)
    expect(other.get_by_role("button", name="Sign in")).to_be_visible()
    check(other, "link", found)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url(re.compile(r"/learn/$"))
    again = new_context(**phone).new_page()
    again.goto(link)
    expect(again.get_by_text("This link was already used.")).to_be_visible()
    check(again, "link-used", found)


def test_a_contributor_signs_in_with_the_code_and_the_link(new_context: Callable[..., BrowserContext],
                                                            live_server: Any, settings: Any) -> None:
    settings.STEWARD_TRAINING_SIGN_IN_RATE = (100, 900)
    make_learner("lin", email="lin@example.org")
    journey(new_context, None)  # on a phone, without JavaScript
    found: dict[str, str] = {}
    journey(new_context, found)  # the same pages through axe
    assert not found, "\n\n".join(f"== {name} ==\n{report}" for name, report in found.items())
