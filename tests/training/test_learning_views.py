"""The learner's pages: GET and POST, and who is refused (anonymous: sign in; another learner's attempt: 404)."""

from __future__ import annotations

import pytest
from django.test import Client

from steward.core.models import AuditEntry
from steward.training import learning
from steward.training.models import Answer, Attempt, Learner, LessonRead, Question, Quiz, SurveyResponse
from tests.conftest import login, make_staff

from .conftest import make_learner
from .test_learning import answers

pytestmark = pytest.mark.django_db


def learner_client(learner: Learner) -> Client:
    client = Client()
    client.force_login(learner.user)
    return client


@pytest.mark.parametrize("path", ["/learn/", "/learn/courses/first-aid/", "/learn/attempts/1/"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(f"/learn/sign-in/?next={path}")


def test_a_staff_member_is_a_learner_from_their_first_visit(course_version) -> None:
    staff = make_staff("stella")
    response = login(staff).get("/learn/")
    assert response.status_code == 200
    assert Learner.objects.get(user=staff).kind == Learner.Kind.STAFF
    assert "First aid for enforcement" in response.content.decode()


def test_an_account_that_is_neither_staff_nor_learner_finds_nothing(db: None) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/learn/").status_code == 404


def test_course_and_lesson_pages_and_marking_a_lesson_read(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    course = client.get("/learn/courses/first-aid/")
    assert course.status_code == 200 and "0 of 2 lessons done" in course.content.decode()
    first, second = course_version.lessons.all()
    lesson = client.get(f"/learn/lessons/{first.pk}/")
    assert "<strong>Don't judge.</strong>" in lesson.content.decode()
    assert client.get(f"/learn/lessons/{first.pk}/read/").status_code == 405
    response = client.post(f"/learn/lessons/{first.pk}/read/")
    assert response["Location"] == f"/learn/lessons/{second.pk}/"
    response = client.post(f"/learn/lessons/{second.pk}/read/")
    assert response["Location"] == f"/learn/quizzes/{second.quiz.pk}/"
    assert LessonRead.objects.count() == 2


def test_a_contributor_cannot_open_a_staff_course(contributor: Learner, course_version) -> None:
    client = learner_client(contributor)
    assert client.get("/learn/courses/first-aid/").status_code == 404
    assert client.get(f"/learn/lessons/{course_version.lessons.first().pk}/").status_code == 404
    assert client.post(f"/learn/quizzes/{Quiz.objects.get().pk}/start/").status_code == 404
    assert not Attempt.objects.exists()


def post_answers(client: Client, attempt: Attempt, chosen: dict[int, list[int]]):
    return client.post(f"/learn/attempts/{attempt.pk}/", {f"q-{q}": [str(c) for c in choices] for q, choices in chosen.items()})


def test_a_quiz_failed_then_passed_through_the_pages(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    quiz = Quiz.objects.get()
    assert client.get(f"/learn/quizzes/{quiz.pk}/").status_code == 200
    started = client.post(f"/learn/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get()
    assert started["Location"] == f"/learn/attempts/{attempt.pk}/"
    page = client.get(started["Location"]).content.decode()
    assert "Safety comes before any form." not in page  # explained after the attempt, not before
    done = post_answers(client, attempt, answers(attempt, right=False))
    assert done["Location"] == f"/learn/attempts/{attempt.pk}/result/"
    result = client.get(done["Location"]).content.decode()
    assert "Safety comes before any form." in result and "Try again" in result
    client.post(f"/learn/quizzes/{quiz.pk}/start/")
    second = Attempt.objects.get(number=2)
    post_answers(client, second, answers(second))
    assert "You passed with 100%" in client.get(f"/learn/attempts/{second.pk}/result/").content.decode()


def test_a_bad_answer_is_refused_on_the_page_and_changes_nothing(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    attempt = learning.start_attempt(sam.user, Quiz.objects.get().pk)
    chosen = answers(attempt)
    single = Question.objects.get(key="emergency")
    before = (Answer.objects.count(), AuditEntry.objects.count())
    response = post_answers(client, attempt, {**chosen, single.pk: list(single.choices.values_list("pk", flat=True))})
    assert response.status_code == 400 and "choose only one" in response.content.decode()
    response = post_answers(client, attempt, {**chosen, 999999: [1]})
    assert response.status_code == 400 and "not part of this attempt" in response.content.decode()
    response = client.post(f"/learn/attempts/{attempt.pk}/", {f"q-{single.pk}": "not-a-number"})
    assert response.status_code == 400
    assert (Answer.objects.count(), AuditEntry.objects.count()) == before


def test_another_learners_attempt_is_not_found(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    other = make_learner("olga", kind=Learner.Kind.STAFF)
    attempt = learning.start_attempt(sam.user, Quiz.objects.get().pk)
    client = learner_client(other)
    for path in (f"/learn/attempts/{attempt.pk}/", f"/learn/attempts/{attempt.pk}/result/",
                 f"/learn/attempts/{attempt.pk}/questions/{attempt.order[0][0]}/"):
        assert client.get(path).status_code == 404
    assert post_answers(client, attempt, answers(attempt)).status_code == 404
    assert not Answer.objects.exists()


def test_one_question_per_page_when_explained_after_each_answer(course_version) -> None:
    Quiz.objects.update(explanations=Quiz.Explanations.IMMEDIATELY)
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    attempt = learning.start_attempt(sam.user, Quiz.objects.get().pk)
    chosen = answers(attempt)
    for number, question_id in enumerate(chosen, start=1):
        page = client.get(f"/learn/attempts/{attempt.pk}/").content.decode()
        assert f"Question {number} of 3" in page and page.count('type="hidden" name="question"') == 1
        response = client.post(f"/learn/attempts/{attempt.pk}/", {"question": question_id,
                                                                  f"q-{question_id}": chosen[question_id]})
        assert response["Location"] == f"/learn/attempts/{attempt.pk}/questions/{question_id}/"
        feedback = client.get(response["Location"]).content.decode()
        assert "Right." in feedback
    assert "See your result" in feedback
    empty = learning.start_attempt(sam.user, Quiz.objects.get().pk)
    response = client.post(f"/learn/attempts/{empty.pk}/", {"question": empty.order[0][0]})
    assert response.status_code == 400 and "Choose an answer" in response.content.decode()


def test_the_survey_page(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    assert client.get("/learn/courses/first-aid/survey/").status_code == 400  # not passed yet
    for lesson in course_version.lessons.all():
        learning.mark_read(sam.user, lesson.pk)
    attempt = learning.start_attempt(sam.user, Quiz.objects.get().pk)
    learning.submit(sam.user, attempt.pk, answers(attempt))
    assert client.get("/learn/courses/first-aid/survey/").status_code == 200
    assert client.post("/learn/courses/first-aid/survey/", {"understood": "maybe"}).status_code == 400
    response = client.post("/learn/courses/first-aid/survey/", {"understood": "yes", "worth_time": "no", "comment": "Good."})
    assert response["Location"] == "/learn/courses/first-aid/"
    stored = SurveyResponse.objects.get()
    assert (stored.understood, stored.worth_time, stored.comment) == (True, False, "Good.")
    assert "already answered" in client.get("/learn/courses/first-aid/survey/").content.decode()


def test_choosing_a_language(course_version) -> None:
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    client = learner_client(sam)
    assert client.post("/learn/courses/first-aid/language/", {"language": "xx"}).status_code == 400
    assert client.post("/learn/courses/first-aid/language/", {"language": "en"}).status_code == 302
