"""The two starter courses Steward ships, as data: ``starter/<slug>/en.toml`` is the source text and
``<language>.toml`` beside it a translation with the same keys (see `content`).

`install()` creates each course that does not exist yet as a published version 1.0 with its
translations, in one transaction; `manage.py install_starter_courses` and the demo call it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from steward.core import audit
from steward.core.actors import SystemActor

from . import content
from .models import Choice, Course, CourseVersion, Lesson, Question, Quiz, VersionTranslation

STARTER_DIR = Path(__file__).resolve().parent / "starter"
AUDIENCES = {"contributors": Course.Audience.CONTRIBUTORS, "staff": Course.Audience.STAFF}
INSTALLER = SystemActor("starter courses")


def starter_slugs() -> list[str]:
    return sorted(path.name for path in STARTER_DIR.iterdir() if (path / "en.toml").is_file()) if STARTER_DIR.is_dir() else []


def read(slug: str) -> tuple[content.CourseText, dict[str, dict[str, str]]]:
    """A starter course's source document and its translations' texts by language and place."""
    folder = STARTER_DIR / slug
    source = content.load((folder / "en.toml").read_bytes())
    translations: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.stem != "en":
            translations[path.stem] = content.translation_places(source, tomllib.loads(path.read_text("utf-8")))
    return source, translations


def write_version(version: CourseVersion, document: content.CourseText) -> None:
    """Replace a draft version's lessons and quizzes with the document's (the caller checked it is a draft)."""
    version.title, version.summary, version.pass_mark = document.title, document.summary, document.pass_mark
    version.save(update_fields=["title", "summary", "pass_mark"])
    version.lessons.all().delete()
    for position, lesson_text in enumerate(document.lessons):
        lesson = Lesson.objects.create(version=version, key=lesson_text.key, position=position, title=lesson_text.title,
                                       body_markdown=lesson_text.body)
        if lesson_text.quiz is None:
            continue
        quiz_text = lesson_text.quiz
        quiz = Quiz.objects.create(lesson=lesson, explanations=quiz_text.explanations, max_attempts=quiz_text.max_attempts,
                                   shuffle=quiz_text.shuffle, grading=quiz_text.grading)
        for number, question_text in enumerate(quiz_text.questions):
            question = Question.objects.create(quiz=quiz, key=question_text.key, position=number, kind=question_text.kind,
                                               text=question_text.text, explanation=question_text.explanation)
            Choice.objects.bulk_create(
                Choice(question=question, key=choice.key, position=order, text=choice.text, correct=choice.correct,
                       explanation=choice.explanation)
                for order, choice in enumerate(question_text.choices))


@transaction.atomic
def install(*, by: SystemActor = INSTALLER) -> list[Course]:
    """Create the starter courses that are not there yet (published 1.0, translated). Returns those created."""
    created = []
    now = timezone.now()
    for slug in starter_slugs():
        if Course.objects.filter(slug=slug).exists():
            continue
        document, translations = read(slug)
        course = Course.objects.create(slug=slug, audience=AUDIENCES.get(slug, Course.Audience.STAFF),
                                       valid_for_days=document.valid_for_days, is_onboarding=slug == "contributors"
                                       and not Course.objects.filter(is_onboarding=True).exists())
        version = CourseVersion.objects.create(course=course, major=1, minor=0, title=document.title,
                                               status=CourseVersion.Status.PUBLISHED, published_at=now)
        write_version(version, document)
        source = content.version_places(version)
        VersionTranslation.objects.bulk_create(
            VersionTranslation(version=version, language=language, texts=content.stamped(places, source))
            for language, places in translations.items())
        audit.record(by, "training.course_installed", course, detail={"version": str(version.number),
                                                                     "languages": sorted(translations)})
        created.append(course)
    return created
