"""With JavaScript off, a reporter who attached two files and made one mistake gets the form back
with both files kept, files the report with both, and sending the same form again shows the
same receipt code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from steward.core.roles import Role
from steward.reports.models import Report
from tests.conftest import PASSWORD, make_staff

from .helpers import page_width, png_file, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text_file(name: str) -> FilePayload:
    return {"name": name, "mimeType": "text/plain", "buffer": b"<rude-dev> nobody wants you here\n"}


def send_two_files_and_a_mistake(page: Page) -> None:
    page.goto("/report/")
    expect(page.locator("#id_evidence_helptext")).to_contain_text("Up to 5 files, each at most")
    page.locator("#id_reporter_role_0").check()
    page.locator("#id_evidence").set_input_files([png_file("forum-post.png"), text_file("chat-log.txt")])
    page.locator("form.report-form button[type=submit]").click()  # the mistake: "What happened?" is empty

    expect(page.locator(".error-summary")).to_be_visible()
    held = page.locator(".held-files li")
    expect(held).to_have_count(2)
    expect(held.nth(0)).to_contain_text("Attached: forum-post.png")
    expect(held.nth(1)).to_contain_text("Attached: chat-log.txt")
    expect(held.nth(0).get_by_label("remove")).not_to_be_checked()


def test_two_files_and_one_mistake_without_javascript(new_context: Callable[..., BrowserContext],
                                                      live_server: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    send_two_files_and_a_mistake(page)
    screenshot(page, "report-form-files-kept")

    page.locator("#id_narrative").fill("He posted my home address in the forum, twice.")
    # What the browser is about to send, to send it once more below as a retry after a lost response would.
    sent = {"narrative": "He posted my home address in the forum, twice.", "reporter_role": "affected",
            "ongoing": "unknown", "consent_contact_reported": "no", "consent_name_to_reported": "no",
            "anonymous": "anonymous", "preferred_language": "en"}
    for hidden in ("csrfmiddlewaretoken", "submission"):
        sent[hidden] = page.locator(f"form.report-form input[name={hidden}]").input_value()
    page.locator("form.report-form button[type=submit]").click()
    code = page.locator("#receipt-code").inner_text().strip()

    report = Report.objects.get()
    assert sorted(e.name for e in report.evidence.all()) == ["chat-log.txt", "forum-post.png"]

    # The same form sent again from the same browser (its cookies, its token): the same code, no second report.
    again = page.request.post("/report/", multipart=sent, headers={"Referer": f"{live_server.url}/report/"})
    assert again.ok, again.status
    page.set_content(again.text())
    expect(page.locator("#receipt-code")).to_have_text(code)
    expect(page.get_by_text("We had already received this report.")).to_be_visible()
    assert Report.objects.count() == 1

    staff = new_context().new_page()
    make_staff("tara", Role.TRIAGER, first_name="Tara")
    staff_sign_in(staff, "tara", PASSWORD)
    staff.goto(f"/staff/cases/{report.case_id}/")
    files = staff.locator("ul.files").first
    expect(files).to_contain_text("forum-post.png")
    expect(files).to_contain_text("chat-log.txt")


def test_the_form_with_kept_files_has_no_axe_violations(new_context: Callable[..., BrowserContext],
                                                        live_server: Any) -> None:
    """axe runs inside the page, so this one has JavaScript on; the page is the same."""
    page = new_context().new_page()
    send_two_files_and_a_mistake(page)
    results = Axe().run(page)
    assert not results.violations_count, results.generate_report()


def test_kept_files_fit_a_phone_without_javascript(new_context: Callable[..., BrowserContext],
                                                   live_server: Any) -> None:
    phone = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, is_mobile=True,
                        has_touch=True, device_scale_factor=2)
    page = phone.new_page()
    page.goto("/report/")
    page.locator("#id_evidence").set_input_files([
        png_file("a-screenshot-with-a-rather-long-name-from-a-phone-camera-2026-03-14.png"), text_file("chat-log.txt")])
    page.locator("form.report-form button[type=submit]").tap()

    expect(page.locator(".held-files li")).to_have_count(2)
    assert page_width(page) <= 360, page_width(page)
    page.locator(".held-files").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot(page, "phone-report-form-files-kept")), full_page=False)
