"""A reader who arrives on an Arabic link makes a report, gets the handler's question and answers it,
all in Arabic and right to left. Expected wording comes from the compiled catalog."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from steward.core.roles import Role
from steward.reports import services as report_services
from tests.conftest import make_staff

from .helpers import png_file, screenshot, ui

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARRATIVE = "في قناة المشروع، سخر أحد المشرفين من لهجتي ووصف طلب الدمج الذي قدمته بأنه قمامة."
QUESTION = "شكرًا لإخبارنا. هل حدث هذا أكثر من مرة؟"
ANSWER = "نعم، حدث مرتين في الاجتماع الأسبوعي."
# Interface strings that must not show in English once the reader chose Arabic.
ENGLISH = ["Make a report", "Send report", "What happened?", "Your receipt code", "Follow a report",
           "Receipt code", "Open my report", "Your report", "Messages", "Send", "Language", "Skip to main content"]


def ar(message: str) -> str:
    return ui("ar", message)


def check_arabic(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    text = page.locator("body").inner_text()
    shown = [english for english in ENGLISH if re.search(rf"\b{re.escape(english)}\b", text)]
    assert not shown, f"English interface text on {page.url}: {shown}"


def test_arabic_reader_reports_and_answers_in_arabic(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    for message in ("Make a report", "Send", "Your report"):
        assert ar(message) != message, f"no Arabic for “{message}” in the compiled catalog"
    reader = new_context(java_script_enabled=False).new_page()

    # A link in Arabic: ?lang=ar once, and the choice is remembered.
    reader.goto("/report/?lang=ar")
    check_arabic(reader)
    expect(reader.get_by_role("heading", name=ar("Make a report"), level=1)).to_be_visible()
    expect(reader.get_by_role("heading", name=ar("What happened"), level=2)).to_be_visible()
    reader.get_by_label(ar("What happened?")).fill(NARRATIVE)
    reader.get_by_role("group", name=ar("How were you involved?")).get_by_label(ar("It happened to me")).check()
    reader.get_by_label(ar("Screenshots or other files (optional)")).set_input_files(png_file("لقطة-شاشة.png"))
    screenshot(reader, "arabic-report-form")
    reader.get_by_role("button", name=ar("Send report")).click()

    expect(reader.get_by_role("heading", name=ar("Thank you. We received your report."), level=1)).to_be_visible()
    expect(reader.get_by_role("heading", name=ar("Your receipt code"))).to_be_visible()
    check_arabic(reader)
    code = reader.locator("#receipt-code").inner_text().strip()
    screenshot(reader, "arabic-receipt")

    report = report_services.find_report(code)
    assert report is not None
    assert report.narrative == NARRATIVE
    assert [evidence.name for evidence in report.evidence.all()] == ["لقطة-شاشة.png"]  # type: ignore[attr-defined]

    # A triager writes to the reporter (in the test process, as the staff side would).
    report_services.message_reporter(report, by=make_staff("tara", Role.TRIAGER, first_name="Tara"), body=QUESTION)

    # Days later, the reader comes back: no ?lang= this time, the cookie keeps Arabic.
    reader.goto("/follow-up/")
    check_arabic(reader)
    expect(reader.get_by_role("heading", name=ar("Follow a report"), level=1)).to_be_visible()
    reader.get_by_label(ar("Receipt code")).fill(code)
    reader.get_by_role("button", name=ar("Open my report")).click()

    expect(reader.get_by_role("heading", name=ar("Your report"), level=1)).to_be_visible()
    expect(reader.get_by_role("heading", name=ar("Messages"), level=2)).to_be_visible()
    check_arabic(reader)
    expect(reader.locator(".message-item").filter(has_text=QUESTION)).to_contain_text("Tara")
    reader.get_by_label(ar("Your message")).fill(ANSWER)
    reader.get_by_role("button", name=ar("Send"), exact=True).click()

    expect(reader.locator(".messages")).to_have_text(
        ar("Thank you. Your message was sent to the people handling your report."))
    expect(reader.locator(".message-item")).to_have_count(2)
    expect(reader.locator(".message-item").last).to_contain_text(ANSWER)
    check_arabic(reader)
    screenshot(reader, "arabic-follow-up-case")
    assert [m.body for m in report.messages.order_by("at", "pk")] == [QUESTION, ANSWER]  # type: ignore[attr-defined]
