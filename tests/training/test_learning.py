"""The learner's services: their courses, lessons, quizzes (every refusal changes nothing),
grading methods, shuffling, explanations' timing, passing and the survey."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from steward.core import access, crypto, events
from steward.core.models import AuditEntry, DataKey
from steward.policy.models import TranslationStatus
from steward.training import content, learning
from steward.training.events import CoursePassed
from steward.training.models import (
    Answer,
    Assignment,
    Attempt,
    Completion,
    Course,
    CourseVersion,
    Learner,
    LessonRead,
    Question,
    Quiz,
    SurveyResponse,
    VersionTranslation,
)

from .conftest import document, make_learner, publish_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_learner(db: None) -> Learner:
    return make_learner("sam", kind=Learner.Kind.STAFF)


@pytest.fixture
def passed_events() -> Any:
    seen: list[CoursePassed] = []
    events.subscribe(CoursePassed, seen.append)
    yield seen
    events.unsubscribe(CoursePassed, seen.append)


def quiz_of(version: CourseVersion) -> Quiz:
    return Quiz.objects.get(lesson__version=version)


def answers(attempt: Attempt, *, right: bool | set[str] = True) -> dict[int, list[int]]:
    """Answers to every question of the attempt: all right, all wrong, or right for the question keys given."""
    chosen = {}
    for question_id, choice_ids in learning.quizzes.shown(attempt.order).items():
        question = Question.objects.get(pk=question_id)
        good = right if isinstance(right, bool) else question.key in right
        correct = [c.pk for c in question.choices.filter(correct=True)]
        wrong = [c.pk for c in question.choices.filter(correct=False)]
        chosen[question_id] = correct if good else wrong[:1]
        assert set(chosen[question_id]) <= set(choice_ids)
    return chosen


def read_all(user: User, version: CourseVersion) -> None:
    for lesson in version.lessons.all():
        learning.mark_read(user, lesson.pk)


def take(user: User, version: CourseVersion, *, right: bool | set[str] = True) -> Attempt:
    attempt = learning.start_attempt(user, quiz_of(version).pk)
    learning.submit(user, attempt.pk, answers(attempt, right=right))
    attempt.refresh_from_db()
    return attempt


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in
            (Attempt, Answer, Completion, LessonRead, SurveyResponse, AuditEntry, Learner)}


# --- who sees which course ---------------------------------------------------------------------

def test_assigned_courses_come_first_with_due_dates_then_the_others_open_to_the_learner(staff_learner: Learner) -> None:
    staff_course = publish_course()
    contributors = publish_course(document(slug="contributors", title="For contributors"))
    Course.objects.filter(pk=contributors.course_id).update(audience=Course.Audience.CONTRIBUTORS)
    draft = Course.objects.create(slug="draft-only", audience=Course.Audience.STAFF)
    CourseVersion.objects.create(course=draft, major=1, title="Not yet")
    due = timezone.localdate() + datetime.timedelta(days=10)
    Assignment.objects.create(learner=staff_learner, course=staff_course.course, source=Assignment.Source.MANUAL, due_on=due)
    overview = learning.my_courses(staff_learner.user)
    assert [entry.course.slug for entry in overview.assigned] == ["first-aid"]
    assert overview.assigned[0].assignment.due_on == due and overview.assigned[0].status == "not_started"
    assert [entry.course.slug for entry in overview.others] == ["contributors"]


def test_a_contributor_sees_contributor_courses_and_the_ones_assigned_to_them(contributor: Learner) -> None:
    staff_course = publish_course()
    assert learning.my_courses(contributor.user).others == []
    with pytest.raises(access.Hidden):
        learning.course_page(contributor.user, "first-aid")
    overdue = timezone.localdate() - datetime.timedelta(days=1)
    Assignment.objects.create(learner=contributor, course=staff_course.course, source=Assignment.Source.ONBOARDING,
                              due_on=overdue)
    assert [entry.status for entry in learning.my_courses(contributor.user).assigned] == ["overdue"]
    assert learning.course_page(contributor.user, "first-aid").title == "First aid for enforcement"


def test_a_staff_member_becomes_a_learner_once_and_others_are_not_learners(db: None) -> None:
    staff = User.objects.create_user("stella", is_staff=True)
    learner = learning.enrol_staff(staff, language="de")
    assert (learner.kind, learner.language) == (Learner.Kind.STAFF, "de")
    assert learning.enrol_staff(staff, language="fr").pk == learner.pk
    assert AuditEntry.objects.filter(action="training.learner_created").count() == 1
    nobody = User.objects.create_user("nobody")
    with pytest.raises(access.Hidden):
        learning.enrol_staff(nobody, language="en")
    with pytest.raises(access.Hidden):
        learning.my_courses(nobody)


def test_a_lesson_of_a_draft_version_is_not_found(staff_learner: Learner) -> None:
    version = publish_course()
    CourseVersion.objects.filter(pk=version.pk).update(status=CourseVersion.Status.DRAFT)
    with pytest.raises(access.Hidden):
        learning.lesson_page(staff_learner.user, version.lessons.first().pk)


# --- lessons -----------------------------------------------------------------------------------

def test_reading_a_lesson_is_recorded_once(staff_learner: Learner, course_version: CourseVersion) -> None:
    lesson = course_version.lessons.first()
    page = learning.lesson_page(staff_learner.user, lesson.pk)
    assert (page.title, page.read, page.body) == ("Listen first", False, "Believe the person. **Don't judge.**")
    learning.mark_read(staff_learner.user, lesson.pk)
    learning.mark_read(staff_learner.user, lesson.pk)
    assert LessonRead.objects.count() == 1
    assert AuditEntry.objects.filter(action="training.lesson_read").count() == 1
    assert learning.lesson_page(staff_learner.user, lesson.pk).read


# --- attempts ----------------------------------------------------------------------------------

def test_an_attempt_stores_its_order_and_is_shown_and_graded_in_it(staff_learner: Learner,
                                                                  course_version: CourseVersion) -> None:
    attempt = learning.start_attempt(staff_learner.user, quiz_of(course_version).pk)
    assert attempt.number == 1 and attempt.language == "en"
    shown = learning.quizzes.shown(attempt.order)
    assert sorted(shown) == sorted(quiz_of(course_version).questions.values_list("pk", flat=True))
    # Whatever order was stored is the order shown: reversed here by hand.
    reversed_order = [[q, list(reversed(c))] for q, c in reversed(attempt.order)]
    Attempt.objects.filter(pk=attempt.pk).update(order=reversed_order)
    page = learning.attempt_page(staff_learner.user, attempt.pk)
    assert [[q.id, [c.id for c in q.choices]] for q in page.questions] == reversed_order
    assert learning.start_attempt(staff_learner.user, quiz_of(course_version).pk).pk == attempt.pk  # resumed, not reshuffled


def test_without_shuffle_the_attempt_keeps_the_quiz_order(staff_learner: Learner, course_version: CourseVersion) -> None:
    Quiz.objects.update(shuffle=False)
    attempt = learning.start_attempt(staff_learner.user, quiz_of(course_version).pk)
    quiz = quiz_of(course_version)
    assert [q for q, _c in attempt.order] == list(quiz.questions.values_list("pk", flat=True))


def refused(user: User, attempt: Attempt, chosen: dict[int, list[int]], problem: str) -> None:
    before = counts()
    with pytest.raises(learning.LearningError) as raised:
        learning.submit(user, attempt.pk, chosen)
    messages = [str(p.message) for p in getattr(raised.value, "problems", [])] or [str(raised.value.message)]
    assert any(problem in message for message in messages), messages
    assert counts() == before


def test_answers_that_do_not_fit_the_attempt_are_refused_and_change_nothing(staff_learner: Learner,
                                                                           course_version: CourseVersion) -> None:
    user = staff_learner.user
    attempt = learning.start_attempt(user, quiz_of(course_version).pk)
    good = answers(attempt)
    single = Question.objects.get(key="emergency")
    multiple = Question.objects.get(key="write-down")
    other = publish_course(document(slug="other"))
    stranger = Question.objects.filter(quiz__lesson__version=other).first()
    refused(user, attempt, {**good, stranger.pk: [stranger.choices.first().pk]}, "not part of this attempt")
    refused(user, attempt, {**good, single.pk: [multiple.choices.first().pk]}, "does not belong to this question")
    refused(user, attempt, {**good, single.pk: list(single.choices.values_list("pk", flat=True))}, "choose only one")
    refused(user, attempt, {q: c for q, c in good.items() if q != single.pk}, "Choose an answer")
    learning.submit(user, attempt.pk, good)
    refused(user, attempt, good, "already submitted")


def test_another_learners_attempt_does_not_exist_for_them(staff_learner: Learner, contributor: Learner,
                                                          course_version: CourseVersion) -> None:
    attempt = learning.start_attempt(staff_learner.user, quiz_of(course_version).pk)
    Assignment.objects.create(learner=contributor, course=course_version.course, source=Assignment.Source.MANUAL,
                              due_on=timezone.localdate())
    before = counts()
    with pytest.raises(access.Hidden):
        learning.submit(contributor.user, attempt.pk, answers(attempt))
    with pytest.raises(access.Hidden):
        learning.attempt_page(contributor.user, attempt.pk)
    assert counts() == before


def test_no_attempt_beyond_the_limit(staff_learner: Learner, course_version: CourseVersion) -> None:
    user = staff_learner.user
    for _number in range(3):
        take(user, course_version, right=False)
    before = counts()
    with pytest.raises(learning.LearningError, match="used all 3 attempts"):
        learning.start_attempt(user, quiz_of(course_version).pk)
    assert counts() == before
    # An attempt beyond the limit (the limit was lowered while it was open) cannot be submitted either.
    Quiz.objects.update(max_attempts=4)
    fourth = learning.start_attempt(user, quiz_of(course_version).pk)
    Quiz.objects.update(max_attempts=3)
    refused(user, fourth, answers(fourth), "used all 3 attempts")


def test_the_quiz_of_an_unpublished_version_cannot_be_taken(staff_learner: Learner, course_version: CourseVersion) -> None:
    attempt = learning.start_attempt(staff_learner.user, quiz_of(course_version).pk)
    CourseVersion.objects.filter(pk=course_version.pk).update(status=CourseVersion.Status.DRAFT)
    before = counts()
    with pytest.raises(learning.LearningError, match="not published"):
        learning.start_attempt(staff_learner.user, quiz_of(course_version).pk)
    refused(staff_learner.user, attempt, answers(attempt), "not published")
    assert counts() == before


@pytest.mark.parametrize(("grading", "passed"), [("highest", True), ("last", False), ("first", False)])
def test_the_grading_method_decides_the_quiz_across_attempts(staff_learner: Learner, grading: str, passed: bool) -> None:
    version = publish_course()
    Quiz.objects.update(grading=grading)
    user = staff_learner.user
    take(user, version, right=False)
    take(user, version, right=True)
    take(user, version, right={"emergency"})  # 33 %
    page = learning.quiz_page(user, quiz_of(version).pk)
    assert [a.score for a in page.attempts] == [0, 100, 33]
    assert page.result is not None and page.result.passed is passed
    read_all(user, version)
    assert Completion.objects.filter(learner=staff_learner).exists() is passed


# --- explanations --------------------------------------------------------------------------------

def test_explained_after_each_answer_one_question_at_a_time(staff_learner: Learner, course_version: CourseVersion) -> None:
    Quiz.objects.update(explanations=Quiz.Explanations.IMMEDIATELY)
    user = staff_learner.user
    attempt = learning.start_attempt(user, quiz_of(course_version).pk)
    chosen = answers(attempt)
    first, second, third = list(learning.quizzes.shown(attempt.order))
    with pytest.raises(access.Hidden):  # no explanation before the answer
        learning.answered_question(user, attempt.pk, first)
    refused(user, attempt, {first: chosen[first], second: chosen[second]}, "one question at a time")
    learning.submit(user, attempt.pk, {first: chosen[first]})
    page, question = learning.answered_question(user, attempt.pk, first)
    assert question.answer is not None and question.answer.correct
    assert page.next_question is not None and page.next_question.id == second
    refused(user, attempt, {first: chosen[first]}, "already answered")
    learning.submit(user, attempt.pk, {second: chosen[second]})
    learning.submit(user, attempt.pk, {third: chosen[third]})
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 100


def test_explained_after_the_attempt_only_once_it_is_submitted(staff_learner: Learner,
                                                               course_version: CourseVersion) -> None:
    user = staff_learner.user
    attempt = learning.start_attempt(user, quiz_of(course_version).pk)
    with pytest.raises(learning.LearningError, match="not finished"):
        learning.result_page(user, attempt.pk)
    learning.submit(user, attempt.pk, answers(attempt, right=False))
    page, quiz_page = learning.result_page(user, attempt.pk)
    assert not page.attempt.passed and quiz_page.result is not None and not quiz_page.result.passed
    explained = {q.text: q.explanation for q in page.questions}
    assert explained["Someone is in danger now. First?"] == "Safety comes before any form."
    assert all(not q.answer.correct for q in page.questions)


# --- passing ------------------------------------------------------------------------------------

def test_passing_completes_the_assignment_publishes_the_event_and_is_audited_once(
        contributor: Learner, course_version: CourseVersion, passed_events: list[CoursePassed]) -> None:
    assignment = Assignment.objects.create(learner=contributor, course=course_version.course, return_id=77,
                                           source=Assignment.Source.ONBOARDING, due_on=timezone.localdate())
    user = contributor.user
    take(user, course_version, right=True)
    assert not Completion.objects.exists()  # the lessons are not read yet
    read_all(user, course_version)
    completion = Completion.objects.get()
    assert completion.expires_on == timezone.localdate() + datetime.timedelta(days=365)
    assert (completion.version_id, completion.language) == (course_version.pk, "en")
    assignment.refresh_from_db()
    assert assignment.completion_id == completion.pk and assignment.completed_at is not None
    assert passed_events == [CoursePassed(completion=completion.pk, learner=contributor.pk, user=user.pk,
                                          course=course_version.course_id, version=course_version.pk, return_id=77)]
    take(user, course_version, right=True)  # passing again changes nothing
    assert Completion.objects.count() == 1 and len(passed_events) == 1
    assert AuditEntry.objects.filter(action="training.course_passed").count() == 1
    assert learning.my_courses(user).assigned[0].status == "passed"


def test_a_course_without_quizzes_is_passed_by_reading_it(staff_learner: Learner, passed_events: list[Any]) -> None:
    data = document(slug="reading", valid_for_days=None)
    data["lessons"][1].pop("quiz")
    version = publish_course(data, valid_for_days=None)
    read_all(staff_learner.user, version)
    assert Completion.objects.get().expires_on is None and len(passed_events) == 1


# --- languages ----------------------------------------------------------------------------------

def translate(version: CourseVersion, language: str, *, leave_out: str = "", outdated: str = "") -> None:
    source = content.version_places(version)
    places = {place: f"[{language}] {text}" for place, text in source.items() if text and place != leave_out}
    texts = content.stamped(places, source)
    if outdated:
        texts[outdated]["source"] = "an earlier text"
    VersionTranslation.objects.create(version=version, language=language, texts=texts)


def test_the_course_is_taken_in_the_learners_language_when_its_translation_is_complete_or_outdated(
        staff_learner: Learner, course_version: CourseVersion) -> None:
    translate(course_version, "de")
    translate(course_version, "fr", outdated="lesson:listen:body")
    translate(course_version, "es", leave_out="lesson:listen:body")
    user = staff_learner.user
    for language, shown, status in [("de", "de", TranslationStatus.COMPLETE), ("fr", "fr", TranslationStatus.OUTDATED),
                                    ("es", "en", TranslationStatus.MISSING)]:
        learning.choose_language(user, language)
        page = learning.course_page(user, "first-aid")
        assert (page.texts.language, page.texts.status) == (shown, status)
        assert page.title == ("First aid for enforcement" if shown == "en" else f"[{shown}] First aid for enforcement")
    assert [code for code, _name in learning.course_page(user, "first-aid").languages] == ["en", "de", "fr"]
    learning.choose_language(user, "de")
    attempt = learning.start_attempt(user, quiz_of(course_version).pk)
    assert attempt.language == "de"
    learning.choose_language(user, "en")  # the attempt stays in the language it started in
    assert learning.attempt_page(user, attempt.pk).questions[0].text.startswith("[de] ")
    with pytest.raises(learning.LearningError):
        learning.choose_language(user, "xx")


# --- the survey ---------------------------------------------------------------------------------

def test_the_survey_opens_after_passing_once_with_the_comment_sealed(staff_learner: Learner,
                                                                     course_version: CourseVersion) -> None:
    user = staff_learner.user
    with pytest.raises(learning.LearningError, match="once you have passed"):
        learning.answer_survey(user, "first-aid", understood=True, worth_time=True)
    read_all(user, course_version)
    take(user, course_version)
    response = learning.answer_survey(user, "first-aid", understood=True, worth_time=False, comment=" Useful examples. ")
    stored = SurveyResponse.objects.get(pk=response.pk)
    assert stored.comment == "Useful examples." and b"Useful" not in bytes(stored.comment_sealed)
    assert stored.data_key == crypto.shared_key(DataKey.Purpose.TRAINING)
    assert stored.data_key.purpose == DataKey.Purpose.TRAINING
    before = counts()
    with pytest.raises(learning.LearningError, match="already answered"):
        learning.answer_survey(user, "first-aid", understood=False, worth_time=False)
    assert counts() == before
    assert learning.course_page(user, "first-aid").survey_answered
