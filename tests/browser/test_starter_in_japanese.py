"""A Japanese reader of a new installation: the report form's categories and the starter code of
conduct are in Japanese from the start, without any notice that the text is English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from steward.policy import starter
from steward.policy.models import SectionKind
from tests.conftest import file_received_reports

from .helpers import fill_required, screenshot, starter_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def japanese() -> starter.StarterTranslation:
    shipped = starter.translation_for("ja")
    assert shipped is not None
    return shipped


def test_the_report_form_offers_the_categories_in_japanese(new_context: Callable[..., BrowserContext],
                                                          live_server: Any) -> None:
    starter_guidelines()
    labels = japanese().labels
    page = new_context().new_page()
    page.goto("/report/?lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    for slug, english, _description in starter.STARTER_CATEGORIES:
        expect(page.get_by_label(labels[f"category:{slug}"], exact=True)).to_be_visible()
        expect(page.get_by_label(english, exact=True)).to_have_count(0)
    screenshot(page, "report-form-ja-categories")

    # Choosing a category by its Japanese name files the report under that category.
    fill_required(page, "フォーラムで何度も侮辱的な投稿をされました。")
    page.get_by_label(labels["category:harassment"], exact=True).check()
    page.get_by_label(labels["category:personal-attacks"], exact=True).check()
    page.locator("form.report-form button[type=submit]").click()
    expect(page.locator("#receipt-code")).to_be_visible()
    (report,) = file_received_reports()
    assert report.categories == ["harassment", "personal-attacks"]


def test_the_code_of_conduct_reads_in_japanese(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    version = starter_guidelines()
    shipped = japanese()
    page = new_context().new_page()
    page.goto("/guidelines/?lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#translation-notice")).to_have_count(0)
    article = page.locator("article.guidelines")
    expect(article).to_have_attribute("lang", "ja")
    for section in version.sections_in_order():
        title, body = shipped.sections[section.kind]
        expect(article.get_by_role("heading", name=title, level=2)).to_be_visible()
        expect(article.get_by_role("heading", name=section.title)).to_have_count(0)
        first_sentence = body.split("。")[0]
        expect(article).to_contain_text(first_sentence)
    for slug, english, _description in starter.STARTER_CATEGORIES:
        expect(article.locator(f"#category-{slug}")).to_have_text(shipped.labels[f"category:{slug}"])
        expect(article.get_by_text(english, exact=True)).to_have_count(0)
    expect(article.locator("ul.characteristics li", has_text=shipped.labels["protected:caste"])).to_be_visible()
    # The link to How to Report keeps its address inside the Japanese text.
    reporting = shipped.sections[SectionKind.REPORTING.value][1]
    assert "](/how-to-report/)" in reporting
    expect(article.locator('a[href="/how-to-report/"]')).not_to_have_count(0)
    screenshot(page, "guidelines-ja-starter")
