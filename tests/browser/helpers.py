"""Helpers shared by the browser tests: screenshots and the reporter's steps."""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone, translation
from playwright.sync_api import BrowserContext, FilePayload, Page

from steward.policy import services as policy_services
from steward.policy import starter
from steward.policy.models import GuidelineTranslation, GuidelineVersion
from tests.conftest import TOTP_SECRET, png_bytes, totp_code

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot into test-artifacts/ (ignored by git) for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_load_state()  # a visible heading does not mean the whole document has arrived
    page.screenshot(path=str(path), full_page=True)
    return path


def curated_screenshots() -> bool:
    """README screenshots are only rewritten on request: STEWARD_SCREENSHOTS=1."""
    return os.environ.get("STEWARD_SCREENSHOTS") == "1"


def docs_screenshot(page: Page, name: str) -> None:
    if curated_screenshots():
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state()
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=True)


def set_language(context: BrowserContext, live_server_url: str, language: str) -> None:
    """What the language form stores: Django's language cookie."""
    context.add_cookies([{"name": "steward_language", "value": language, "url": live_server_url}])


def fill_required(page: Page, narrative: str = "Someone kept posting insults about me in the forum.") -> None:
    """The only answers the report form needs: what happened and how the reporter was involved."""
    page.locator("#id_narrative").fill(narrative)
    page.locator("#id_reporter_role_0").check()


def file_report(page: Page, narrative: str = "Someone kept posting insults about me in the forum.") -> str:
    """Fill in and send the report form on the current page; return the receipt code."""
    fill_required(page, narrative)
    page.locator("form.report-form button[type=submit]").click()
    code = page.locator("#receipt-code")
    code.wait_for()
    return code.inner_text().strip()


def staff_sign_in(page: Page, username: str, password: str, secret: str = TOTP_SECRET) -> None:
    """Both steps, as staff do: password, then the code from their authenticator app."""
    page.goto("/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page, secret)
    page.locator("table.queue").wait_for()


def enter_authenticator_code(page: Page, secret: str = TOTP_SECRET) -> None:
    """The second sign-in step: the code the authenticator app shows now."""
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    for _attempt in range(2):
        window = int(time.time() // 30)
        page.get_by_label("Code").fill(totp_code(secret))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if "/2fa/authenticate/" not in page.url:
            return
        # Refused as an authenticator app's code would be: typed as its 30 seconds ran out, or
        # already used by this person in this window (a second sign-in). Wait for the next one.
        while int(time.time() // 30) == window:
            time.sleep(0.5)


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def png_file(name: str) -> FilePayload:
    """A small PNG for a file input."""
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes()}


def ui(language: str, message: str) -> str:
    """An interface string as the compiled catalog has it in `language`, so tests follow wording changes."""
    with translation.override(language):
        return translation.gettext(message)


def starter_guidelines() -> GuidelineVersion:
    """Version 1.0 as the data migrations make it, with its shipped translations: browser tests empty
    every table after each test."""
    importlib.import_module("steward.policy.migrations.0002_starter_code_of_conduct").create_starter(apps, None)
    starter.install_translations(apps)
    return GuidelineVersion.objects.get(major=1, minor=0)


# A heading and a sentence per guideline language, to fill a translation with.
TRANSLATED = {
    "ja": ("第{n}章", "この節は日本語に翻訳されています。"),
    "ar": ("القسم {n}", "هذا القسم مترجم إلى العربية."),
}


def translate_guidelines(version: GuidelineVersion, locale: str, by: User) -> GuidelineTranslation:
    """A complete translation of every section, saved as a translator would through the services."""
    heading, body = TRANSLATED[locale]
    sections = {s.kind: policy_services.SectionInput(heading.format(n=n), f"{body} ({n})")
                for n, s in enumerate(version.sections_in_order(), start=1)}
    return policy_services.save_translation(
        version, locale, policy_services.TranslationInput(sections=sections, changelog=body), by=by)


def publish_guidelines(by: User, number: str = "2.0", changelog: str = "Clarified the appeals section.") -> GuidelineVersion:
    """The next version, copied from the newest one and published today."""
    draft = policy_services.create_draft(by=by, number=number, effective_date=timezone.localdate(), changelog=changelog)
    return policy_services.publish_version(draft, by=by)


def fill_decision_message(page: Page) -> None:
    """The decision form's neutral texts for the reported person's message."""
    page.get_by_label("The behaviour, described neutrally").fill("Repeated insults aimed at other people in the forum.")
    page.get_by_label("Its impact").fill("Several contributors stopped taking part in the discussion.")
    page.get_by_label("The change expected").fill("Keep discussions about the work and treat people with respect.")
