"""A triager confirms a possible conflict of interest on the case page, with JavaScript off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from steward.cases import services as case_services
from steward.cases.models import Case, CaseConflict
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.models import Report
from tests.conftest import PASSWORD, make_staff

from .helpers import screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_triager_confirms_a_possible_conflict(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    tara = make_staff("tara", Role.TRIAGER, first_name="Tara")
    hana = make_staff("hana", Role.CASE_HANDLER, first_name="Hana", email="hana@example.org")
    report, _ = report_services.submit_report(report_services.Intake(
        narrative="Someone kept posting insults about me in the forum.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="possible-conflict", anonymous=False, contact_email="hana@example.org"))
    case = case_services.assign_case(report.case, by=tara, assignee=hana)

    page = new_context(java_script_enabled=False).new_page()
    staff_sign_in(page, tara.username, PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    box = page.locator("section.possible-conflicts")
    expect(box.get_by_role("heading", name="Possible conflict of interest")).to_be_visible()
    expect(box).to_contain_text("Hana")
    expect(box.get_by_role("button", name="Dismiss")).to_be_visible()
    screenshot(page, "staff-case-possible-conflict")

    box.get_by_role("button", name="Confirm conflict").click()
    expect(page.get_by_text("Conflict of interest confirmed: the case is now hidden from that staff member.")).to_be_visible()
    expect(page.locator("section.possible-conflicts")).to_have_count(0)
    expect(page.get_by_text("Possible conflict of interest confirmed for Hana")).to_be_visible()
    screenshot(page, "staff-case-conflict-confirmed")
    assert CaseConflict.objects.get(case=case, user=hana).status == CaseConflict.Status.CONFIRMED
    assert Case.objects.get(pk=case.pk).assignee is None
