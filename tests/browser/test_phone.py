"""On a small phone (360 × 740) the reporter pages fit the screen and their buttons can be reached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from steward.cases.models import Space
from steward.reports.models import Report

from .helpers import fill_required, page_width, screenshot, set_language, starter_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360


@pytest.fixture
def phone(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)


def assert_fits(page: Page) -> None:
    assert page_width(page) <= WIDTH, f"{page.url} scrolls sideways: {page_width(page)} px wide"


def assert_reachable(page: Page, button: Any) -> None:
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_report_form_fits_a_phone(phone: BrowserContext, live_server: Any, language: str) -> None:
    Space.objects.create(name="A rather long space name for the community events calendar", kind=Space.Kind.EVENT)
    set_language(phone, live_server.url, language)
    page = phone.new_page()
    page.goto("/report/")
    assert_fits(page)
    page.locator("#id_danger_now_1").check()  # the emergency guidance opens and must fit too
    assert_fits(page)
    page.locator("#id_danger_now_0").check()
    submit = page.locator("form.report-form button[type=submit]")
    assert_reachable(page, submit)
    screenshot(page, f"phone-report-form-{language}")

    fill_required(page)
    submit.tap()
    expect(page.locator("#receipt-code")).to_be_visible()
    assert_fits(page)
    screenshot(page, f"phone-receipt-{language}")


@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_follow_up_case_page_fits_a_phone(phone: BrowserContext, live_server: Any, language: str,
                                          file_report: Callable[..., tuple[Report, str]]) -> None:
    _, code = file_report("A very long word to check wrapping: " + "harassment" * 12)
    set_language(phone, live_server.url, language)
    page = phone.new_page()
    page.goto("/follow-up/")
    assert_fits(page)
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").tap()
    expect(page.locator("#thread-title")).to_be_visible()
    assert_fits(page)
    send = page.locator("#reply-title ~ form button[type=submit]")
    assert_reachable(page, send)
    page.locator("#id_body").fill("One more thing: it happened again yesterday.")
    send.tap()
    expect(page.locator(".messages")).to_be_visible()
    assert_fits(page)
    assert_reachable(page, page.locator("form.leave button"))
    screenshot(page, f"phone-follow-up-case-{language}")


@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_guideline_pages_fit_a_phone(phone: BrowserContext, live_server: Any, language: str) -> None:
    starter_guidelines()
    set_language(phone, live_server.url, language)
    page = phone.new_page()
    for path in ("/guidelines/", "/guidelines/v/1.0/", "/guidelines/changes/", "/guidelines/subscribe/",
                 "/how-to-report/", "/embed/"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_fits(page)
    screenshot(page, f"phone-embed-{language}")
