"""The whole decision journey in the browser, as the people in it live it: a case whose reported
person is a staff member cannot be decided until HR has answered; HR sees the conduct but not who
reported; the decision is a temporary ban; both parties receive their messages at a real SMTP
server; the reported person appeals through the link in their email; a decision maker who took no
part reduces the ban; the reported person is told, and the reporter reads the new outcome on the
follow-up page."""

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
from steward.decisions import decision_messages
from steward.decisions.models import Appeal, Decision, DecisionMessage
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.cases.helpers import answers
from tests.conftest import PASSWORD, deliver_outbox, make_staff
from tests.decisions.helpers import current_ladder
from tests.smtp import Inbox, mailers, smtp_server

from .helpers import fill_decision_message, page_width, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
REPORTER, REPORTED = "rosa@example.net", "mallory@example.net"
GROUNDS = "I accept the warning but two months away from my own job's project is out of proportion."


@pytest.fixture(autouse=True)
def _shipped_data(transactional_db: Any) -> None:
    """Rules, ladder and message templates come from data migrations; earlier transactional tests emptied them."""
    importlib.import_module("steward.cases.migrations.0007_consultation_rules").add_default_rules(apps, None)
    current_ladder()
    decision_messages.install_templates()


def _staff_case() -> tuple[Case, str]:
    tara = make_staff("tara", Role.TRIAGER, first_name="Tara")
    report, code = report_services.submit_report(report_services.Intake(
        narrative="Someone kept posting insults about me in the forum.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="decision-journey", anonymous=False, contact_name="Rosa Reporter", contact_email=REPORTER,
        accounts=[Account("email", REPORTED)]))
    case = report.case
    case_services.add_party(case, system="github", handle="rosa-gh", role=Party.Role.REPORTER, by=tara)
    case_services.add_note(case, by=tara, body="Mallory works on the release team.")
    given = answers(staff_or_contractor_involved=True)
    case_services.triage_case(case, by=tara, answers=given, priority=case_services.propose_priority(given), reason="")
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_DECISION)
    return case, code


def _fill_ban(page: Page) -> None:
    page.get_by_role("radio", name="Temporary ban", exact=True).check()
    page.get_by_label("Person the decision applies to").select_option(index=1)
    page.get_by_label("Decision summary for the reporter").fill("The person you reported is banned for two months.")
    page.get_by_label("Reasons (internal)").fill("Sustained insults in the forum; HR follows up as employer.")
    page.get_by_label("Why you chose other than the recommendation (internal)").fill("Sustained, not a first slip.")
    fill_decision_message(page)


def _deliver(inbox_port: int, settings: Any) -> None:
    settings.MAILERS = mailers(inbox_port)
    deliver_outbox()


def _only(inbox: Inbox, address: str, subject_has: str) -> str:
    found = [mail for mail in inbox.to(address) if subject_has in " ".join(mail.subject.split())]
    assert len(found) == 1, [mail.subject for mail in inbox.to(address)]
    return found[0].body


def test_a_staff_case_is_decided_after_hr_messaged_appealed_and_reduced(
        new_context: Callable[..., BrowserContext], live_server: Any, settings: Any) -> None:
    case, code = _staff_case()
    make_staff("hera", Role.CONSULTANT_HR, first_name="Hera")
    make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    make_staff("rory", Role.DECISION_MAKER, first_name="Rory")

    # The decision maker cannot decide before HR has answered.
    deciding = new_context().new_page()
    staff_sign_in(deciding, "dora", PASSWORD)
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    expect(deciding.get_by_role("heading", name="Consultations required before a decision")).to_be_visible()
    _fill_ban(deciding)
    deciding.get_by_role("button", name="Record decision").click()
    expect(deciding.get_by_text("needs these consultations before a decision: HR (not asked yet)").first).to_be_visible()
    assert not Decision.objects.exists()

    # The triager asks HR with the rule's scope; HR sees the conduct, not who reported, and answers.
    asking = new_context().new_page()
    staff_sign_in(asking, "tara", PASSWORD)
    asking.goto(f"/staff/cases/{case.pk}/")
    asking.locator("section.consultation-needs").get_by_role("link", name="Ask HR").click()
    form = asking.locator("#consult")
    expect(form.get_by_label("Who reported (reporters' names and contact details)")).not_to_be_checked()
    form.get_by_label("Consultant").select_option(label="Hera (hera)")
    form.get_by_label("Question").fill("Is this a conduct matter for HR?")
    form.get_by_role("button", name="Request consultation").click()
    expect(asking.get_by_text("Consultation requested.")).to_be_visible()
    hr = new_context().new_page()
    staff_sign_in(hr, "hera", PASSWORD)
    hr.goto(f"/staff/cases/{case.pk}/")
    expect(hr.get_by_text("Mallory works on the release team.")).to_be_visible()
    for trace in ("Rosa Reporter", REPORTER, "rosa-gh", "insults about me"):
        expect(hr.locator("body")).not_to_contain_text(trace)
    hr.get_by_label("Your answer").fill("HR will follow up with the employee.")
    hr.get_by_role("button", name="Send answer").click()
    expect(hr.get_by_text("Answer sent.")).to_be_visible()

    # Now the temporary ban is previewed and recorded.
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    expect(deciding.locator("li.need-satisfied")).to_contain_text("answered")
    _fill_ban(deciding)
    deciding.get_by_role("button", name="Preview messages").click()
    expect(deciding.locator("#previews")).to_contain_text("To the person the decision applies to")
    expect(deciding.locator("#previews")).not_to_contain_text("Rosa")
    deciding.get_by_role("button", name="Record decision").click()
    expect(deciding.get_by_text("Decision recorded.")).to_be_visible()
    ban = Decision.objects.get()
    assert ban.level_key == "temporary_ban" and ban.ends_on is not None
    written = {message.audience: message for message in DecisionMessage.objects.filter(decision=ban)}
    assert set(written) == {"reported", "reporter"}

    with smtp_server() as (inbox, port):
        _deliver(port, settings)
        # Both parties receive their message; the reported person's names nothing of who reported.
        to_reporter = _only(inbox, REPORTER, " ".join(written["reporter"].subject.split()))
        assert "banned for two months" in to_reporter and code not in to_reporter
        to_person = _only(inbox, REPORTED, " ".join(written["reported"].subject.split()))
        assert "Repeated insults aimed at other people in the forum." in to_person
        for trace in ("Rosa", REPORTER, "rosa-gh", code):
            assert trace not in to_person
        link = re.search(r"https?://\S+(/l/appeal/[^/\s]+/)", to_person)
        assert link is not None, to_person

        # The reported person appeals through the link in their email, on a phone without scripts.
        phone = new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
        phone.goto(link.group(1))
        expect(phone.locator("#window")).to_contain_text("You can appeal until")
        assert page_width(phone) <= PHONE["width"]
        phone.get_by_label("Why you disagree with the decision").fill(GROUNDS)
        phone.get_by_role("button", name="Send my appeal").click()
        expect(phone.get_by_role("heading", name="Your appeal was received")).to_be_visible()

        # The decision maker who decided cannot take the appeal; another one reduces the ban.
        deciding.goto("/staff/appeals/")
        expect(deciding.locator("main")).not_to_contain_text(case.reference)
        reviewing = new_context().new_page()
        staff_sign_in(reviewing, "rory", PASSWORD)
        reviewing.goto("/staff/appeals/")
        reviewing.get_by_role("link", name=case.reference).click()
        expect(reviewing.locator("main")).to_contain_text(GROUNDS)
        reviewing.get_by_label("Change: a new decision replaces it").check()
        reviewing.get_by_label("Warning", exact=True).check()
        reviewing.get_by_label("Reasons (internal)").fill("HR follows up; a warning is proportionate for a first case.")
        reviewing.get_by_label("What the reporter is told").fill("On appeal the ban was reduced to a warning.")
        reviewing.get_by_role("button", name="Decide the appeal").click()
        expect(reviewing.locator(".messages")).to_contain_text("Appeal decided")
        screenshot(reviewing, "decision-journey-appeal-decided")
        appeal = Appeal.objects.get()
        assert appeal.status == Appeal.Status.CHANGED and appeal.decided_by.username == "rory"
        assert appeal.new_decision is not None and appeal.new_decision.level_key == "warning"

        # The reported person is told how the appeal was decided.
        _deliver(port, settings)
        told = _only(inbox, REPORTED, "appeal")
        assert "changed" in told and "Warning" in told and "Rosa" not in told

    # The reporter reads the new outcome on the follow-up page.
    reporter = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    reporter.goto("/follow-up/")
    reporter.locator("input[name=code]").fill(code)
    reporter.locator("main form button[type=submit]").click()
    expect(reporter.locator("section.decision")).to_contain_text("On appeal the ban was reduced to a warning.")
    expect(reporter.locator("#appeal-outcome")).to_contain_text("the decision was changed")
    screenshot(reporter, "decision-journey-follow-up-phone")
