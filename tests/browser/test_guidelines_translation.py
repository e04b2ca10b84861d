"""A Japanese reader gets the Japanese guidelines while the translation is current, and the English
original with a notice once a new version is published; the page says which language each part is in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from steward.core.roles import Role
from steward.policy import locales
from steward.policy.models import SectionKind
from tests.conftest import make_staff

from .helpers import TRANSLATED, publish_guidelines, screenshot, starter_guidelines, translate_guidelines, ui

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ja(message: str) -> str:
    return ui("ja", message)


def outdated_heading(number: str) -> str:
    with translation.override("ja"):
        return translation.gettext("The %(language)s translation has not been updated for version %(number)s yet.") % {
            "language": locales.display_name("ja"), "number": number}


def check_page_language(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")
    expect(html).to_have_attribute("dir", "ltr")


@pytest.mark.parametrize("how", ["browser preference", "link"])
def test_japanese_reader_sees_the_translation_then_the_english_original(
        new_context: Callable[..., BrowserContext], live_server: Any, how: str) -> None:
    first = starter_guidelines()
    administrator = make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    translate_guidelines(first, "ja", administrator)
    english_title = first.sections.get(kind=SectionKind.SCOPE).title  # type: ignore[attr-defined]
    japanese_title = TRANSLATED["ja"][0].format(n=1)

    if how == "browser preference":
        page = new_context(locale="ja-JP").new_page()
        path = "/guidelines/"
    else:
        page = new_context().new_page()
        path = "/guidelines/?lang=ja"
    page.goto(path)
    check_page_language(page)
    expect(page.locator("#translation-notice")).to_have_count(0)
    article = page.locator("article.guidelines")
    expect(article).to_have_attribute("lang", "ja")
    expect(article).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", name=japanese_title, level=2)).to_be_visible()
    expect(page.get_by_role("heading", name=english_title)).to_have_count(0)
    expect(page.get_by_role("link", name=ja("How to report"))).not_to_have_count(0)
    screenshot(page, f"guidelines-ja-{how.replace(' ', '-')}")

    # Version 2.0 is published; nobody has translated it yet.
    publish_guidelines(administrator)
    page.goto("/guidelines/")
    check_page_language(page)
    notice = page.locator("#translation-notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "note")
    expect(notice).to_contain_text(outdated_heading("2.0"))
    expect(notice).to_contain_text(ja("You are reading the English original, which is the text that applies."))
    # The notice is in the reader's language; the text below it is English and says so.
    expect(notice).not_to_have_attribute("lang", "en")
    expect(article).to_have_attribute("lang", "en")
    expect(article).to_have_attribute("dir", "ltr")
    expect(article.get_by_role("heading", name=english_title, level=2)).to_be_visible()
    expect(page.get_by_role("heading", name=japanese_title)).to_have_count(0)
    # Everything outside the article that is not marked otherwise is Japanese interface text.
    expect(page.locator("h1")).to_have_text(ja("%(org)s code of conduct") % {"org": settings.STEWARD_ORGANISATION_NAME})
    screenshot(page, f"guidelines-ja-outdated-{how.replace(' ', '-')}")

    # The notice leads to the Japanese text of version 1.0, which stays readable.
    notice.get_by_role("link").click()
    check_page_language(page)
    expect(page.locator("#version-notice")).to_be_visible()
    expect(page.locator("article.guidelines")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", name=japanese_title, level=2)).to_be_visible()
