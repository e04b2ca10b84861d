"""Browser journey of an appeal: the reported person appeals a temporary ban through the link in
their message, on a phone without scripts; a decision maker who took no part reduces it to a
warning; the reporter's follow-up page shows the new outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from steward.core import links
from steward.core.roles import Role
from steward.decisions import appeals
from steward.decisions.models import Appeal, Decision
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import PASSWORD, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import current_ladder, decide

from .helpers import page_width, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
GROUNDS = "The account that wrote those messages is not mine; I can show my own account's history."


def test_the_reported_person_appeals_and_another_decision_maker_reduces_the_ban(
        new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    current_ladder()
    intake = report_services.Intake(narrative="He kept sending me insulting messages in the project chat.",
                                    reporter_role=Report.ReporterRole.AFFECTED, submission_token="appeal-journey",
                                    accounts=[Account("email", "mallory@example.net")])
    report, code = report_services.submit_report(intake)
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    make_staff("rory", Role.DECISION_MAKER, first_name="Rory")
    ban = decide(awaiting(report.case), dora, "temporary_ban", days=60, summary="The person was banned for two months.")
    found: dict[str, str] = {}

    url = links.path(appeals.LINK_PURPOSE, links.issue(appeals.LINK_PURPOSE, ban.pk))
    audited = new_context(viewport=PHONE).new_page()  # axe runs as a script; showing the page uses it not
    audited.goto(url)
    if (results := Axe().run(audited)).violations_count:
        found["appeal link"] = results.generate_report()

    # The reported person, on a phone without scripts, through the link in their message.
    phone = new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
    phone.goto(url)
    expect(phone.get_by_role("heading", name="Appeal a decision")).to_be_visible()
    expect(phone.locator("#window")).to_contain_text("You can appeal until")
    expect(phone.locator("main")).to_contain_text(ban.level_name)
    expect(phone.locator("main")).not_to_contain_text("insulting")
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "appeal-link-phone")
    phone.get_by_label("Why you disagree with the decision").fill(GROUNDS)
    phone.get_by_role("button", name="Send my appeal").click()
    expect(phone.get_by_role("heading", name="Your appeal was received")).to_be_visible()
    phone.goto(url)
    expect(phone.get_by_role("heading", name="This appeal link cannot be used")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("already used")

    # A decision maker who took no part reduces the ban to a warning.
    staff = new_context().new_page()
    staff_sign_in(staff, "rory", PASSWORD)
    staff.goto("/staff/appeals/")
    staff.get_by_role("link", name=report.case.reference).click()
    expect(staff.locator("main")).to_contain_text(GROUNDS)
    staff.get_by_label("Change: a new decision replaces it").check()
    staff.get_by_label("Warning", exact=True).check()
    staff.get_by_label("Reasons (internal)").fill("A first offence: a warning is enough.")
    staff.get_by_label("What the reporter is told").fill("On appeal the ban was reduced to a warning.")
    screenshot(staff, "appeal-review")
    staff.get_by_role("button", name="Decide the appeal").click()
    expect(staff.locator(".messages")).to_contain_text("Appeal decided")
    expect(staff.locator("section.decisions")).to_contain_text("Set aside on appeal")
    screenshot(staff, "appeal-case-page")
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.CHANGED and appeal.new_decision is not None
    assert appeal.new_decision.level_key == "warning" and Decision.objects.get(pk=ban.pk).set_aside_at is not None

    # The reporter reads the new outcome on their follow-up page.
    reporter = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    reporter.goto("/follow-up/")
    reporter.locator("#id_code").fill(code)
    reporter.locator("main form button[type=submit]").click()
    expect(reporter.locator("section.decision")).to_contain_text("On appeal the ban was reduced to a warning.")
    expect(reporter.locator("#appeal-outcome")).to_contain_text("the decision was changed")
    expect(reporter.locator("section.decision")).to_contain_text("final")
    screenshot(reporter, "appeal-follow-up-phone")
    audited = new_context(viewport=PHONE).new_page()
    audited.goto("/follow-up/")
    audited.locator("#id_code").fill(code)
    audited.locator("main form button[type=submit]").click()
    expect(audited.locator("#appeal-outcome")).to_be_visible()
    if (results := Axe().run(audited)).violations_count:
        found["follow-up after the appeal"] = results.generate_report()
    assert not found, "\n\n".join(f"== {name} ==\n{text}" for name, text in found.items())
