"""The whole path of one report, with JavaScript switched off: an anonymous reporter files it,
staff triage, assign and question it, the reporter answers with the receipt code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from steward.cases.models import Space
from steward.core.roles import Role
from tests.conftest import PASSWORD, make_staff

from .helpers import docs_screenshot, enter_authenticator_code, png_file, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARRATIVE = "In the project chat, a maintainer called my pull request garbage and mocked my accent in a voice call."
QUESTION = "Thank you for telling us. Did this happen more than once, and were there other people in the call?"
ANSWER = "It happened twice, in the weekly call on 3 and 10 March. About six people were there."


def test_report_triage_message_and_answer_without_javascript(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    Space.objects.create(name="Project chat", kind=Space.Kind.CHAT)
    make_staff("tara", Role.TRIAGER, first_name="Tara")
    make_staff("hana", Role.CASE_HANDLER, first_name="Hana")

    # The reporter fills in the form anonymously.
    reporter = new_context(java_script_enabled=False).new_page()
    reporter.goto("/report/")
    expect(reporter.get_by_role("heading", name="Make a report", level=1)).to_be_visible()
    screenshot(reporter, "report-form-en")
    docs_screenshot(reporter, "report-form")
    reporter.get_by_label("What happened?").fill(NARRATIVE)
    reporter.get_by_label("Where did it happen?").select_option(label="Project chat (Chat room)")
    reporter.get_by_role("group", name="Is it still happening?").get_by_label("No, it has stopped").check()
    reporter.get_by_role("group", name="How were you involved?").get_by_label("It happened to me").check()
    reporter.get_by_role("group", name="May we contact the person you reported about this?").get_by_label("Yes").check()
    reporter.get_by_label("Screenshots or other files (optional)").set_input_files(png_file("chat-screenshot.png"))
    reporter.get_by_role("button", name="Send report").click()

    expect(reporter.get_by_role("heading", name="Thank you. We received your report.")).to_be_visible()
    expect(reporter.get_by_role("heading", name="Your receipt code")).to_be_visible()
    code = reporter.locator("#receipt-code").inner_text().strip()
    expect(reporter.get_by_role("button", name="Copy code")).to_be_hidden()  # it needs JavaScript
    assert len(code) >= 20, code
    screenshot(reporter, "receipt")
    docs_screenshot(reporter, "receipt")

    # A triager signs in and finds the case at the top of the queue.
    staff = new_context(java_script_enabled=False).new_page()
    staff.goto("/staff/login/")
    staff.get_by_label("Username").fill("tara")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(staff)  # the second factor, from the authenticator app
    expect(staff.get_by_role("heading", name="Case queue")).to_be_visible()
    expect(staff.get_by_text("1 case", exact=True)).to_be_visible()
    row = staff.get_by_role("row").filter(has_text="Project chat")
    expect(row).to_contain_text("untriaged")
    screenshot(staff, "staff-queue")
    row.get_by_role("link").first.click()

    expect(staff.get_by_text(NARRATIVE)).to_be_visible()
    expect(staff.get_by_role("link", name="chat-screenshot.png")).to_be_visible()
    expect(staff.get_by_text("It happened to me — anonymous")).to_be_visible()
    case_url = staff.url

    # Triage: the questions propose P3; the triager chooses P2 and says why.
    staff.get_by_role("link", name="Triage", exact=True).click()
    expect(staff.get_by_role("heading", name="Triage C-", level=1)).to_be_visible()
    for question in ("Is anyone's safety threatened (physically, sexually or psychologically)?",
                     "Is the behaviour ongoing?",
                     "Is a staff member or community leader involved (as reporter or reported)?",
                     "Did it happen in public (visible to the community)?",
                     "Is this part of a pattern (earlier reports or repeated behaviour)?",
                     "Is there possible legal exposure (threats, doxxing, employment, local law)?"):
        staff.get_by_role("group", name=question).get_by_label("No").check()
    staff.get_by_role("group", name="Does it appear to violate the code of conduct?").get_by_label("Yes").check()
    staff.get_by_role("button", name="Propose a priority").click()
    expect(staff.get_by_text("Proposed priority: P3")).to_be_visible()
    screenshot(staff, "triage")
    staff.get_by_role("group", name="Priority").get_by_label("P2", exact=False).check()
    staff.get_by_label("Reason").fill("The person is a maintainer, so a leader is involved.")
    staff.get_by_role("button", name="Save triage").click()

    expect(staff.get_by_text("Case triaged.")).to_be_visible()
    expect(staff.locator("h1 .badge.prio")).to_have_text("P2")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Triaged")

    # Assign it to the case handler.
    staff.get_by_label("Assign to").select_option(label="Hana (hana)")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.get_by_text("Assignment saved.")).to_be_visible()
    expect(staff.locator(".facts").first).to_contain_text("Hana")

    # Ask the reporter a question.
    staff.get_by_label("Message to the reporter").fill(QUESTION)
    staff.get_by_role("button", name="Send to reporter").click()
    expect(staff.get_by_text("Message sent.", exact=False)).to_be_visible()
    expect(staff.get_by_text(QUESTION)).to_be_visible()
    expect(staff.get_by_text("not read yet")).to_be_visible()

    # The reporter comes back with the code, reads the question and answers.
    reporter.goto("/follow-up/")
    reporter.get_by_label("Receipt code").fill(code)
    reporter.get_by_role("button", name="Open my report").click()
    expect(reporter.get_by_role("heading", name="Your report", level=1)).to_be_visible()
    expect(reporter.get_by_text("Read and prioritised")).to_be_visible()
    expect(reporter.locator(".facts")).to_contain_text("Hana")
    expect(reporter.get_by_text(QUESTION)).to_be_visible()
    reporter.get_by_label("Your message").fill(ANSWER)
    reporter.get_by_role("button", name="Send", exact=True).click()
    expect(reporter.get_by_text("Thank you. Your message was sent to the people handling your report.")).to_be_visible()
    expect(reporter.get_by_text(ANSWER)).to_be_visible()

    # Staff see the answer on the case page, and that their question was read.
    staff.goto(case_url)
    expect(staff.get_by_text(ANSWER)).to_be_visible()
    expect(staff.get_by_text("not read yet")).to_have_count(0)
    screenshot(staff, "case-detail")
