"""Browser journey of the reporter told the proposed outcome: on a phone without scripts they
read it on the follow-up page and give feedback; the decision maker reads it on the proposal;
after the decision is enacted a late form is refused. Both reporter pages pass axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from steward.core.roles import Role
from steward.decisions import proposals
from steward.decisions.models import ReporterFeedback
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import PASSWORD, make_staff
from tests.decisions.conftest import awaiting, reported_person
from tests.decisions.helpers import DEPARTURE, current_ladder, level

from .helpers import page_width, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NOTICE = "We propose a written warning to the person you reported, and a pause from reviewing for a month."
FEEDBACK = "A warning is fair, but please keep him away from my pull requests."


def _sign_in(page: Page, code: str) -> None:
    page.goto("/follow-up/")
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").click()


def test_the_reporter_reads_the_proposed_outcome_on_a_phone_and_gives_feedback(
        new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    current_ladder()
    intake = report_services.Intake(narrative="He kept sending me insulting messages in the project chat.",
                                    reporter_role=Report.ReporterRole.AFFECTED, submission_token="feedback-journey",
                                    accounts=[Account("github", "mallory")])
    report, code = report_services.submit_report(intake)
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    case = awaiting(report.case)
    proposal = proposals.propose(case, proposals.ProposalInput(
        level=level("warning"), subject=reported_person(case), reporter_summary="A warning.",
        rationale="Insults.", departure_reason=DEPARTURE), by=dora)
    found: dict[str, str] = {}

    # The decision maker tells the reporters, from the proposal on the decision page.
    staff = new_context().new_page()
    staff_sign_in(staff, "dora", PASSWORD)
    staff.goto(f"/staff/cases/{case.pk}/decision/")
    staff.get_by_text("Tell the reporters the proposed outcome").click()
    staff.get_by_label("What the reporters are told is proposed").fill(NOTICE)
    staff.get_by_role("button", name="Tell the reporters").click()
    expect(staff.locator(".messages")).to_contain_text("The reporters were told")
    expect(staff.locator("#proposal")).to_contain_text("No feedback yet")

    audited = new_context(viewport=PHONE).new_page()  # axe runs as a script; the reporter's page uses none
    _sign_in(audited, code)
    expect(audited.locator("#proposed")).to_contain_text(NOTICE)
    if (results := Axe().run(audited)).violations_count:
        found["follow-up with the proposed outcome"] = results.generate_report()

    # The reporter, on a phone without scripts.
    phone = new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
    _sign_in(phone, code)
    expect(phone.get_by_role("heading", name="The outcome we propose")).to_be_visible()
    expect(phone.locator("#proposed")).to_contain_text(NOTICE)
    assert page_width(phone) <= PHONE["width"]
    phone.get_by_role("button", name="Send my feedback").click()  # nothing written: refused, named
    expect(phone.locator("#proposed .error-summary")).to_contain_text("This field is required")
    phone.get_by_label("I agree", exact=True).check()
    phone.get_by_label("Your feedback").fill(FEEDBACK)
    screenshot(phone, "reporter-feedback-phone")
    phone.get_by_role("button", name="Send my feedback").click()
    expect(phone.locator(".messages")).to_contain_text("Your feedback was recorded")
    expect(phone.locator("#feedback-given")).to_be_visible()
    expect(phone.locator("#proposed")).to_contain_text(FEEDBACK)
    assert ReporterFeedback.objects.get().agrees is True

    # The decision maker reads it on the proposal, and enacts without waiting for more.
    staff.goto(f"/staff/cases/{case.pk}/decision/")
    expect(staff.locator("#proposal")).to_contain_text(FEEDBACK)
    expect(staff.locator("#proposal")).to_contain_text("agrees")

    # A form left open on another device, sent after the decision: refused, nothing changes.
    late = new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
    other, other_code = report_services.submit_report(report_services.Intake(
        narrative="I saw the same messages in the chat.", reporter_role=Report.ReporterRole.WITNESS,
        submission_token="feedback-journey-2"))
    Report.objects.filter(pk=other.pk).update(case=case)
    refused = new_context(viewport=PHONE).new_page()  # the same, checked by axe
    for device in (late, refused):
        _sign_in(device, other_code)
        device.get_by_label("Your feedback").fill("Too late?")
    proposals.enact(proposal, by=dora, override_reason="Not waiting for more feedback.")
    for device in (late, refused):
        device.get_by_role("button", name="Send my feedback").click()
        expect(device.locator("#feedback-refused")).to_contain_text("already taken")
        expect(device.locator("#proposed")).not_to_contain_text(NOTICE)
    screenshot(late, "reporter-feedback-refused-phone")
    assert ReporterFeedback.objects.count() == 1
    if (results := Axe().run(refused)).violations_count:
        found["feedback refused after the decision"] = results.generate_report()
    assert not found, "\n\n".join(f"== {name} ==\n{text}" for name, text in found.items())
