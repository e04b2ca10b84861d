"""A reporter's browser talks to nobody but Steward: no CDN, font, analytics or other third party."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Request, expect

from steward.cases.models import Space
from steward.core.roles import Role
from tests.conftest import make_staff

from .helpers import fill_required, png_file, publish_guidelines, set_language, starter_guidelines, translate_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recorder(context: BrowserContext) -> list[str]:
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    context.on("request", record)
    return requested


def assert_only_steward(requested: list[str], live_server: Any) -> None:
    assert any(url.endswith(".css") for url in requested), requested
    elsewhere = [url for url in requested if not url.startswith(live_server.url + "/")]
    assert not elsewhere, f"requests outside {live_server.url}: {elsewhere}"


def test_reporter_journey_makes_no_third_party_requests(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    Space.objects.create(name="Matrix room", kind=Space.Kind.CHAT)
    context = new_context()
    requested = recorder(context)
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

    assert any(url.endswith(".js") for url in requested), requested
    assert_only_steward(requested, live_server)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_guideline_pages_make_no_third_party_requests(new_context: Callable[..., BrowserContext], live_server: Any,
                                                      language: str) -> None:
    first = starter_guidelines()
    administrator = make_staff("ada", Role.ADMINISTRATOR)
    translate_guidelines(first, "ja", administrator)
    publish_guidelines(administrator)
    context = new_context()
    set_language(context, live_server.url, language)
    requested = recorder(context)
    page = context.new_page()

    for path in ("/guidelines/", "/guidelines/v/1.0/", "/guidelines/changes/", "/guidelines/subscribe/",
                 "/how-to-report/", "/embed/"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
    # The embeddable badge is shown on the page itself and must not load anything from elsewhere either.
    expect(page.locator(".card a").first).to_be_visible()
    assert any("/policy/policy.css" in url for url in requested), requested
    assert_only_steward(requested, live_server)
