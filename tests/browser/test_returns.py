"""The return page a banned person reaches from their invitation: phone-sized, without
JavaScript, no account; confirming the guidelines completes the onboarding step."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from steward.core import links
from steward.core.roles import Role
from steward.decisions import returns
from steward.decisions.models import Return
from steward.reports.services import Account
from tests.conftest import PASSWORD, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import current_ladder, decide

from .helpers import page_width, screenshot, staff_sign_in, starter_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360


def return_link(file_report: Any) -> str:
    """A 20-day temporary ban whose invitation went out: the path of the person's link."""
    starter_guidelines()
    current_ladder()
    report, _ = file_report(accounts=[Account("github", "mallory")])
    decision = decide(awaiting(report.case), make_staff("dora", Role.DECISION_MAKER), "temporary_ban", days=20)
    returns.run_daily(decision.ends_on - datetime.timedelta(days=7))
    return links.path("return", links.issue("return", Return.objects.get(decision=decision).pk))


def test_the_return_page_on_a_phone_without_javascript(new_context: Callable[..., BrowserContext],
                                                       file_report: Any) -> None:
    path = return_link(file_report)
    context = new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True,
                          device_scale_factor=2, java_script_enabled=False)
    page = context.new_page()
    page.goto(path)
    expect(page.get_by_role("heading", name="Before you return")).to_be_visible()
    expect(page.get_by_role("link", name="Read the code of conduct, version 1.0")).to_be_visible()
    assert page_width(page) <= WIDTH, f"the return page scrolls sideways: {page_width(page)} px wide"
    screenshot(page, "return-phone")
    page.get_by_role("button", name="Confirm").click()  # not ticked: refused, said so
    expect(page.locator(".error-summary")).to_be_visible()
    assert Return.objects.get().acknowledged_at is None
    screenshot(page, "return-phone-error")
    page.get_by_label("I have read the code of conduct and will follow it.").check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    screenshot(page, "return-phone-done")
    assert Return.objects.get().acknowledged_version == "1.0"
    page.goto(path)  # single-use
    expect(page.get_by_text("This link was already used.")).to_be_visible()


def test_a_triager_imposes_an_interim_measure_then_records_a_breach_of_the_ban(page: Any, file_report: Any) -> None:
    """The staff side: the interim measure from the case page, then, once banned, a breach."""
    current_ladder()
    tara = make_staff("tara", Role.TRIAGER, first_name="Tara")
    report, _ = file_report(accounts=[Account("github", "mallory")])
    case = awaiting(report.case)
    staff_sign_in(page, tara.username, PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_role("link", name="Impose interim measure").click()
    page.get_by_label("No contact with the people involved").check()
    page.get_by_label("Ends on").fill((datetime.date.today() + datetime.timedelta(days=14)).isoformat())
    page.get_by_label("Why the measure is needed (internal)").fill("He keeps writing to the reporter.")
    screenshot(page, "interim-form")
    page.get_by_role("button", name="Impose interim measure").click()
    section = page.locator("section.interim")
    expect(section).to_contain_text("He keeps writing to the reporter.")
    expect(section).to_contain_text("in force")
    screenshot(page, "interim-on-case-page")

    decide(case, tara, "temporary_ban", days=30)
    page.goto(f"/staff/cases/{case.pk}/")
    expect(section).to_contain_text("The decision was recorded")
    page.get_by_role("link", name="Record a breach of “Temporary ban”").click()
    page.get_by_label("Day of the breach").fill(datetime.date.today().isoformat())
    page.get_by_label("What happened (internal)").fill("Wrote to the reporter from a second account.")
    screenshot(page, "breach-form")
    page.get_by_role("button", name="Record breach").click()
    expect(page.locator("section.returns")).to_contain_text("awaiting a new decision")
    screenshot(page, "breach-on-case-page")
    page.get_by_role("link", name="Record decision").click()
    expect(page.locator("#recommendation")).to_contain_text("Permanent ban")
    screenshot(page, "breach-recommendation")
