"""The authoring pages under /staff/training/: thin, every change through `authoring`.

Who may open them is the services' decision (`authoring.require_author`): coordinators every
course, owners their own; anyone else is refused (403) by the access middleware.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access, markup
from steward.core.http import client_ip, staff_user

from . import authoring, lesson_images
from .author_forms import (
    CourseForm,
    ImageForm,
    ImportCourseForm,
    ImportForm,
    LessonForm,
    NewLessonForm,
    NewVersionForm,
    OwnerForm,
    QuestionForm,
    QuizForm,
    TranslationForm,
    VersionForm,
)
from .models import Course, CourseVersion, Lesson, LessonImage, Question, Quiz
from .permissions import TrainingAction

TOML = "application/toml; charset=utf-8"


def _refused(form: forms.Form, error: authoring.AuthoringError) -> list[str]:
    """Put a service's refusal on its field (or the whole form); the problems list, if any, is shown too."""
    name = error.field if error.field in form.fields else None
    form.add_error(name, str(error.message))
    return error.problems


def _course(request: HttpRequest, course_id: int) -> tuple[User, Course]:
    by = staff_user(request)
    course = get_object_or_404(Course, pk=course_id)
    authoring.require_author(by, course)
    return by, course


def _version(request: HttpRequest, version_id: int) -> tuple[User, CourseVersion]:
    by = staff_user(request)
    version = get_object_or_404(CourseVersion.objects.select_related("course"), pk=version_id)
    authoring.require_author(by, version.course)
    return by, version


def _lesson(request: HttpRequest, lesson_id: int) -> tuple[User, Lesson]:
    by = staff_user(request)
    lesson = get_object_or_404(Lesson.objects.select_related("version__course"), pk=lesson_id)
    authoring.require_author(by, lesson.version.course)
    return by, lesson


def _frozen(request: HttpRequest, version: CourseVersion) -> HttpResponse | None:
    if version.is_published:
        messages.info(request, _("Version %(number)s is published and can no longer change. Start a new version to "
                                 "make changes.") % {"number": version.number})
        return redirect("training:version", version.pk)
    return None


def _download(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type=TOML)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- courses ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def course_list(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    rows = authoring.course_rows(by)
    may_create = access.can(by, TrainingAction.AUTHOR)
    form = CourseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(by, TrainingAction.AUTHOR)
        if form.is_valid():
            data = form.cleaned_data
            try:
                draft = authoring.create_course(by=by, slug=data["slug"], title=data["title"], audience=data["audience"],
                                                valid_for_days=data["valid_for_days"], summary=data["summary"],
                                                ip=client_ip(request))
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Course created. Write its first lesson."))
                return redirect("training:version", draft.pk)
    return render(request, "training/author/courses.html", {
        "rows": rows, "form": form, "may_create": may_create, "languages": authoring.languages(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def course_import(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    access.require(by, TrainingAction.AUTHOR)
    form = ImportCourseForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            draft = authoring.import_course(form.cleaned_data["file"].read(), by=by,
                                            audience=form.cleaned_data["audience"], ip=client_ip(request))
        except authoring.AuthoringError as error:
            problems = _refused(form, error)
        else:
            messages.success(request, _("Course imported as draft %(number)s.") % {"number": draft.number})
            return redirect("training:version", draft.pk)
    return render(request, "training/author/course_import.html", {"form": form, "problems": problems},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    by, course = _course(request, course_id)
    return _course_page(request, by, course)


def _course_page(request: HttpRequest, by: User, course: Course, *, version_form: NewVersionForm | None = None,
                 owner_form: OwnerForm | None = None) -> HttpResponse:
    versions = [authoring.VersionRow(v, authoring.translation_statuses(v))
                for v in course.versions.newest_first().select_related("published_by").prefetch_related("translations")]
    invalid = bool((version_form and version_form.errors) or (owner_form and owner_form.errors))
    return render(request, "training/author/course.html", {
        "course": course, "versions": versions, "draft": authoring.open_draft(course),
        "published": authoring.newest_published(course),
        "version_form": version_form or NewVersionForm(), "owner_form": owner_form or OwnerForm(course=course),
        "owners": course.owners.order_by("username"), "manages_owners": access.can(by, TrainingAction.AUTHOR),
        "languages": authoring.languages(),
    }, status=400 if invalid else 200)


@login_required
@require_POST
def version_new(request: HttpRequest, course_id: int) -> HttpResponse:
    by, course = _course(request, course_id)
    form = NewVersionForm(request.POST)
    if form.is_valid():
        try:
            draft = authoring.start_version(course, by=by, major=form.cleaned_data["kind"] == "major",
                                            requires_recertification=form.cleaned_data["requires_recertification"],
                                            ip=client_ip(request))
        except authoring.AuthoringError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Draft %(number)s started from the newest published version.")
                             % {"number": draft.number})
            return redirect("training:version", draft.pk)
    return _course_page(request, by, course, version_form=form)


@login_required
@require_POST
def owner_add(request: HttpRequest, course_id: int) -> HttpResponse:
    by, course = _course(request, course_id)
    access.require(by, TrainingAction.AUTHOR)
    form = OwnerForm(request.POST, course=course)
    if form.is_valid():
        try:
            authoring.add_owner(course, form.cleaned_data["user"], by=by, ip=client_ip(request))
        except authoring.AuthoringError as error:
            _refused(form, error)
        else:
            messages.success(request, _("%(name)s now owns this course.") % {"name": form.cleaned_data["user"].get_username()})
            return redirect("training:course", course.pk)
    return _course_page(request, by, course, owner_form=form)


@login_required
@require_POST
def owner_remove(request: HttpRequest, course_id: int, user_id: int) -> HttpResponse:
    by, course = _course(request, course_id)
    owner = get_object_or_404(User, pk=user_id)
    try:
        authoring.remove_owner(course, owner, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s no longer owns this course.") % {"name": owner.get_username()})
    return redirect("training:course", course.pk)


# --- a version --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    form = VersionForm(request.POST if request.method == "POST" else None, initial={
        "title": version.title, "summary": version.summary, "pass_mark": version.pass_mark,
        "requires_recertification": version.requires_recertification})
    if request.method == "POST":
        if (frozen := _frozen(request, version)) is not None:
            return frozen
        if form.is_valid():
            data = form.cleaned_data
            try:
                authoring.update_version(version, by=by, title=data["title"], summary=data["summary"],
                                         pass_mark=data["pass_mark"], ip=client_ip(request),
                                         requires_recertification=data["requires_recertification"])
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("training:version", version.pk)
    return _version_page(request, version, form)


def _version_page(request: HttpRequest, version: CourseVersion, form: forms.Form,
                  image_form: ImageForm | None = None) -> HttpResponse:
    lessons = list(version.lessons.select_related("quiz").prefetch_related("quiz__questions"))
    image_form = image_form or ImageForm()
    return render(request, "training/author/version.html", {
        "version": version, "course": version.course, "form": form, "lessons": lessons,
        "images": version.images.all(), "image_form": image_form,
        "problems": authoring.publication_problems(version) if not version.is_published else [],
    }, status=400 if form.errors or image_form.errors else 200)


@login_required
@require_POST
def image_upload(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    if (frozen := _frozen(request, version)) is not None:
        return frozen
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            image = authoring.upload_image(version, form.cleaned_data["file"], by=by, ip=client_ip(request))
        except authoring.AuthoringError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Image “%(name)s” uploaded. Show it in a lesson with ![alt text](image:%(name)s)"
                                        ", describing the picture in the alt text.") % {"name": image.name})
            return redirect("training:version", version.pk)
    return _version_page(request, version, VersionForm(initial={
        "title": version.title, "summary": version.summary, "pass_mark": version.pass_mark,
        "requires_recertification": version.requires_recertification}), form)


@login_required
@require_POST
def image_delete(request: HttpRequest, image_id: int) -> HttpResponse:
    by = staff_user(request)
    image = get_object_or_404(LessonImage.objects.select_related("version__course"), pk=image_id)
    authoring.require_author(by, image.version.course)
    try:
        authoring.delete_image(image, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Image “%(name)s” deleted.") % {"name": image.name})
    return redirect("training:version", image.version_id)


@login_required
@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    if (frozen := _frozen(request, version)) is not None:
        return frozen
    error: str | None = None
    problems: list[str] = []
    if request.method == "POST":
        try:
            authoring.publish_version(version, by=by, ip=client_ip(request))
        except authoring.AuthoringError as refused:
            error, problems = str(refused.message), refused.problems
        else:
            messages.success(request, _("Version %(number)s is published. Learners now take it.") % {"number": version.number})
            return redirect("training:course", version.course_id)
    else:
        problems = authoring.publication_problems(version)
    return render(request, "training/author/publish.html", {
        "version": version, "course": version.course, "error": error, "problems": problems,
        "previous": authoring.newest_published(version.course),
    }, status=400 if error else 200)


@login_required
@require_POST
def version_delete(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    try:
        authoring.delete_draft(version, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The draft was deleted."))
    return redirect("training:course", version.course_id)


@login_required
@require_GET
def version_export(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    text = authoring.export_version(version, by=by, ip=client_ip(request))
    return _download(text, f"{version.course.slug}-{version.number}.toml")


@login_required
@require_http_methods(["GET", "POST"])
def version_import(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    if (frozen := _frozen(request, version)) is not None:
        return frozen
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            authoring.import_version(version, form.cleaned_data["file"].read(), by=by, ip=client_ip(request))
        except authoring.AuthoringError as error:
            problems = _refused(form, error)
        else:
            messages.success(request, _("The file replaced the draft's text."))
            return redirect("training:version", version.pk)
    return render(request, "training/author/version_import.html", {
        "version": version, "course": version.course, "form": form, "problems": problems,
    }, status=400 if form.errors else 200)


# --- lessons --------------------------------------------------------------------------------


def _preview(form: forms.Form, version: CourseVersion) -> Any:
    body = str(form.data.get("body", ""))
    return None if form["body"].errors else markup.render(body, images=lesson_images.urls(version))


@login_required
@require_http_methods(["GET", "POST"])
def lesson_new(request: HttpRequest, version_id: int) -> HttpResponse:
    by, version = _version(request, version_id)
    if (frozen := _frozen(request, version)) is not None:
        return frozen
    form = NewLessonForm(request.POST if request.method == "POST" else None)
    preview = None
    if request.method == "POST":
        valid = form.is_valid()
        if "preview" in request.POST:
            preview = _preview(form, version)
        elif valid:
            try:
                lesson = authoring.add_lesson(version, by=by, title=form.cleaned_data["title"],
                                              body=form.cleaned_data["body"], key=form.cleaned_data["key"],
                                              ip=client_ip(request))
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Lesson added."))
                return redirect("training:lesson", lesson.pk)
    return render(request, "training/author/lesson.html", {
        "version": version, "course": version.course, "form": form, "lesson": None, "preview": preview,
        "images": version.images.all(),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    version = lesson.version
    form = LessonForm(request.POST if request.method == "POST" else None,
                      initial={"title": lesson.title, "body": lesson.body_markdown})
    preview = None
    if request.method == "POST":
        if (frozen := _frozen(request, version)) is not None:
            return frozen
        valid = form.is_valid()
        if "preview" in request.POST:
            preview = _preview(form, version)
        elif valid:
            try:
                authoring.update_lesson(lesson, by=by, title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                                        ip=client_ip(request))
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Lesson saved."))
                return redirect("training:lesson", lesson.pk)
    quiz = Quiz.objects.filter(lesson=lesson).prefetch_related("questions__choices").first()
    return render(request, "training/author/lesson.html", {
        "version": version, "course": version.course, "form": form, "lesson": lesson, "quiz": quiz, "preview": preview,
        "rendered": markup.render(lesson.body_markdown, images=lesson_images.urls(version)) if version.is_published
        else None, "images": version.images.all(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def lesson_move(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    try:
        authoring.move_lesson(lesson, by=by, up=request.POST.get("direction") == "up", ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    return redirect("training:version", lesson.version_id)


@login_required
@require_POST
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    try:
        authoring.delete_lesson(lesson, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Lesson deleted."))
    return redirect("training:version", lesson.version_id)


# --- quizzes and questions ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quiz_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    quiz = Quiz.objects.filter(lesson=lesson).prefetch_related("questions__choices").first()
    initial = ({"explanations": quiz.explanations, "max_attempts": quiz.max_attempts, "shuffle": quiz.shuffle,
                "grading": quiz.grading} if quiz else {"explanations": Quiz.Explanations.AFTER_ATTEMPT, "shuffle": True,
                                                        "grading": Quiz.Grading.HIGHEST, "max_attempts": 0})
    form = QuizForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if (frozen := _frozen(request, lesson.version)) is not None:
            return frozen
        if form.is_valid():
            data = form.cleaned_data
            try:
                authoring.save_quiz(lesson, by=by, explanations=data["explanations"], max_attempts=data["max_attempts"],
                                    shuffle=data["shuffle"], grading=data["grading"], ip=client_ip(request))
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Quiz settings saved."))
                return redirect("training:quiz", lesson.pk)
    return render(request, "training/author/quiz.html", {
        "version": lesson.version, "course": lesson.version.course, "lesson": lesson, "quiz": quiz, "form": form,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def quiz_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    quiz = get_object_or_404(Quiz, lesson=lesson)
    try:
        authoring.delete_quiz(quiz, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Quiz deleted."))
    return redirect("training:lesson", lesson.pk)


def _question_page(request: HttpRequest, lesson: Lesson, form: QuestionForm, question: Question | None) -> HttpResponse:
    return render(request, "training/author/question.html", {
        "version": lesson.version, "course": lesson.version.course, "lesson": lesson, "form": form, "question": question,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, lesson_id: int) -> HttpResponse:
    by, lesson = _lesson(request, lesson_id)
    quiz = get_object_or_404(Quiz, lesson=lesson)
    if (frozen := _frozen(request, lesson.version)) is not None:
        return frozen
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            authoring.add_question(quiz, form.question_input(), by=by, ip=client_ip(request))
        except authoring.AuthoringError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("training:quiz", lesson.pk)
    return _question_page(request, lesson, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    by = staff_user(request)
    question = get_object_or_404(Question.objects.select_related("quiz__lesson__version__course"), pk=question_id)
    lesson = question.quiz.lesson
    authoring.require_author(by, lesson.version.course)
    form = QuestionForm(request.POST if request.method == "POST" else None, question=question)
    if request.method == "POST":
        if (frozen := _frozen(request, lesson.version)) is not None:
            return frozen
        if form.is_valid():
            try:
                authoring.update_question(question, form.question_input(), by=by, ip=client_ip(request))
            except authoring.AuthoringError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Question saved."))
                return redirect("training:quiz", lesson.pk)
    return _question_page(request, lesson, form, question)


@login_required
@require_POST
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    by = staff_user(request)
    question = get_object_or_404(Question.objects.select_related("quiz__lesson__version__course"), pk=question_id)
    authoring.require_author(by, question.quiz.lesson.version.course)
    try:
        authoring.delete_question(question, by=by, ip=client_ip(request))
    except authoring.AuthoringError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Question deleted."))
    return redirect("training:quiz", question.quiz.lesson_id)


# --- translations ---------------------------------------------------------------------------


@login_required
@require_GET
def translations(request: HttpRequest, version_id: int) -> HttpResponse:
    _by, version = _version(request, version_id)
    return render(request, "training/author/translations.html", {
        "version": version, "course": version.course, "rows": authoring.translation_statuses(version),
    })


def _language(version: CourseVersion, language: str, request: HttpRequest) -> HttpResponse | None:
    if authoring.language_name(language) is None:
        return render(request, "training/author/unknown_language.html", {
            "version": version, "course": version.course, "language": language, "known": authoring.languages()},
            status=404)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def translation_edit(request: HttpRequest, version_id: int, language: str) -> HttpResponse:
    by, version = _version(request, version_id)
    if (unknown := _language(version, language, request)) is not None:
        return unknown
    rows = authoring.place_rows(version, language)
    form = TranslationForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            authoring.save_translation(version, language, form.texts(), confirmed=form.confirmed(), by=by,
                                       ip=client_ip(request))
        except authoring.AuthoringError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Translation saved."))
            return redirect("training:translation", version.pk, language)
    return _translation_page(request, version, language, form, ImportForm())


def _translation_page(request: HttpRequest, version: CourseVersion, language: str, form: TranslationForm,
                      upload: ImportForm, problems: list[str] | None = None) -> HttpResponse:
    states = [row.state for row in form.places]
    return render(request, "training/author/translation.html", {
        "version": version, "course": version.course, "language": language,
        "name": authoring.language_name(language), "form": form, "upload": upload, "problems": problems or [],
        "status": authoring.translation_status(version, language), "total": len(states),
        "complete": states.count("complete"), "outdated": states.count("outdated"),
        "direction": "rtl" if language in {"ar", "fa", "he", "ur"} else "ltr",
    }, status=400 if form.errors or upload.errors else 200)


@login_required
@require_POST
def translation_import(request: HttpRequest, version_id: int, language: str) -> HttpResponse:
    by, version = _version(request, version_id)
    if (unknown := _language(version, language, request)) is not None:
        return unknown
    upload = ImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if upload.is_valid():
        try:
            authoring.import_translation(version, language, upload.cleaned_data["file"].read(), by=by,
                                         ip=client_ip(request))
        except authoring.AuthoringError as error:
            problems = _refused(upload, error)
        else:
            messages.success(request, _("Translation imported."))
            return redirect("training:translation", version.pk, language)
    form = TranslationForm(rows=authoring.place_rows(version, language))
    return _translation_page(request, version, language, form, upload, problems)


@login_required
@require_GET
def translation_export(request: HttpRequest, version_id: int, language: str) -> HttpResponse:
    by, version = _version(request, version_id)
    if (unknown := _language(version, language, request)) is not None:
        return unknown
    text = authoring.export_translation(version, language, by=by)
    return _download(text, f"{version.course.slug}-{version.number}.{language}.toml")
