"""axe-core finds no accessibility violations on any reporter page, left-to-right or right-to-left,
in English, Arabic and Japanese."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from steward.cases.models import Space
from steward.core.roles import Role
from steward.decisions import proposals
from steward.reports import services as report_services
from tests.conftest import deliver_outbox, make_staff
from tests.decisions.helpers import current_ladder

from .helpers import (
    docs_screenshot,
    file_report,
    publish_guidelines,
    screenshot,
    set_language,
    starter_guidelines,
    translate_guidelines,
)
from .test_quorum_proposal import quorum_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
# A question from the handler and the reporter's answer, in the page's language.
TEXTS = {
    "en": ("Thank you. Could you tell us when this started?", "It started in January, after the release."),
    "ar": ("شكرًا لك. هل يمكنك أن تخبرنا متى بدأ هذا؟", "بدأ ذلك في يناير، بعد الإصدار."),
    "ja": ("ありがとうございます。これはいつ始まりましたか？", "リリースの後、1月に始まりました。"),
}
LANGUAGES = list(TEXTS)


def audit(page: Page, name: str, found: dict[str, str]) -> None:
    results = AXE.run(page)
    if results.violations_count:
        found[name] = results.generate_report()


def check_direction(page: Page, language: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def report_found(found: dict[str, str]) -> str:
    return "\n\n".join(f"== {name} ==\n{report}" for name, report in found.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_reporter_pages_have_no_axe_violations(new_context: Callable[..., BrowserContext], live_server: Any,
                                               language: str) -> None:
    starter_guidelines()  # the form lists the guidelines' categories of behaviour
    Space.objects.create(name="Community forum", kind=Space.Kind.FORUM)
    context = new_context()
    set_language(context, live_server.url, language)
    page = context.new_page()
    found: dict[str, str] = {}

    def visit(name: str) -> None:
        check_direction(page, language)
        audit(page, name, found)

    page.goto("/")
    visit("home")
    page.goto("/report/")
    visit("report form")
    page.locator("#id_danger_now_1").check()
    expect(page.locator("#emergency-guidance")).to_be_visible()
    visit("report form with the emergency guidance open")
    page.locator("#id_danger_now_0").check()

    page.locator("form.report-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_narrative")).to_have_attribute("aria-invalid", "true")
    visit("report form with errors")

    code = file_report(page)
    visit("receipt")

    page.goto("/follow-up/")
    visit("follow-up")
    page.locator("#id_code").fill("WRONG-CODE-0000-0000")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visit("follow-up with a wrong code")

    # A message from the handler, so the thread has both directions once the reporter answers.
    report = report_services.find_report(code)
    assert report is not None
    report_services.message_reporter(report, by=make_staff("tara", Role.TRIAGER, first_name="Tara"),
                                      body=TEXTS[language][0])
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#thread-title")).to_be_visible()
    visit("follow-up case")
    page.locator("#id_body").fill(TEXTS[language][1])
    page.locator("#reply-title ~ form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".message-item")).to_have_count(2)
    visit("follow-up case after a reply")
    page.locator("#reply-title ~ form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visit("follow-up case with errors")
    if language == "ar":
        page.goto("/follow-up/case/")
        screenshot(page, "follow-up-case-ar")
        docs_screenshot(page, "follow-up-ar")

    assert not found, report_found(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_guideline_pages_have_no_axe_violations(new_context: Callable[..., BrowserContext], live_server: Any,
                                                language: str) -> None:
    """The guidelines (current, an old version, the change log), subscribing, How to Report, the
    consequences and the embed page.

    Outside English, version 1.0 has a translation and 2.0 not yet: the current version shows the English
    text with the notice, and the old version shows the translation.
    """
    first = starter_guidelines()
    administrator = make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    if language != "en":
        translate_guidelines(first, language, administrator)
    publish_guidelines(administrator)
    context = new_context()
    set_language(context, live_server.url, language)
    page = context.new_page()
    found: dict[str, str] = {}

    def visit(path: str, name: str) -> None:
        page.goto(path)
        check_direction(page, language)
        audit(page, name, found)

    visit("/guidelines/", "guidelines")
    if language != "en":
        expect(page.locator("#translation-notice")).to_be_visible()
        expect(page.locator("article.guidelines")).to_have_attribute("lang", "en")
    visit("/guidelines/v/1.0/", "an old version")
    expect(page.locator("#version-notice")).to_be_visible()
    expect(page.locator("article.guidelines")).to_have_attribute("lang", language)
    visit("/guidelines/changes/", "change log")
    visit("/guidelines/subscribe/", "subscribe")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_direction(page, language)
    audit(page, "subscribe with errors", found)
    visit("/how-to-report/", "how to report")
    current_ladder()
    visit("/guidelines/consequences/", "consequences")
    # The presets ship translated into every language: the ladder reads in the visitor's.
    expect(page.locator("#translation-notice")).to_have_count(0)
    expect(page.locator("article.consequences")).to_have_attribute("lang", language)
    visit("/embed/", "embed")
    screenshot(page, f"embed-{language}")

    assert not found, report_found(found)


def test_language_form_switches_to_arabic_right_to_left(page: Page) -> None:
    page.goto("/report/")
    check_direction(page, "en")
    page.get_by_label("Language", exact=True).select_option("ar")
    page.locator(".language-switch button").click()
    expect(page).to_have_url(re.compile(r"/report/$"))
    check_direction(page, "ar")
    expect(page.locator("#id_narrative")).to_be_visible()
    page.goto("/follow-up/")
    check_direction(page, "ar")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_return_page_has_no_axe_violations(new_context: Callable[..., BrowserContext], live_server: Any,
                                               file_report: Any, language: str) -> None:
    """The page a banned person reaches from their invitation to return, with and without errors."""
    from .test_returns import return_link

    path = return_link(file_report)
    context = new_context()
    set_language(context, live_server.url, language)
    page = context.new_page()
    found: dict[str, str] = {}
    page.goto(path)
    check_direction(page, language)
    audit(page, "return", found)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_direction(page, language)
    audit(page, "return with errors", found)
    screenshot(page, f"return-{language}")
# --- The reported person's response page (link purpose "respond") ----------------------------


def test_the_respond_page_has_no_axe_violations(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    current_ladder()
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    case = quorum_case()
    person = case.parties.get(role="reported").person
    proposal = proposals.propose(case, proposals.ProposalInput(
        level=current_ladder().levels.get(key="warning"), subject=person, reporter_summary="A warning.",
        rationale="Insults.", departure_reason="Weighed."), by=dora)
    proposals.request_response(proposal, by=dora, person=person, description="Posts in March were reported.",
                               language="en")
    deliver_outbox()
    path = re.search(r"(/l/respond/[^/\s]+/)", mail.outbox[-1].body)
    assert path is not None
    page = new_context(viewport={"width": 375, "height": 740}).new_page()
    found: dict[str, str] = {}
    page.goto(path.group(1))
    audit(page, "respond", found)
    page.get_by_role("button", name="Send my response").click()  # empty: the error summary
    expect(page.locator(".error-summary")).to_be_visible()
    audit(page, "respond with errors", found)
    assert not found, report_found(found)
