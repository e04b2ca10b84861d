"""The two starter courses install in every language they ship in, complete and valid, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from steward.core.models import AuditEntry
from steward.policy.models import TranslationStatus
from steward.training import authoring, content, starter
from steward.training.models import Course, CourseVersion, Question

pytestmark = pytest.mark.django_db
LANGUAGES = {"ar", "de", "es", "fr"}  # and the source, English


def test_both_starter_courses_ship_in_five_languages() -> None:
    assert starter.starter_slugs() == ["contributors", "staff"]
    for slug in starter.starter_slugs():
        source, translations = starter.read(slug)
        assert set(translations) >= LANGUAGES, slug
        assert any(lesson.quiz for lesson in source.lessons), slug
        wanted = {place for place, text in source.places().items() if text.strip()}
        for language, places in translations.items():
            assert wanted <= set(places), (slug, language, sorted(wanted - set(places))[:3])


def test_install_starter_courses_installs_them_complete_and_valid_and_only_once() -> None:
    out = StringIO()
    call_command("install_starter_courses", stdout=out)
    assert "Installed the starter course “contributors”" in out.getvalue()
    assert set(Course.objects.values_list("slug", flat=True)) == {"contributors", "staff"}
    for version in CourseVersion.objects.select_related("course"):
        assert version.is_published and str(version.number) == "1.0"
        assert authoring.publication_problems(version) == []  # every quiz valid, no unsafe Markdown
        statuses = {code: status for code, _name, status in authoring.translation_statuses(version)}
        assert {statuses[code] for code in LANGUAGES} == {TranslationStatus.COMPLETE}, (version, statuses)
        source = content.version_places(version)
        for translation in version.translations.all():
            assert content.status(source, translation) == TranslationStatus.COMPLETE
            assert translation.texts["title"]["text"] != version.title, translation.language
        kinds = set(Question.objects.filter(quiz__lesson__version=version).values_list("kind", flat=True))
        assert kinds == {"single", "multiple", "true_false"}, version
        assert not Question.objects.filter(quiz__lesson__version=version, choices__correct=False,
                                           choices__explanation="").exists(), "every wrong answer is explained"
    assert Course.objects.get(slug="contributors").is_onboarding
    entries = AuditEntry.objects.filter(action="training.course_installed").count()
    again = StringIO()
    call_command("install_starter_courses", stdout=again)
    assert "installed already" in again.getvalue()
    assert Course.objects.count() == 2 and CourseVersion.objects.count() == 2
    assert AuditEntry.objects.filter(action="training.course_installed").count() == entries


def test_a_starter_course_exports_to_the_document_it_was_installed_from() -> None:
    starter.install()
    for slug in starter.starter_slugs():
        version = CourseVersion.objects.get(course__slug=slug)
        assert content.load(content.dump(content.version_document(version))) == starter.read(slug)[0]
