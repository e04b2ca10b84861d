"""Helpers shared by the browser tests: screenshots and the reporter's steps."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import BrowserContext, FilePayload, Page

from tests.conftest import png_bytes

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


def staff_sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/staff/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.locator("table.queue").wait_for()


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def png_file(name: str) -> FilePayload:
    """A small PNG for a file input."""
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes()}
