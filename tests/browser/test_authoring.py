"""A training coordinator writes a course in the browser: a lesson with a preview, a quiz whose
question is refused until it has exactly one correct answer, publishing refused then done, a new
version, and a German translation whose outdated text shows the source's current one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from steward.core.roles import Role
from steward.policy.models import TranslationStatus
from steward.training import authoring
from steward.training.models import Course, CourseVersion
from tests.conftest import PASSWORD, make_staff
from tests.training.authoring_helpers import navigation_as_built

from .helpers import enter_authenticator_code, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("navigation_as_built")]
__all__ = ["navigation_as_built"]
AXE = Axe()


def test_a_coordinator_writes_publishes_and_translates_a_course(new_context: Callable[..., BrowserContext],
                                                                 live_server: Any) -> None:
    make_staff("tess", Role.TRAINER, first_name="Tess")
    page = new_context().new_page()
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.wait_for_load_state()
    found: dict[str, str] = {}

    def audit(name: str) -> None:
        results = AXE.run(page)
        if results.violations_count:
            found[name] = results.generate_report()

    page.goto("/staff/training/courses/")
    screenshot(page, "training-author-courses-empty")
    page.locator("#id_title").fill("Receiving a report")
    page.locator("#id_slug").fill("receiving")
    page.locator("#id_audience").select_option("staff")
    page.locator("#id_valid_for_days").fill("365")
    page.get_by_role("button", name="Create course").click()
    expect(page.locator("h1")).to_contain_text("Receiving a report")
    audit("version")

    page.get_by_role("link", name="Add a lesson").click()
    page.locator("#id_title").fill("Listen first")
    page.locator("#id_body").fill("Believe the person. **Don't judge.**")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview strong")).to_have_text("Don't judge.")
    audit("lesson preview")
    screenshot(page, "training-author-lesson-preview")
    page.get_by_role("button", name="Save lesson").click()
    page.get_by_role("link", name="Add a quiz after this lesson").click()
    page.locator("#id_explanations").select_option("immediately")
    page.get_by_role("button", name="Add the quiz").click()
    audit("quiz")

    page.goto(f"/staff/training/versions/{CourseVersion.objects.get().pk}/publish/")
    expect(page.locator("#draft-problems")).to_contain_text("a quiz needs at least one question")
    page.get_by_role("button", name="Publish version 1.0").click()
    expect(page.locator("#publish-error")).to_contain_text("lesson listen-first: a quiz needs at least one question")
    screenshot(page, "training-author-publish-refused")

    page.go_back()
    page.goto(f"/staff/training/lessons/{CourseVersion.objects.get().lessons.get().pk}/questions/new/")
    page.locator("#id_text").fill("Someone is in danger now. What first?")
    page.locator("#id_choice_0_text").fill("Call local emergency services")
    page.locator("#id_choice_0_correct").check()
    page.locator("#id_choice_1_text").fill("Fill in the report form")
    page.locator("#id_choice_1_correct").check()
    page.get_by_role("button", name="Save question").click()
    expect(page.locator(".error-summary")).to_contain_text("exactly one correct answer (2 are marked)")
    page.locator("#id_choice_1_correct").uncheck()
    page.locator("#id_choice_1_explanation").fill("The form comes after the person is safe.")
    page.get_by_role("button", name="Save question").click()
    expect(page.locator("#questions")).to_contain_text("Someone is in danger now")
    audit("quiz with a question")

    version = CourseVersion.objects.get()
    page.goto(f"/staff/training/versions/{version.pk}/publish/")
    page.get_by_role("button", name="Publish version 1.0").click()
    expect(page.locator("#versions")).to_contain_text("Published")
    page.get_by_label("Major: new or changed content").check()
    page.get_by_label("Everyone who passed an earlier version must pass this one again").check()
    page.get_by_role("button", name="Start draft").click()
    expect(page.locator("h1")).to_contain_text("version 2.0")
    draft = Course.objects.get().versions.get(major=2)
    assert draft.requires_recertification

    page.goto(f"/staff/training/versions/{draft.pk}/translations/de/")
    for field in page.locator("textarea").all():
        field.fill("[de] Übersetzt")
    page.get_by_role("button", name="Save translation").click()
    expect(page.locator("#translation-state")).to_have_text("Complete")
    authoring.update_lesson(draft.lessons.get(), by=draft.course.owners.get(), title="Listen, then write it down",
                            body="Believe the person.")
    page.reload()
    expect(page.locator("#translation-state")).to_contain_text("Outdated")
    expect(page.locator('fieldset[data-place="lesson:listen-first:title"] .source')).to_contain_text(
        "Listen, then write it down")
    audit("translation")
    screenshot(page, "training-author-translation-outdated")
    page.goto("/staff/training/courses/")
    expect(page.locator('#courses tr[data-version="2.0"]')).to_contain_text("0 of")
    audit("courses")
    screenshot(page, "training-author-courses")
    assert authoring.translation_status(draft, "de") == TranslationStatus.OUTDATED
    assert not found, "\n\n".join(f"== {name} ==\n{report}" for name, report in found.items())


def test_the_authoring_pages_fit_a_phone(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    user = make_staff("tess", Role.TRAINER, first_name="Tess")
    authoring.create_course(by=user, slug="receiving", title="Receiving a report", audience="staff")
    page = new_context(viewport={"width": 375, "height": 740}).new_page()
    page.goto("/staff/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.wait_for_load_state()
    page.goto("/staff/training/courses/")
    expect(page.locator("#courses")).to_contain_text("Receiving a report")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    screenshot(page, "training-author-courses-phone")
