"""A learner reads the lessons, fails the quiz once (and sees why), passes and answers the survey;
axe finds nothing on the lesson, quiz and result pages; the quiz works on a phone without JavaScript,
one question per page when it explains after each answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from steward.training.models import Completion, Course, Learner, Quiz, SurveyResponse
from tests.training.conftest import make_learner, publish_course

from .helpers import page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
PHONE = {"width": 360, "height": 740}
WRONG = ["Fill in the report form", "True", "Your opinion of them"]
RIGHT = ["Call local emergency services", "False", "Their words", "When it happened"]


def signed_in(context: BrowserContext, live_server: Any, learner: Learner) -> None:
    """The session a learner's emailed sign-in code leaves (that page is tested on its own)."""
    client = Client()
    client.force_login(learner.user)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])


def contributor_course() -> None:
    version = publish_course()
    Course.objects.filter(pk=version.course_id).update(audience=Course.Audience.CONTRIBUTORS)


def axe(page: Page, name: str, found: dict[str, str]) -> None:
    results = AXE.run(page)
    if results.violations_count:
        found[name] = results.generate_report()


def choose(page: Page, answers: list[str]) -> None:
    for text in answers:
        page.get_by_label(text, exact=True).check()


def test_a_learner_fails_the_quiz_once_sees_why_then_passes(new_context: Callable[..., BrowserContext],
                                                            live_server: Any) -> None:
    contributor_course()
    learner = make_learner("cleo")
    context = new_context()
    signed_in(context, live_server, learner)
    page = context.new_page()
    found: dict[str, str] = {}
    page.goto("/learn/")
    page.get_by_role("link", name="First aid for enforcement").click()
    page.get_by_role("link", name="Listen first").click()
    expect(page.locator("article strong")).to_have_text("Don't judge.")
    axe(page, "lesson", found)
    page.get_by_role("button", name="I have read this lesson").click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    page.get_by_role("button", name="I have read this lesson: go to the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text("Safety comes before any form.")).to_have_count(0)  # no explanation before answering
    axe(page, "quiz", found)
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen: said so, nothing kept
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page, "quiz with errors", found)
    choose(page, WRONG)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("You scored 0%: 80% is needed to pass.")).to_be_visible()
    expect(page.get_by_text("Safety comes before any form.")).to_be_visible()
    expect(page.get_by_text("Never promise an outcome.")).to_be_visible()
    axe(page, "result", found)
    screenshot(page, "learn-result-failed")
    page.get_by_role("button", name="Try again").click()
    choose(page, RIGHT)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    expect(page.get_by_text("You passed the course.")).to_be_visible()
    assert Completion.objects.filter(learner=learner).count() == 1
    page.get_by_role("link", name="Answer the short survey").click()
    page.get_by_role("group", name="I understand how this applies to my role.").get_by_label("Yes").check()
    page.get_by_role("group", name="This was worth my time.").get_by_label("Yes").check()
    page.get_by_label("Anything else you want to tell the course's authors? (optional)").fill("Clear examples.")
    axe(page, "survey", found)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you for answering the survey.").first).to_be_visible()
    assert SurveyResponse.objects.get().comment == "Clear examples."
    assert not found, "\n\n".join(f"== {name} ==\n{report}" for name, report in found.items())


def test_the_quiz_on_a_phone_without_javascript_one_question_per_page(new_context: Callable[..., BrowserContext],
                                                                      live_server: Any) -> None:
    contributor_course()
    Quiz.objects.update(explanations=Quiz.Explanations.IMMEDIATELY, shuffle=False)
    learner = make_learner("cleo")
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                          java_script_enabled=False)
    signed_in(context, live_server, learner)
    page = context.new_page()
    page.goto("/learn/")
    screenshot(page, "learn-phone-courses")
    page.get_by_role("link", name="First aid for enforcement").click()
    page.get_by_role("link", name="Listen first").click()
    assert page_width(page) <= PHONE["width"], f"the lesson scrolls sideways: {page_width(page)} px"
    screenshot(page, "learn-phone-lesson")
    page.get_by_role("button", name="I have read this lesson").click()
    page.get_by_role("button", name="I have read this lesson: go to the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    screenshot(page, "learn-phone-question")
    assert page_width(page) <= PHONE["width"]
    page.get_by_label("Fill in the report form", exact=True).check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".verdict")).to_have_text("Not right.")
    expect(page.get_by_text("Safety comes before any form.")).to_be_visible()  # explained at once
    screenshot(page, "learn-phone-explained")
    assert page_width(page) <= PHONE["width"]
    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    expect(page.get_by_text("Outcomes are decided later, by others.")).to_have_count(0)
    page.get_by_label("False", exact=True).check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".verdict")).to_have_text("Right.")
    page.get_by_role("link", name="Next question").click()
    choose(page, ["Their words", "When it happened"])
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_role("link", name="See your result").click()
    expect(page.get_by_text("You scored 66%: 80% is needed to pass.")).to_be_visible()
    screenshot(page, "learn-phone-result")
    assert page_width(page) <= PHONE["width"]
