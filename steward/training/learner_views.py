"""The learner's pages under /learn/: their courses, lessons, quizzes and the survey. Thin: each
asks `learning` for a read model or an action. They work without JavaScript: a quiz that explains
after each answer shows one question per page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import markup

from . import authoring, learning, lesson_images, quizzes
from .learner_forms import AnswersForm, LanguageForm, SurveyForm
from .models import LessonImage

View = Callable[..., HttpResponse]


def sign_in_url() -> str:
    """The learners' sign-in page, or the general one until it exists."""
    try:
        return reverse("learn:sign_in")
    except NoReverseMatch:
        return resolve_url(settings.LOGIN_URL)


def learner_required(view: View) -> View:
    """Signed in, or sent to sign in; a staff member becomes a learner on their first visit."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=sign_in_url())
        if user.is_staff and learning.learner_of(user) is None:
            learning.enrol_staff(user, language=translation.get_language() or settings.LANGUAGE_CODE)
        return view(request, *args, **kwargs)

    return wrapped


def refused(request: HttpRequest, error: learning.LearningError, *, back: str | None = None) -> HttpResponse:
    return render(request, "training/learn/refused.html", {"problem": error.message, "back": back}, status=400)


@require_GET
@learner_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "training/learn/home.html", {"overview": learning.my_courses(request.user)})


@require_GET
@learner_required
def course(request: HttpRequest, slug: str) -> HttpResponse:
    page = learning.course_page(request.user, slug)
    form = LanguageForm(languages=page.languages, initial={"language": page.texts.language})
    return render(request, "training/learn/course.html", {"page": page, "language_form": form})


@require_POST
@learner_required
def choose_language(request: HttpRequest, slug: str) -> HttpResponse:
    page = learning.course_page(request.user, slug)
    form = LanguageForm(request.POST, languages=page.languages)
    if form.is_valid():
        try:
            learning.choose_language(request.user, form.cleaned_data["language"])
        except learning.LearningError as error:
            form.add_error("language", str(error.message))
        else:
            return redirect("learn:course", slug)
    return render(request, "training/learn/course.html", {"page": page, "language_form": form}, status=400)


@require_GET
@learner_required
def lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    page = learning.lesson_page(request.user, lesson_id)
    return render(request, "training/learn/lesson.html", {
        "page": page, "body": markup.render(page.body, images=lesson_images.urls(page.version))})


@require_GET
def image(request: HttpRequest, image_id: int) -> FileResponse:
    """A lesson's picture, for whoever may read the lesson; anyone else finds nothing (404)."""
    found = get_object_or_404(LessonImage.objects.select_related("version__course"), pk=image_id)
    if not authoring.may_see_image(request.user, found):
        raise Http404
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    # An image never changes (a new upload is a new URL), but only signed-in readers may have it.
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@require_POST
@learner_required
def mark_read(request: HttpRequest, lesson_id: int) -> HttpResponse:
    learning.mark_read(request.user, lesson_id)
    page = learning.lesson_page(request.user, lesson_id)
    if page.quiz is not None:
        return redirect("learn:quiz", page.quiz.pk)
    if page.next_lesson is not None:
        return redirect("learn:lesson", page.next_lesson.pk)
    return redirect("learn:course", page.course.slug)


@require_GET
@learner_required
def quiz(request: HttpRequest, quiz_id: int) -> HttpResponse:
    try:
        page = learning.quiz_page(request.user, quiz_id)
    except learning.LearningError as error:
        return refused(request, error)
    return render(request, "training/learn/quiz.html", {"page": page})


@require_POST
@learner_required
def start_attempt(request: HttpRequest, quiz_id: int) -> HttpResponse:
    try:
        attempt = learning.start_attempt(request.user, quiz_id)
    except learning.LearningError as error:
        return refused(request, error, back=reverse("learn:quiz", args=[quiz_id]))
    return redirect("learn:attempt", attempt.pk)


@require_http_methods(["GET", "POST"])
@learner_required
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    page = learning.attempt_page(request.user, attempt_id)
    if page.attempt.submitted_at is not None and request.method == "GET":
        return redirect("learn:result", page.attempt.pk)
    shown = [page.next_question] if page.one_at_a_time and page.next_question else page.questions
    form = AnswersForm(request.POST if request.method == "POST" else None, questions=shown)
    if request.method == "POST":
        try:
            answers = quizzes.parse_answers({name: request.POST.getlist(name) for name in request.POST})
            if page.one_at_a_time:
                asked = request.POST.get("question", "")
                answers.setdefault(int(asked) if asked.isdigit() else 0, [])
            learning.submit(request.user, attempt_id, answers)
        except quizzes.AnswerProblem as problem:
            form.add_error(None, str(problem.message))
        except learning.QuizRefused as error:
            for each in error.problems:
                form.add_error(each.field if each.field in form.fields else None, str(each.message))
        except learning.LearningError as error:
            return refused(request, error, back=reverse("learn:quiz", args=[page.quiz.pk]))
        else:
            if page.one_at_a_time:
                return redirect("learn:answered", attempt_id, next(iter(answers)))
            return redirect("learn:result", attempt_id)
    return render(request, "training/learn/attempt.html", {"page": page, "form": form, "shown": shown},
                  status=400 if form.errors else 200)


@require_GET
@learner_required
def answered(request: HttpRequest, attempt_id: int, question_id: int) -> HttpResponse:
    page, question = learning.answered_question(request.user, attempt_id, question_id)
    return render(request, "training/learn/answered.html", {"page": page, "question": question})


@require_GET
@learner_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    try:
        page, quiz_page = learning.result_page(request.user, attempt_id)
    except learning.LearningError:
        return redirect("learn:attempt", attempt_id)
    course_page = learning.course_page(request.user, quiz_page.version.course.slug)
    return render(request, "training/learn/result.html", {"page": page, "quiz_page": quiz_page, "course_page": course_page})


@require_http_methods(["GET", "POST"])
@learner_required
def survey(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = learning.survey_page(request.user, slug)
    except learning.LearningError as error:
        return refused(request, error, back=reverse("learn:course", args=[slug]))
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not page.answered and form.is_valid():
        data = form.cleaned_data
        try:
            learning.answer_survey(request.user, slug, understood=data["understood"] == "yes",
                                   worth_time=data["worth_time"] == "yes", comment=data["comment"])
        except learning.LearningError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Thank you for answering the survey."))
            return redirect("learn:course", slug)
    return render(request, "training/learn/survey.html", {"page": page, "form": form}, status=400 if form.errors else 200)
