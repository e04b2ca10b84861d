"""The decision-making policy in the browser: a case whose reported person is a staff member waits
for HR; HR is asked with the rule's scope, sees the conduct but not who reported, and answers;
then the decision is recorded. The administrator's rules page is looked at too."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import BrowserContext, Page, expect

from steward.cases import services as case_services
from steward.cases.models import Case, Party, Status
from steward.core.roles import Role
from steward.decisions.models import Decision
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.cases.helpers import answers
from tests.conftest import PASSWORD, make_staff
from tests.decisions.helpers import current_ladder

from .helpers import enter_authenticator_code, fill_decision_message, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _shipped_rules(transactional_db: Any) -> None:
    """The shipped rules and ladder come from data migrations; an earlier transactional test emptied the tables."""
    shipped = importlib.import_module("steward.cases.migrations.0007_consultation_rules")
    shipped.add_default_rules(apps, None)
    current_ladder()


def _sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    expect(page).not_to_have_url(re.compile("/accounts/"))  # signed in, not still on a sign-in step


def test_a_staff_case_waits_for_hr_who_sees_the_conduct_but_not_the_reporter(
        new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    tara = make_staff("tara", Role.TRIAGER, first_name="Tara")
    hera = make_staff("hera", Role.CONSULTANT_HR, first_name="Hera")
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    report, _ = report_services.submit_report(report_services.Intake(
        narrative="Someone kept posting insults about me in the forum.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="staff-case", anonymous=False, contact_name="Rosa Reporter", contact_email="rosa@example.net",
        accounts=[Account("github", "mallory")]))
    case = report.case
    case_services.add_party(case, system="github", handle="rosa-gh", role=Party.Role.REPORTER, by=tara)
    case_services.add_note(case, by=tara, body="Mallory works on the release team.")
    given = answers(staff_or_contractor_involved=True)
    case_services.triage_case(case, by=tara, answers=given, priority=case_services.propose_priority(given), reason="")
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_DECISION)

    # The decision maker cannot decide yet.
    deciding = new_context().new_page()
    staff_sign_in(deciding, dora.username, PASSWORD)
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    expect(deciding.get_by_role("heading", name="Consultations required before a decision")).to_be_visible()
    deciding.get_by_role("radio", name="Warning", exact=True).check()
    deciding.get_by_label("Person the decision applies to").select_option(label="Reported person: GitHub mallory")
    deciding.get_by_label("Decision summary for the reporter").fill("A warning was given.")
    deciding.get_by_label("Reasons (internal)").fill("Insults in the forum.")
    deciding.get_by_label("Why you chose other than the recommendation (internal)").fill("A warning, not a correction: staff.")
    fill_decision_message(deciding)
    deciding.get_by_role("button", name="Record decision").click()
    expect(deciding.get_by_text("needs these consultations before a decision: HR (not asked yet)").first).to_be_visible()
    screenshot(deciding, "staff-decision-waits-for-hr")
    assert not Decision.objects.exists()

    # The triager asks HR; the rule's scope is ticked already.
    asking = new_context().new_page()
    staff_sign_in(asking, tara.username, PASSWORD)
    asking.goto(f"/staff/cases/{case.pk}/")
    needs = asking.locator("section.consultation-needs")
    expect(needs).to_contain_text("A staff member or contractor of the organisation is involved")
    screenshot(asking, "staff-case-required-consultations")
    needs.get_by_role("link", name="Ask HR").click()
    form = asking.locator("#consult")
    expect(form.get_by_label("Internal notes and triage reasons")).to_be_checked()
    expect(form.get_by_label("Who reported (reporters' names and contact details)")).not_to_be_checked()
    expect(form.get_by_label("Reports and messages with reporters")).not_to_be_checked()
    form.get_by_label("Consultant").select_option(label="Hera (hera)")
    form.get_by_label("Question").fill("Is this a conduct matter for HR?")
    form.get_by_role("button", name="Request consultation").click()
    expect(asking.get_by_text("Consultation requested.")).to_be_visible()

    # HR reads the conduct, not who reported, and answers.
    hr = new_context().new_page()
    staff_sign_in(hr, hera.username, PASSWORD)
    hr.goto(f"/staff/cases/{case.pk}/")
    expect(hr.get_by_text("Mallory works on the release team.")).to_be_visible()
    expect(hr.locator("main")).to_contain_text("mallory")
    for trace in ("Rosa Reporter", "rosa@example.net", "rosa-gh", "insults about me"):
        expect(hr.locator("body")).not_to_contain_text(trace)
    screenshot(hr, "staff-case-hr-consultant")
    hr.get_by_label("Your answer").fill("HR will follow up with the employee.")
    hr.get_by_role("button", name="Send answer").click()
    expect(hr.get_by_text("Answer sent.")).to_be_visible()

    # Now the decision goes through.
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    expect(deciding.locator("li.need-satisfied")).to_contain_text("answered")
    expect(deciding.get_by_label("Reason to decide without waiting for the consultations")).to_have_count(0)
    deciding.get_by_role("radio", name="Warning", exact=True).check()
    deciding.get_by_label("Person the decision applies to").select_option(label="Reported person: GitHub mallory")
    deciding.get_by_label("Decision summary for the reporter").fill("A warning was given.")
    deciding.get_by_label("Reasons (internal)").fill("Insults in the forum; HR follows up.")
    deciding.get_by_label("Why you chose other than the recommendation (internal)").fill("A warning, not a correction: staff.")
    fill_decision_message(deciding)
    deciding.get_by_role("button", name="Record decision").click()
    expect(deciding.get_by_text("Decision recorded.")).to_be_visible()
    assert Decision.objects.get().case_id == case.pk


def test_an_administrator_switches_a_rule_off(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    page = new_context().new_page()
    _sign_in(page, "ada")
    page.goto("/staff/consultation-rules/")
    expect(page.get_by_role("heading", name="Consultation rules", exact=True)).to_be_visible()
    rule = page.locator("section.rule").filter(has_text="A minor is involved")
    rule.get_by_label("In force").uncheck()
    rule.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Rule saved: “A minor is involved”.")).to_be_visible()
    expect(page.locator("section.rule").filter(has_text="A minor is involved")).to_contain_text("not in force")
    screenshot(page, "staff-consultation-rules")
