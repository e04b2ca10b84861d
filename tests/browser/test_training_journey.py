"""The training journey issue 12 asks for, in a real browser: a staff member whose job title contains
"Community Manager" is assigned the starter staff course by the role rule, fails a quiz once (and
sees why), passes every quiz, answers the survey; a training coordinator's dashboard shows the
completion and the survey's result; the certificate downloads as a PDF naming the course and the
learner."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from steward.core.roles import Role
from steward.staff.models import Profile
from steward.training import assignments, starter
from steward.training.models import Assignment, AssignmentRule, Completion, Course, CourseVersion, Quiz, SurveyResponse
from tests.conftest import PASSWORD, make_staff

from .helpers import enter_authenticator_code, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Page, quiz: Quiz, *, right: bool) -> None:
    """Answer every question of the attempt shown (one page, or one question a page), rightly or wrongly.

    Each step waits for the page it leads to, as a person would, before reading it."""
    questions = list(quiz.questions.prefetch_related("choices"))
    send = page.get_by_role("button", name="Send my answer").or_(page.get_by_role("button", name="Send my answers"))
    following = page.get_by_role("link", name="Next question")
    result = page.get_by_role("link", name="See your result")
    result_page = page.get_by_role("heading", name="Your result")
    while True:
        expect(send).to_be_visible()
        shown = [q for q in questions if page.get_by_role("group", name=q.text).count()]  # legend: "1. " and the text
        assert shown, "no question of the quiz is on the page"
        for question in shown:
            group = page.get_by_role("group", name=question.text)
            choices = [choice for choice in question.choices.all() if choice.correct == right]
            for choice in choices if right else choices[:1]:
                group.get_by_label(choice.text, exact=True).check()
        send.click()
        expect(following.or_(result).or_(result_page)).to_be_visible()
        if following.count():
            following.click()
            expect(following).to_have_count(0)
            continue
        if result.count():
            result.click()
        expect(result_page).to_be_visible()
        return


def test_a_community_manager_is_assigned_fails_once_passes_and_gets_a_certificate(page: Page, live_server: Any) -> None:
    starter.install()
    staff_course = Course.objects.get(slug="staff")
    version = CourseVersion.objects.get(course=staff_course)
    make_staff("tess", Role.TRAINER, first_name="Tess")
    rule = AssignmentRule.objects.create(course=staff_course, who=AssignmentRule.Who.COMMUNITY_FACING, due_days=30)
    member = make_staff("camila", Role.TRIAGER, first_name="Camila", email="camila@example.org")
    member.last_name = "Reyes"
    member.save()
    Profile.objects.create(user=member, job_title="Senior Community Manager", team="Community")
    assignments.evaluate(rules=[rule])
    assert Assignment.objects.filter(learner__user=member, course=staff_course, source=Assignment.Source.RULE).exists()

    staff_sign_in(page, "camila", PASSWORD)
    page.goto("/learn/")
    title = version.title
    expect(page.get_by_text("Assigned").first).to_be_visible()
    page.get_by_role("link", name=title).first.click()
    lessons = list(version.lessons.select_related("quiz"))
    for number, lesson in enumerate(lessons):
        page.goto(f"/learn/lessons/{lesson.pk}/")
        page.get_by_role("button", name="I have read this lesson: go to the quiz").click()
        page.get_by_role("button", name="Start the quiz").click()
        if number == 0:  # the first quiz is failed once, and the wrong answers are explained
            _answer(page, lesson.quiz, right=False)
            expect(page.get_by_text("is needed to pass")).to_be_visible()
            wrong = next(choice for question in lesson.quiz.questions.all() for choice in question.choices.all()
                         if not choice.correct)
            expect(page.get_by_text(wrong.explanation, exact=False).first).to_be_visible()
            screenshot(page, "training-journey-failed")
            page.get_by_role("button", name="Try again").click()
        _answer(page, lesson.quiz, right=True)
        expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    expect(page.get_by_text("You passed the course.")).to_be_visible()
    completion = Completion.objects.get(learner__user=member, course=staff_course)
    assert Assignment.objects.get(learner__user=member, course=staff_course).completion == completion

    page.get_by_role("link", name="Answer the short survey").click()
    page.get_by_role("group", name="I understand how this applies to my role.").get_by_label("Yes").check()
    page.get_by_role("group", name="This was worth my time.").get_by_label("Yes").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you for answering the survey.").first).to_be_visible()
    assert SurveyResponse.objects.filter(learner__user=member, understood=True).exists()

    page.goto(f"/learn/courses/{staff_course.slug}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Camila Reyes" in text and title in " ".join(text.split()), text

    coordinator_page = page.context.browser.new_context(base_url=live_server.url).new_page()  # type: ignore[union-attr]
    coordinator_page.goto("/staff/login/")
    coordinator_page.get_by_label("Username").fill("tess")
    coordinator_page.get_by_label("Password").fill(PASSWORD)
    coordinator_page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(coordinator_page)
    coordinator_page.goto("/staff/training/")
    summary = coordinator_page.get_by_role("table", name="Learners per course")
    passed_column = [cell.inner_text() for cell in summary.locator("thead th").all()].index("Passed")
    row = summary.get_by_role("row").filter(has_text=title)
    expect(row.locator("th, td").nth(passed_column)).to_have_text("1")
    expect(coordinator_page.get_by_text("100% of 1 learner understood how it applies to their role")).to_be_visible()
    screenshot(coordinator_page, "training-dashboard")
    coordinator_page.context.close()
