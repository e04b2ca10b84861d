"""Writing courses: one function per authoring action.

Training coordinators (TrainingAction.AUTHOR) write every course; a course's owners (staff users)
write theirs. A published version is frozen: every edit is refused with a message saying to start
a new version. Publishing checks the whole version with `content.parse`, exactly as an imported
file is checked, and changes nothing when any place has a problem. Translations belong to a
version, may be written after it is published, and remember the source text each place was
made from (`content.stamped`), so a changed source shows as "outdated".
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from steward.core import access, audit
from steward.core.access import Actor
from steward.core.errors import DomainError
from steward.policy.models import TranslationStatus

from . import content, lesson_images, starter
from .models import (
    SOURCE_LANGUAGE,
    Choice,
    Course,
    CourseVersion,
    Lesson,
    LessonImage,
    Question,
    Quiz,
    VersionTranslation,
    text_hash,
)
from .permissions import TrainingAction


class AuthoringError(DomainError):
    """A refused authoring action; `problems` names each place when a whole version was checked,
    `field` the form field the message belongs to (None: the form as a whole)."""

    def __init__(self, message: object, *, problems: Iterable[str] = (), field: str | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems)
        self.field = field


def languages() -> list[tuple[str, str]]:
    """The languages a course may be translated into: the interface's, but the source language."""
    return [(code, name) for code, name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def language_name(code: str) -> str | None:
    return dict(languages()).get(code)


# --- who may write ---------------------------------------------------------------------------


def is_owner(by: Actor, course: Course) -> bool:
    return isinstance(by, User) and by.is_active and by.is_staff and course.owners.filter(pk=by.pk).exists()


def may_author(by: Actor, course: Course | None = None) -> bool:
    """Coordinators write every course; an owner writes their own (and only that one)."""
    if access.can(by, TrainingAction.AUTHOR):
        return True
    return course is not None and is_owner(by, course)


def require_author(by: Actor, course: Course | None = None) -> None:
    if not may_author(by, course):
        raise access.Denied(TrainingAction.AUTHOR)


def courses_for(by: Actor) -> QuerySet[Course]:
    """The courses this person writes: all for coordinators, their own for owners; none: refused."""
    if access.can(by, TrainingAction.AUTHOR):
        return Course.objects.all()
    if isinstance(by, User) and by.is_active and by.is_staff:
        own = Course.objects.filter(owners=by)
        if own.exists():
            return own
    raise access.Denied(TrainingAction.AUTHOR)


@dataclass
class VersionRow:
    version: CourseVersion
    statuses: list[tuple[str, str, str]]  # (language, name, status) for every configured language

    def count(self, status: str) -> int:
        return sum(1 for _code, _name, found in self.statuses if found == status)

    @property
    def complete(self) -> int:
        return self.count(TranslationStatus.COMPLETE)

    @property
    def outdated(self) -> int:
        return self.count(TranslationStatus.OUTDATED)


@dataclass
class CourseRow:
    course: Course
    versions: list[VersionRow]
    draft: CourseVersion | None


def course_rows(by: Actor) -> list[CourseRow]:
    """The course list: each course this person writes, its versions and their translations."""
    rows = []
    for course in courses_for(by).prefetch_related("versions__translations"):
        versions = sorted(course.versions.all(), key=lambda v: (v.major, v.minor), reverse=True)
        rows.append(CourseRow(course, [VersionRow(v, translation_statuses(v)) for v in versions],
                              next((v for v in versions if not v.is_published), None)))
    return rows


def _locked(version: CourseVersion, by: Actor) -> CourseVersion:
    """The version, locked, after the permission check; refused when it is published."""
    require_author(by, version.course)
    locked = CourseVersion.objects.select_for_update().select_related("course").get(pk=version.pk)
    if locked.is_published:
        raise AuthoringError(_("Version %(number)s is published and can no longer change. Start a new version to "
                               "make changes.") % {"number": locked.number})
    return locked


def _touched(version: CourseVersion, by: Actor, action: str, obj: Any = None, ip: str | None = None,
             **detail: Any) -> None:
    audit.record(by, f"training.{action}", obj if obj is not None else version, ip=ip,
                 detail={"course": version.course_id, "version": str(version.number), **detail})


def _markdown(text: str, field_name: str, version: CourseVersion | None = None) -> None:
    """Refuse Markdown that could run code; in a lesson (`version`), also an image the version does not have."""
    problems = content.markdown_problems(text, lesson_images.names(version) if version is not None else None)
    if problems:
        raise AuthoringError(problems[0], field=field_name)


def _pass_mark(value: int) -> None:
    if not 1 <= value <= 100:
        raise AuthoringError(_("The pass mark is a percentage from 1 to 100."), field="pass_mark")


# --- courses and versions -----------------------------------------------------------------


@transaction.atomic
def create_course(*, by: Actor, slug: str, title: str, audience: str, valid_for_days: int | None = None,
                  summary: str = "", pass_mark: int = 80, ip: str | None = None) -> CourseVersion:
    """A new course with an empty draft 1.0, its creator its first owner."""
    require_author(by)
    if not content.KEY.match(slug):
        raise AuthoringError(_("The short name is lower-case letters, digits and hyphens."), field="slug")
    if Course.objects.filter(slug=slug).exists():
        raise AuthoringError(_("A course with the short name “%(slug)s” exists already.") % {"slug": slug}, field="slug")
    if audience not in Course.Audience.values:
        raise AuthoringError(_("Choose who the course is for."), field="audience")
    if not title.strip():
        raise AuthoringError(_("The course needs a title."), field="title")
    _pass_mark(pass_mark)
    course = Course.objects.create(slug=slug, audience=audience, valid_for_days=valid_for_days)
    if isinstance(by, User):
        course.owners.add(by)
    version = CourseVersion.objects.create(course=course, major=1, minor=0, title=title.strip(), summary=summary.strip(),
                                           pass_mark=pass_mark, created_by=by if isinstance(by, User) else None)
    audit.record(by, "training.course_created", course, ip=ip, detail={"slug": slug, "audience": audience})
    return version


@transaction.atomic
def import_course(text: str | bytes, *, by: Actor, audience: str, ip: str | None = None) -> CourseVersion:
    """A new course from a TOML document (checked whole), as a draft 1.0."""
    require_author(by)
    document = _parsed(text)
    version = create_course(by=by, slug=document.slug, title=document.title, audience=audience,
                            valid_for_days=document.valid_for_days, summary=document.summary,
                            pass_mark=document.pass_mark, ip=ip)
    starter.write_version(version, document)
    _touched(version, by, "version_imported", ip=ip, lessons=len(document.lessons))
    return version


def _parsed(text: str | bytes) -> content.CourseText:
    try:
        return content.load(text)
    except content.ContentError as error:
        raise AuthoringError(_("The file was not imported: %(count)d problems.") % {"count": len(error.problems)}
                             if len(error.problems) > 1 else error.problems[0], problems=error.problems,
                             field="file") from None


def newest_published(course: Course) -> CourseVersion | None:
    return course.versions.published().newest_first().first()


def open_draft(course: Course) -> CourseVersion | None:
    return course.versions.filter(status=CourseVersion.Status.DRAFT).newest_first().first()


@transaction.atomic
def start_version(course: Course, *, by: Actor, major: bool, requires_recertification: bool = False,
                  ip: str | None = None) -> CourseVersion:
    """A draft copied from the newest published version, with its translations (which stay
    complete for every text left unchanged): the next minor, or the next major number."""
    require_author(by, course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if open_draft(course) is not None:
        raise AuthoringError(_("This course already has a draft. Edit or delete it first."))
    base = newest_published(course)
    if base is None:
        raise AuthoringError(_("Publish the first version before starting another."))
    if requires_recertification and not major:
        raise AuthoringError(_("Only a new major version can ask everyone to pass again."),
                             field="requires_recertification")
    number = (base.major + 1, 0) if major else (base.major, base.minor + 1)
    draft = CourseVersion.objects.create(
        course=course, major=number[0], minor=number[1], source_language=base.source_language, title=base.title,
        summary=base.summary, pass_mark=base.pass_mark, requires_recertification=requires_recertification and major,
        created_by=by if isinstance(by, User) else None)
    starter.write_version(draft, content.parse(content.version_document(base)))
    VersionTranslation.objects.bulk_create(
        VersionTranslation(version=draft, language=t.language, texts=t.texts, updated_by=t.updated_by)
        for t in base.translations.all())
    lesson_images.copy_all(base, draft)
    _touched(draft, by, "version_started", ip=ip, base=str(base.number), major=major,
             requires_recertification=draft.requires_recertification)
    return draft


@transaction.atomic
def update_version(version: CourseVersion, *, by: Actor, title: str, summary: str, pass_mark: int,
                   requires_recertification: bool | None = None, ip: str | None = None) -> CourseVersion:
    version = _locked(version, by)
    if not title.strip():
        raise AuthoringError(_("The course needs a title."), field="title")
    _pass_mark(pass_mark)
    version.title, version.summary, version.pass_mark = title.strip(), summary.strip(), pass_mark
    fields = ["title", "summary", "pass_mark"]
    if requires_recertification is not None:
        if requires_recertification and version.minor != 0:
            raise AuthoringError(_("Only a new major version can ask everyone to pass again."),
                                 field="requires_recertification")
        version.requires_recertification = requires_recertification
        fields.append("requires_recertification")
    version.save(update_fields=fields)
    _touched(version, by, "version_edited", ip=ip)
    return version


@transaction.atomic
def import_version(version: CourseVersion, text: str | bytes, *, by: Actor, ip: str | None = None) -> CourseVersion:
    """Replace a draft's whole text with a TOML document (checked whole; the course's own
    settings, such as how long a completion counts, are not changed by a file)."""
    version = _locked(version, by)
    document = _parsed(text)
    if document.slug != version.course.slug:
        raise AuthoringError(_("The file is for the course “%(file)s”, not “%(course)s”.")
                             % {"file": document.slug, "course": version.course.slug}, field="file")
    starter.write_version(version, document)
    _touched(version, by, "version_imported", ip=ip, lessons=len(document.lessons))
    return version


def export_version(version: CourseVersion, *, by: Actor, ip: str | None = None) -> str:
    """The version as a TOML document (a draft in whatever state it is in)."""
    require_author(by, version.course)
    text = content.dump(content.version_document(version))
    _touched(version, by, "version_exported", ip=ip)
    return text


def publication_problems(version: CourseVersion) -> list[str]:
    """What stops a version from being published, each with its place; none: it may be."""
    try:
        content.parse(content.version_document(version))
    except content.ContentError as error:
        return error.problems
    names = lesson_images.names(version)
    return [f"lesson {lesson.key}: {problem}" for lesson in version.lessons.all()
            for problem in content.markdown_problems(lesson.body_markdown, names)]


@transaction.atomic
def publish_version(version: CourseVersion, *, by: Actor, ip: str | None = None) -> CourseVersion:
    """Freeze a draft and make it the version learners take. Checked whole; refused, changing
    nothing, when any place has a problem."""
    version = _locked(version, by)
    problems = publication_problems(version)
    if problems:
        raise AuthoringError(_("Version %(number)s was not published: fix these first.") % {"number": version.number},
                             problems=problems)
    latest = newest_published(version.course)
    if latest is not None and not latest.number < version.number:
        raise AuthoringError(_("Version numbers only go up: version %(latest)s is already published.")
                             % {"latest": latest.number})
    version.status = CourseVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by if isinstance(by, User) else None
    version.save(update_fields=["status", "published_at", "published_by"])
    _touched(version, by, "version_published", ip=ip, requires_recertification=version.requires_recertification)
    return version


@transaction.atomic
def delete_draft(version: CourseVersion, *, by: Actor, ip: str | None = None) -> None:
    version = _locked(version, by)
    if not version.course.versions.exclude(pk=version.pk).exists():
        raise AuthoringError(_("This is the course's only version; it cannot be deleted."))
    _touched(version, by, "draft_deleted", obj=version.course, ip=ip)
    version.delete()


# --- images ---------------------------------------------------------------------------------


@transaction.atomic
def upload_image(version: CourseVersion, upload: UploadedFile[bytes], *, by: Actor,
                 ip: str | None = None) -> LessonImage:
    """A picture for the draft's lessons, checked and stripped of metadata (`lesson_images`); nothing
    is stored when it is refused."""
    version = _locked(version, by)
    try:
        clean = lesson_images.clean(upload)
    except ValidationError as error:
        raise AuthoringError(error.messages[0], field="file") from None
    image = lesson_images.store(version, clean, by=by)
    _touched(version, by, "image_uploaded", obj=image, ip=ip, image=image.name)
    return image


def may_see_image(by: object, image: LessonImage) -> bool:
    """Learners who may take the course see a published version's images; its authors every version's."""
    if lesson_images.readable(by, image):
        return True
    return isinstance(by, User) and by.is_active and by.is_staff and may_author(by, image.version.course)


@transaction.atomic
def delete_image(image: LessonImage, *, by: Actor, ip: str | None = None) -> None:
    version = _locked(image.version, by)
    _touched(version, by, "image_deleted", obj=version, ip=ip, image=image.name)
    image.delete()
    stored = image.file
    transaction.on_commit(lambda: stored.delete(save=False))  # the file goes only once the row has gone


# --- lessons --------------------------------------------------------------------------------


def _lesson_key(version: CourseVersion, title: str, wanted: str = "") -> str:
    if wanted:
        if not content.KEY.match(wanted):
            raise AuthoringError(_("The key is lower-case letters, digits and hyphens."), field="key")
        if version.lessons.filter(key=wanted).exists():
            raise AuthoringError(_("Another lesson of this version has the key “%(key)s”.") % {"key": wanted}, field="key")
        return wanted
    base = (slugify(title)[:56].strip("-") or "lesson")
    if not content.KEY.match(base):
        base = "lesson"
    key, number = base, 2
    while version.lessons.filter(key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def add_lesson(version: CourseVersion, *, by: Actor, title: str, body: str, key: str = "",
               ip: str | None = None) -> Lesson:
    """A lesson at the end of the draft. Its key names its places for translations and never changes."""
    version = _locked(version, by)
    if not title.strip():
        raise AuthoringError(_("The lesson needs a title."), field="title")
    if not body.strip():
        raise AuthoringError(_("The lesson needs some text."), field="body")
    _markdown(body, "body", version)
    position = (version.lessons.aggregate(last=Max("position"))["last"] or 0) + 1
    lesson = Lesson.objects.create(version=version, key=_lesson_key(version, title, key.strip()), position=position,
                                   title=title.strip(), body_markdown=body.strip())
    _touched(version, by, "lesson_added", obj=lesson, ip=ip, lesson=lesson.key)
    return lesson


def _lesson(lesson: Lesson, by: Actor) -> tuple[CourseVersion, Lesson]:
    version = _locked(lesson.version, by)
    return version, Lesson.objects.select_for_update().get(pk=lesson.pk)


@transaction.atomic
def update_lesson(lesson: Lesson, *, by: Actor, title: str, body: str, ip: str | None = None) -> Lesson:
    version, lesson = _lesson(lesson, by)
    if not title.strip():
        raise AuthoringError(_("The lesson needs a title."), field="title")
    if not body.strip():
        raise AuthoringError(_("The lesson needs some text."), field="body")
    _markdown(body, "body", version)
    lesson.title, lesson.body_markdown = title.strip(), body.strip()
    lesson.save(update_fields=["title", "body_markdown"])
    _touched(version, by, "lesson_edited", obj=lesson, ip=ip, lesson=lesson.key)
    return lesson


@transaction.atomic
def move_lesson(lesson: Lesson, *, by: Actor, up: bool, ip: str | None = None) -> Lesson:
    """Swap a lesson with the one before (up) or after it; at either end nothing moves."""
    version, lesson = _lesson(lesson, by)
    ordered = list(version.lessons.order_by("position", "pk"))
    index = next(i for i, item in enumerate(ordered) if item.pk == lesson.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return lesson
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    Lesson.objects.bulk_update(ordered, ["position"])
    _touched(version, by, "lesson_moved", obj=lesson, ip=ip, lesson=lesson.key, to=other + 1)
    return lesson


@transaction.atomic
def delete_lesson(lesson: Lesson, *, by: Actor, ip: str | None = None) -> None:
    version, lesson = _lesson(lesson, by)
    _touched(version, by, "lesson_deleted", ip=ip, lesson=lesson.key)
    lesson.delete()


# --- quizzes and questions ------------------------------------------------------------------


@transaction.atomic
def save_quiz(lesson: Lesson, *, by: Actor, explanations: str, max_attempts: int, shuffle: bool, grading: str,
              ip: str | None = None) -> Quiz:
    """A lesson's quiz settings; the quiz is made on first save (its questions come next)."""
    version, lesson = _lesson(lesson, by)
    if explanations not in Quiz.Explanations.values:
        raise AuthoringError(_("Choose when explanations are shown."), field="explanations")
    if grading not in Quiz.Grading.values:
        raise AuthoringError(_("Choose how attempts are graded."), field="grading")
    if not 0 <= max_attempts <= content.MAX_ATTEMPTS:
        raise AuthoringError(_("Attempts: 0 (unlimited) to %(max)d.") % {"max": content.MAX_ATTEMPTS},
                             field="max_attempts")
    quiz, created = Quiz.objects.update_or_create(lesson=lesson, defaults={
        "explanations": explanations, "max_attempts": max_attempts, "shuffle": shuffle, "grading": grading})
    _touched(version, by, "quiz_added" if created else "quiz_edited", obj=quiz, ip=ip, lesson=lesson.key)
    return quiz


@transaction.atomic
def delete_quiz(quiz: Quiz, *, by: Actor, ip: str | None = None) -> None:
    version, lesson = _lesson(quiz.lesson, by)
    _touched(version, by, "quiz_deleted", ip=ip, lesson=lesson.key)
    Quiz.objects.filter(pk=quiz.pk).delete()


@dataclass
class ChoiceInput:
    text: str
    correct: bool
    explanation: str = ""
    key: str = ""  # an existing answer's key; new answers get the next free letter


@dataclass
class QuestionInput:
    kind: str
    text: str
    explanation: str = ""
    choices: list[ChoiceInput] = field(default_factory=list)


def _choice_keys(kind: str, choices: list[ChoiceInput]) -> list[str]:
    if kind == Question.Kind.TRUE_FALSE:
        return [choice.key for choice in choices]
    taken = {choice.key for choice in choices if choice.key}
    keys, letters = [], iter("abcdefghijklmnopqrstuvwxyz")
    for choice in choices:
        if choice.key:
            keys.append(choice.key)
            continue
        key = next(letter for letter in letters if letter not in taken)
        taken.add(key)
        keys.append(key)
    return keys


def true_false_choices(correct: bool, *, true_explanation: str = "", false_explanation: str = "") -> list[ChoiceInput]:
    return [ChoiceInput(_("True"), correct, true_explanation, "true"),
            ChoiceInput(_("False"), not correct, false_explanation, "false")]


def _checked(data: QuestionInput) -> list[str]:
    if data.kind not in Question.Kind.values:
        raise AuthoringError(_("Choose the kind of question."), field="kind")
    if not data.text.strip():
        raise AuthoringError(_("The question needs its text."), field="text")
    for text in [data.text, data.explanation, *(c.text for c in data.choices), *(c.explanation for c in data.choices)]:
        _markdown(text, "text")
    if any(not choice.text.strip() for choice in data.choices):
        raise AuthoringError(_("Every answer needs its text."), field="choices")
    keys = _choice_keys(data.kind, data.choices)
    if len(set(keys)) != len(keys) or not all(content.KEY.match(key) for key in keys):
        raise AuthoringError(_("Two answers have the same key."), field="choices")
    problems = content.choice_problems(data.kind, list(zip(keys, (c.correct for c in data.choices), strict=True)))
    if problems:
        raise AuthoringError(_("Answers: %(problem)s.") % {"problem": problems[0]}, field="choices")
    return keys


def _write_choices(question: Question, data: QuestionInput, keys: list[str]) -> None:
    question.choices.all().delete()
    Choice.objects.bulk_create(Choice(question=question, key=key, position=position, text=choice.text.strip(),
                                      correct=choice.correct, explanation=choice.explanation.strip())
                               for position, (key, choice) in enumerate(zip(keys, data.choices, strict=True)))


@transaction.atomic
def add_question(quiz: Quiz, data: QuestionInput, *, by: Actor, key: str = "", ip: str | None = None) -> Question:
    """A question at the end of a quiz, with its answers (checked for its kind)."""
    version, lesson = _lesson(quiz.lesson, by)
    keys = _checked(data)
    wanted = key.strip() or _question_key(quiz, data.text)
    if not content.KEY.match(wanted) or quiz.questions.filter(key=wanted).exists():
        raise AuthoringError(_("Another question of this quiz has the key “%(key)s”.") % {"key": wanted}, field="key")
    position = (quiz.questions.aggregate(last=Max("position"))["last"] or 0) + 1
    question = Question.objects.create(quiz=quiz, key=wanted, position=position, kind=data.kind, text=data.text.strip(),
                                       explanation=data.explanation.strip())
    _write_choices(question, data, keys)
    _touched(version, by, "question_added", obj=question, ip=ip, lesson=lesson.key, question=question.key)
    return question


def _question_key(quiz: Quiz, text: str) -> str:
    base = slugify(text)[:40].strip("-") or "question"
    if not content.KEY.match(base):
        base = "question"
    key, number = base, 2
    while quiz.questions.filter(key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def update_question(question: Question, data: QuestionInput, *, by: Actor, ip: str | None = None) -> Question:
    version, lesson = _lesson(question.quiz.lesson, by)
    question = Question.objects.select_for_update().get(pk=question.pk)
    keys = _checked(data)
    question.kind, question.text, question.explanation = data.kind, data.text.strip(), data.explanation.strip()
    question.save(update_fields=["kind", "text", "explanation"])
    _write_choices(question, data, keys)
    _touched(version, by, "question_edited", obj=question, ip=ip, lesson=lesson.key, question=question.key)
    return question


@transaction.atomic
def delete_question(question: Question, *, by: Actor, ip: str | None = None) -> None:
    version, lesson = _lesson(question.quiz.lesson, by)
    _touched(version, by, "question_deleted", ip=ip, lesson=lesson.key, question=question.key)
    Question.objects.filter(pk=question.pk).delete()
    Question.objects.filter(quiz_id=question.quiz_id, position__gt=question.position).update(position=F("position") - 1)


# --- translations ---------------------------------------------------------------------------


@dataclass
class PlaceRow:
    """One translatable text of a version beside its translation (for the editor)."""

    place: str
    source: str
    text: str
    state: str  # TranslationStatus: complete (made from this source), outdated, missing
    is_markdown: bool


def _language(language: str) -> str:
    if language_name(language) is None:
        raise AuthoringError(_("“%(language)s” is not one of the configured languages.") % {"language": language},
                             field="language")
    return language


def translation_status(version: CourseVersion, language: str, source: dict[str, str] | None = None) -> str:
    source = source if source is not None else content.version_places(version)
    return content.status(source, version.translations.filter(language=language).first())


def translation_statuses(version: CourseVersion) -> list[tuple[str, str, str]]:
    """(code, name, status) for every configured language, from one look at the version's texts."""
    source = content.version_places(version)
    stored = {t.language: t for t in version.translations.all()}
    return [(code, name, content.status(source, stored.get(code))) for code, name in languages()]


def place_rows(version: CourseVersion, language: str) -> list[PlaceRow]:
    source = content.version_places(version)
    stored = version.translations.filter(language=language).first()
    texts = stored.texts if stored else {}
    rows = []
    for place, text in source.items():
        if not text.strip():
            continue  # nothing to translate (an empty explanation)
        entry = texts.get(place) or {}
        translated = str(entry.get("text", ""))
        state = (TranslationStatus.MISSING if not translated.strip() else
                 TranslationStatus.COMPLETE if entry.get("source") == text_hash(text) else TranslationStatus.OUTDATED)
        rows.append(PlaceRow(place, text, translated, state, place.endswith(":body")))
    return rows


def _store(version: CourseVersion, language: str, texts: dict[str, dict[str, str]], by: Actor) -> VersionTranslation:
    translation, _created = VersionTranslation.objects.select_for_update().get_or_create(version=version,
                                                                                          language=language)
    translation.texts = texts
    translation.updated_at = timezone.now()
    translation.updated_by = by if isinstance(by, User) else None
    translation.save(update_fields=["texts", "updated_at", "updated_by"])
    return translation


@transaction.atomic
def save_translation(version: CourseVersion, language: str, texts: dict[str, str], *, by: Actor,
                     confirmed: Iterable[str] = (), ip: str | None = None) -> VersionTranslation:
    """Store the translated texts given (a place left empty loses its text). A text that did not
    change keeps the source it was made from, so an outdated place stays outdated until it is
    rewritten or `confirmed` as still matching the new source."""
    require_author(by, version.course)
    _language(language)
    version = CourseVersion.objects.select_for_update().get(pk=version.pk)
    source = content.version_places(version)
    unknown = sorted(set(texts) - set(source))
    if unknown:
        raise AuthoringError(_("“%(place)s” is not in the course.") % {"place": unknown[0]})
    names = lesson_images.names(version)
    for place, text in texts.items():
        problems = content.markdown_problems(text, names)
        if problems:
            raise AuthoringError(f"{place}: {problems[0]}", field=place)
    existing = version.translations.filter(language=language).first()
    kept = dict(existing.texts) if existing else {}
    confirmed = set(confirmed)
    for place, text in texts.items():
        text = text.strip()
        before = kept.get(place) or {}
        if not text:
            kept.pop(place, None)
        elif text != before.get("text") or place in confirmed:
            kept[place] = content.stamped({place: text}, source)[place]
    translation = _store(version, language, kept, by)
    _touched(version, by, "translation_saved", obj=translation, ip=ip, language=language,
             status=content.status(source, translation))
    return translation


@transaction.atomic
def import_translation(version: CourseVersion, language: str, text: str | bytes, *, by: Actor,
                       ip: str | None = None) -> VersionTranslation:
    """A translation document (TOML, the source's shape and keys) for one language: its texts
    replace those it gives; checked whole, nothing stored when any part is wrong."""
    require_author(by, version.course)
    _language(language)
    version = CourseVersion.objects.select_for_update().get(pk=version.pk)
    try:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        data = tomllib.loads(raw)
    except UnicodeDecodeError:
        raise AuthoringError(_("The file is not UTF-8 text."), field="file") from None
    except tomllib.TOMLDecodeError as error:
        raise AuthoringError(_("The file is not valid TOML: %(error)s") % {"error": error}, field="file") from None
    source_document = content.parse(content.version_document(version)) if not publication_problems(version) else None
    if source_document is None:
        raise AuthoringError(_("Fix the version's own problems before importing a translation."), field="file")
    try:
        places = content.translation_places(source_document, data)
    except content.ContentError as error:
        raise AuthoringError(error.problems[0], problems=error.problems, field="file") from None
    if not places:
        raise AuthoringError(_("The file holds no translated text."), field="file")
    source = content.version_places(version)
    existing = version.translations.filter(language=language).first()
    kept = dict(existing.texts) if existing else {}
    kept.update(content.stamped(places, source))
    translation = _store(version, language, kept, by)
    _touched(version, by, "translation_imported", obj=translation, ip=ip, language=language, places=len(places),
             status=content.status(source, translation))
    return translation


def export_translation(version: CourseVersion, language: str, *, by: Actor) -> str:
    """A translation document to fill in offline: the source's keys with the texts there are."""
    require_author(by, version.course)
    _language(language)
    stored = version.translations.filter(language=language).first()
    texts = {place: str(entry.get("text", "")) for place, entry in (stored.texts if stored else {}).items()}
    return content.dump(content.translated_document(content.version_document(version), texts))


# --- owners ---------------------------------------------------------------------------------


@transaction.atomic
def add_owner(course: Course, user: User, *, by: Actor, ip: str | None = None) -> None:
    """Owners are staff members; only coordinators change who owns a course."""
    access.require(by, TrainingAction.AUTHOR)
    if not (user.is_active and user.is_staff):
        raise AuthoringError(_("Only active staff members can own a course."), field="user")
    if course.owners.filter(pk=user.pk).exists():
        raise AuthoringError(_("%(name)s already owns this course.") % {"name": user.get_username()}, field="user")
    course.owners.add(user)
    audit.record(by, "training.owner_added", course, ip=ip, detail={"user": user.pk})


@transaction.atomic
def remove_owner(course: Course, user: User, *, by: Actor, ip: str | None = None) -> None:
    access.require(by, TrainingAction.AUTHOR)
    if not course.owners.filter(pk=user.pk).exists():
        raise AuthoringError(_("%(name)s does not own this course.") % {"name": user.get_username()})
    course.owners.remove(user)
    audit.record(by, "training.owner_removed", course, ip=ip, detail={"user": user.pk})
