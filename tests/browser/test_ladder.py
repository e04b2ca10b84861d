"""An administrator in the browser: picks the Mozilla-style preset, edits a level, moves it,
publishes the draft; the public consequences page then shows the new ladder, also on a phone.
A decision maker sees the recommendation and must explain choosing another level."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from steward.core.roles import Role
from steward.decisions import ladders
from steward.decisions.models import Decision
from steward.reports.services import Account
from tests.conftest import PASSWORD, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import current_ladder

from .helpers import enter_authenticator_code, fill_decision_message, screenshot
from .test_platform_admin import sign_in_as_administrator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_edits_and_publishes_the_ladder(new_context: Callable[..., BrowserContext],
                                                          live_server: Any) -> None:
    make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    current_ladder()
    page = new_context().new_page()
    sign_in_as_administrator(page)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Consequence ladder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consequence ladder")
    page.get_by_label("Seven levels (Mozilla style)").check()
    page.get_by_role("button", name="Create draft from preset").click()
    expect(page.locator(".messages")).to_contain_text("Draft created from the preset.")

    level = page.locator("li#level-" + str(ladders.open_draft().levels.get(key="simple_warning").pk))
    level.locator("summary", has_text="Edit Simple warning").click()
    level.get_by_label("Name").fill("Private warning")
    level.get_by_label("No contact with the people involved").check()
    level.get_by_role("button", name="Save level").click()
    expect(page.locator(".messages")).to_contain_text("Level “Private warning” saved.")
    renamed = page.locator("ol.levels > li").nth(1)
    expect(renamed).to_contain_text("Private warning")
    expect(renamed).to_contain_text("No contact with the people involved")
    renamed.get_by_role("button", name="Move Private warning more severe").click()
    expect(page.locator("ol.levels > li").nth(2)).to_contain_text("Private warning")
    screenshot(page, "staff-ladder-draft")

    page.get_by_role("button", name="Publish this version").click()
    expect(page.locator(".messages")).to_contain_text("is now the ladder for new decisions")
    assert ladders.current_ladder().preset == "mozilla-style"

    phone = new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False).new_page()
    phone.goto("/guidelines/consequences/")
    expect(phone.locator("ol.ladder > li")).to_have_count(7)
    expect(phone.locator("ol.ladder > li").nth(2)).to_contain_text("Private warning")
    screenshot(phone, "public-consequences-phone")


def test_a_decision_maker_sees_the_recommendation_and_explains_a_different_choice(
        new_context: Callable[..., BrowserContext], live_server: Any, file_report: Any) -> None:
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    current_ladder()
    report, _ = file_report(accounts=[Account("github", "mallory")])
    case = awaiting(report.case)
    page = new_context().new_page()
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.get_by_role("heading", level=1).wait_for()
    page.goto(f"/staff/cases/{case.pk}/decision/")
    expect(page.locator("#recommendation")).to_contain_text("First violation on record: the mildest level.")
    expect(page.locator("ol.ladder > li")).to_have_count(4)
    page.get_by_label("Warning", exact=True).check()
    page.get_by_label("Person the decision applies to").select_option(label="Reported person: GitHub mallory")
    page.get_by_label("Decision summary for the reporter").fill("The person you reported was warned.")
    page.get_by_label("Reasons (internal)").fill("Insults in the chat, confirmed by a moderator.")
    fill_decision_message(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".error-summary")).to_contain_text("Steward recommended “Correction”: write why you chose otherwise.")
    screenshot(page, "staff-decision-recommendation")
    page.get_by_label("Why you chose other than the recommendation (internal)").fill("Aimed at a newcomer.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    decision = Decision.objects.get(case=case)
    assert decision.level_key == "warning" and decision.decided_by == dora
