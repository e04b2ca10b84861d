"""A reporter's browser talks to nobody but Steward: no CDN, font, analytics or other third party."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Request, expect

from steward.cases.models import Space

from .helpers import fill_required, png_file, set_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reporter_journey_makes_no_third_party_requests(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    Space.objects.create(name="Matrix room", kind=Space.Kind.CHAT)
    context = new_context()
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    context.on("request", record)
    page = context.new_page()

    page.goto("/")
    page.locator("main a[href='/report/']").first.click()
    fill_required(page)
    page.locator("#id_space").select_option(label="Matrix room (Chat room)")
    page.locator("#id_evidence").set_input_files(png_file("evidence.png"))
    page.locator("form.report-form button[type=submit]").click()
    code = page.locator("#receipt-code").inner_text().strip()
    expect(page.locator("[data-copy]")).to_be_visible()  # the copy script loaded (from our origin)

    page.goto("/follow-up/")
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.locator("#id_body").fill("Adding a link to the thread: https://example.org/t/123")
    page.locator("#reply-title ~ form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    set_language(context, live_server.url, "ar")
    page.reload()
    page.locator("form.leave button").click()
    expect(page.locator("#id_code")).to_be_visible()

    assert any(url.endswith(".css") for url in requested), requested
    assert any(url.endswith(".js") for url in requested), requested
    elsewhere = [url for url in requested if not url.startswith(live_server.url + "/")]
    assert not elsewhere, f"requests outside {live_server.url}: {elsewhere}"
