"""Browser journey of a decision's messages: the decision maker previews the messages, records
the decision, and exactly those texts reach a real SMTP server (aiosmtpd) — the reported
person's with a working single-use appeal link; the reporter reads theirs, in their language, on
the follow-up page on a phone without scripts."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from steward.core import links
from steward.core.roles import Role
from steward.decisions import appeals, decision_messages
from steward.decisions.models import Decision, DecisionMessage
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import PASSWORD, deliver_outbox, make_staff
from tests.decisions.conftest import awaiting
from tests.decisions.helpers import current_ladder
from tests.smtp import mailers, smtp_server

from .helpers import fill_decision_message, page_width, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SUMMARY = "The person you reported was given a correction."


def _subject(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())  # as folded on the wire


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n").rstrip("\n")  # type: ignore[attr-defined]


def test_the_previewed_messages_are_recorded_and_emailed_and_the_reporter_reads_theirs(
        new_context: Callable[..., BrowserContext], live_server: Any, settings: Any) -> None:
    current_ladder()
    decision_messages.install_templates()
    intake = report_services.Intake(
        narrative="He kept sending me insulting messages in the project chat.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="decision-messages-journey", accounts=[Account("email", "mallory@example.net")],
        anonymous=False, contact_name="Rita", contact_email="rita@example.org", preferred_language="de")
    report, code = report_services.submit_report(intake)
    case = awaiting(report.case)
    make_staff("dora", Role.DECISION_MAKER, first_name="Dora")

    page = new_context().new_page()
    staff_sign_in(page, "dora", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/decision/")
    page.get_by_label("Correction", exact=True).check()
    page.get_by_label("Person the decision applies to").select_option(index=1)
    page.get_by_label("Decision summary for the reporter").fill(SUMMARY)
    page.get_by_label("Reasons (internal)").fill("A first, mild offence.")
    fill_decision_message(page)
    page.get_by_role("button", name="Preview messages").click()
    expect(page.locator("#previews")).to_contain_text("To the person the decision applies to")
    expect(page.locator("#previews")).to_contain_text("To the reporter")
    expect(page.locator("#previews")).to_contain_text("Repeated insults aimed at other people in the forum.")
    expect(page.locator("#previews")).not_to_contain_text("Rita")
    shown = [(page.locator(".preview-subject").nth(i).inner_text(), page.locator(".preview-body").nth(i).inner_text())
             for i in range(page.locator(".preview-body").count())]
    assert not Decision.objects.exists()
    screenshot(page, "staff-decision-message-preview")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    stored = list(DecisionMessage.objects.order_by("pk"))
    assert [(m.audience, m.language) for m in stored] == [("reported", "en"), ("reporter", "de")]
    assert [(m.subject, m.body.rstrip("\n")) for m in stored] == [(s, b.rstrip("\n")) for s, b in shown]
    expect(page.locator("section.decisions")).to_contain_text("2 messages sent about this decision")

    # The worker sends them to a real SMTP server.
    with smtp_server() as (inbox, port):
        settings.MAILERS = mailers(port)
        deliver_outbox()
    reported, reporter = stored
    to_person = next(m.message for m in inbox.to("mallory@example.net"))
    to_reporter = next(m.message for m in inbox.to("rita@example.org")
                       if _subject(m.message) == reporter.subject)
    assert _subject(to_person) == reported.subject and _text(to_reporter) == reporter.body.rstrip("\n")
    before, _slot, after = reported.body.rstrip("\n").partition(decision_messages.APPEAL_SLOT)
    body = _text(to_person)
    assert body.startswith(before) and body.endswith(after)
    token = body[len(before):len(body) - len(after)].rstrip("/").rsplit("/", 1)[-1]
    assert links.peek(token, appeals.LINK_PURPOSE, max_age=10**7).subject == reported.decision_id

    # The reporter reads the message written to them, on a phone without scripts.
    phone = new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
    phone.goto("/follow-up/")
    phone.locator("input[name=code]").fill(code)
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("section.decision")).to_contain_text(reporter.subject)
    expect(phone.locator("section.decision")).to_contain_text(SUMMARY)
    assert page_width(phone) <= PHONE["width"]
    audited = new_context(viewport=PHONE).new_page()
    audited.goto("/follow-up/")
    audited.locator("input[name=code]").fill(code)
    audited.locator("main form button[type=submit]").click()
    expect(audited.locator("section.decision")).to_contain_text(reporter.subject)
    results = Axe().run(audited)
    assert results.violations_count == 0, results.generate_report()
