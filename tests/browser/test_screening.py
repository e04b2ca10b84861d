"""Screening in the browser: a screener uploads a CSV of 50 applicants with one banned person
among them and sees 49 "clear", 1 "referred" and nothing else; a working-group member sees the
match evidence and declines; the screener then sees "Declined". Also on a phone-sized screen,
with axe finding nothing on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from steward.core.roles import Role
from steward.registry import records
from tests.conftest import PASSWORD, make_staff

from .helpers import docs_screenshot, enter_authenticator_code, page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def _sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.get_by_role("navigation").first.wait_for()


def _no_axe_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def _applicants(tmp_path: Any) -> Any:
    rows = [f"Applicant {n:02d},applicant{n:02d}@example.org,github:applicant-{n:02d},NL" for n in range(49)]
    rows.insert(30, "Dmitri Ivanov,dmitri.ivanov+grants@gmail.com,github:dіvanov,DE")  # a Cyrillic і in the handle
    path = tmp_path / "applicants.csv"
    path.write_text("name,emails,accounts,country\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_one_banned_applicant_among_fifty_is_referred_declined_and_the_screener_sees_only_that(
        page: Page, tmp_path: Any) -> None:
    hr = make_staff("harriet", Role.CONSULTANT_HR, first_name="Harriet")
    records.enter_record(records.EnteredRecord(name="Dmitri Ivanov", emails=("dmitri.ivanov@gmail.com",),
                                               accounts=(("github", "divanov"),), level="Permanent ban"), by=hr)
    make_staff("sia", Role.SCREENER, first_name="Sia")
    _sign_in(page, "sia")
    page.get_by_role("link", name="Screening").click()
    page.locator("#id_csv-purpose").select_option("grant")
    page.locator("#id_csv-file").set_input_files(_applicants(tmp_path))
    page.get_by_role("button", name="Screen the file").click()
    expect(page.get_by_role("heading", name="Screening for: Grant")).to_be_visible()
    rows = page.locator("table.screening-answers tbody tr")
    expect(rows).to_have_count(50)
    expect(page.locator("tr.answer-clear")).to_have_count(49)
    expect(page.locator("tr.answer-referred")).to_have_count(1)
    referred = page.locator("tr.answer-referred")
    expect(referred).to_contain_text("Dmitri Ivanov")
    expect(referred).to_contain_text("Referred")
    text = page.locator("main").inner_text()
    assert "Permanent ban" not in text and "divanov" not in text and "score" not in text.casefold()
    assert "49 clear" in text and "1 referred" in text
    _no_axe_violations(page)
    screenshot(page, "staff-screening-answers")
    docs_screenshot(page, "screening-answers")

    page.context.clear_cookies()
    make_staff("wendy", Role.WORKING_GROUP, first_name="Wendy")
    _sign_in(page, "wendy")
    page.get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name="Referral 1").click()
    expect(page.get_by_role("heading", name="Match evidence")).to_be_visible()
    evidence = page.locator("section.match")
    expect(evidence).to_contain_text("dіvanov")  # what the screener gave
    expect(evidence).to_contain_text("divanov")  # what the registry holds
    expect(page.get_by_text("A restricted record, entered by HR or Legal: ask them.")).to_be_visible()
    _no_axe_violations(page)
    screenshot(page, "staff-referral")
    docs_screenshot(page, "referral")
    page.get_by_label("Decline").check()
    page.get_by_label("Note for the working group").fill("A permanent ban is in force.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decided. The screener is told the outcome, and nothing else.")).to_be_visible()

    page.context.clear_cookies()
    _sign_in(page, "sia")
    page.get_by_role("link", name="Screening").click()
    page.locator("table a").first.click()
    expect(page.locator("tr.answer-referred")).to_contain_text("Declined")
    assert "A permanent ban is in force." not in page.content()

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page_width(page) <= 375
    screenshot(page, "staff-screening-phone")
