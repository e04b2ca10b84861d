"""The report form can be completed and sent with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from steward.reports.models import Report
from tests.conftest import file_received_reports

from .helpers import set_language, starter_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ''"))


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element has focus (as a keyboard user would)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def tab_to_send(page: Page) -> None:
    send = page.locator("form.report-form button[type=submit]")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if send.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError("the send button cannot be reached with Tab")


@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_report_form_with_keyboard_only(new_context: Callable[..., BrowserContext], live_server: Any,
                                        language: str) -> None:
    starter_guidelines()  # its categories of behaviour are checkboxes to Tab past
    context = new_context()
    set_language(context, live_server.url, language)
    page = context.new_page()
    page.goto("/report/")
    expect(page.locator("html")).to_have_attribute("lang", language)

    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_to(page, "id_narrative")
    page.keyboard.type("During the sprint, one attendee repeatedly made jokes about my religion.")

    # Tab enters a radio group at its checked option ("I don't know"); arrow keys change the answer.
    tab_to(page, "id_ongoing_2")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#id_ongoing_0")).to_be_checked()

    # A group with nothing checked is entered at its first option; Space chooses it.
    tab_to(page, "id_reporter_role_0")
    page.keyboard.press("Space")
    expect(page.locator("#id_reporter_role_0")).to_be_checked()

    tab_to_send(page)
    page.keyboard.press("Enter")

    expect(page.locator("#receipt-code")).to_be_visible()
    (report,) = file_received_reports()  # the worker files it a moment later
    assert report.narrative.startswith("During the sprint")
    assert report.reporter_role == Report.ReporterRole.AFFECTED
    assert report.ongoing == Report.Ongoing.YES


def test_error_summary_links_lead_to_the_field(page: Page) -> None:
    page.goto("/report/")
    tab_to_send(page)
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    link = page.locator(".error-summary a").first
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the error summary cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_narrative")).to_be_in_viewport()
    page.keyboard.type("Typed straight after following the link.")
    expect(page.locator("#id_narrative")).to_have_value("Typed straight after following the link.")
