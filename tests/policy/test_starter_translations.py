"""The starter code of conduct ships translated into every guideline language, complete and current:
readers, reporters and the guidelines admin see it in their language from the first start."""

from __future__ import annotations

import importlib
import re
from collections import Counter

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from steward.core import markup
from steward.core.roles import Role
from steward.policy import locales, services, starter
from steward.policy.models import (
    GuidelineSection,
    GuidelineTranslation,
    SectionKind,
    SectionTranslation,
    TranslationStatus,
)
from tests.conftest import login, make_staff

from .conftest import publish_v2, translate_fully

MIGRATION = "0003_starter_translations"
LOCALES = list(settings.STEWARD_GUIDELINE_LOCALES)
# Interface languages (settings.LANGUAGES) other than English, each reading one guideline locale.
INTERFACE_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
NON_LATIN = {"ar", "hi-IN", "ja", "ru", "zh-CN", "zh-TW"}
ENGLISH_LABELS = {**{f"category:{slug}": label for slug, label, _d in starter.STARTER_CATEGORIES},
                  **{f"category:{slug}:description": d for slug, _label, d in starter.STARTER_CATEGORIES},
                  **{f"protected:{slug}": label
                     for slug, label in zip(starter.characteristic_slugs(), starter.STARTER_CHARACTERISTICS, strict=True)}}
ENGLISH_SECTIONS = {kind: (title, body) for kind, title, body in starter.STARTER_SECTIONS}


def shape(markdown_text: str) -> tuple[Counter[str], list[str]]:
    """What the rendered Markdown is built of: how many of each element, and the links in order."""
    html = markup.render(markdown_text)
    tags = Counter(re.findall(r"<(h[1-6]|p|ul|ol|li|strong|em|a|code|blockquote)\b", html))
    return tags, re.findall(r'href="([^"]*)"', html)


def headings(markdown_text: str) -> int:
    return len(re.findall(r"^#{1,6} ", markdown_text, flags=re.MULTILINE))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_guideline_language_ships_the_whole_starter(locale):
    shipped = starter.translation_for(locale)
    assert shipped is not None, f"no starter translation for {locale}"
    assert set(shipped.sections) == set(SectionKind.values)
    assert set(shipped.labels) == set(ENGLISH_LABELS)
    assert shipped.changelog and shipped.changelog != starter.STARTER_CHANGELOG
    for kind, (title, body) in shipped.sections.items():
        english_title, english_body = ENGLISH_SECTIONS[kind]
        assert title and body, (locale, kind)
        assert title != english_title and body != english_body, (locale, kind)
        markup.check(body)
    assert all(value.strip() for value in shipped.labels.values()), locale
    same = [key for key, value in shipped.labels.items() if value == ENGLISH_LABELS[key]]
    # A few words are the same in English and some languages ("Discrimination", "Caste" in French); no more.
    assert len(same) <= (0 if locale in NON_LATIN else 3), (locale, same)


@pytest.mark.parametrize("locale", LOCALES)
def test_translated_markdown_keeps_the_structure_headings_and_links(locale):
    shipped = starter.translation_for(locale)
    assert shipped is not None
    for kind, (_title, body) in shipped.sections.items():
        english = ENGLISH_SECTIONS[kind][1]
        assert headings(body) == headings(english), (locale, kind)
        assert shape(body) == shape(english), (locale, kind)


def test_shipped_files_match_the_configured_locales():
    assert sorted(translation.language for translation in starter.shipped().values()) == sorted(LOCALES)
    # Loosely matched, as readers' languages are: an operator may configure "es" or "zh-Hant".
    assert starter.translation_for("es").language == "es-ES"  # type: ignore[union-attr]
    assert starter.translation_for("zh-Hant").language == "zh-TW"  # type: ignore[union-attr]
    assert starter.translation_for("zh-hans").language == "zh-CN"  # type: ignore[union-attr]
    assert starter.translation_for("pt-PT") is None  # another variety is not pretended
    assert starter.translation_for("sv") is None


def test_a_fresh_install_has_every_translation_complete(v1):
    statuses = services.translation_statuses(v1)
    assert [s.locale for s in statuses] == LOCALES
    assert {s.locale: s.status for s in statuses} == dict.fromkeys(LOCALES, TranslationStatus.COMPLETE)
    assert all(s.translation is not None and s.translation.updated_by is None for s in statuses)


def test_the_guidelines_admin_shows_fifteen_of_fifteen(administrator, v1):
    client = login(administrator)
    page = client.get("/staff/guidelines/").content.decode()
    assert f"{len(LOCALES)} of {len(LOCALES)} complete" in page
    languages = client.get(f"/staff/guidelines/{v1.pk}/translations/").content.decode()
    assert languages.count(str(TranslationStatus.COMPLETE.label)) >= len(LOCALES)
    assert str(TranslationStatus.MISSING.label) not in languages


@pytest.mark.parametrize("language", INTERFACE_LANGUAGES)
def test_the_report_form_lists_categories_in_the_readers_language(v1, language):
    shipped = starter.translation_for(locales.match(language) or "")
    assert shipped is not None
    page = Client().get(f"/report/?lang={language}").content.decode()
    for slug, english, _description in starter.STARTER_CATEGORIES:
        assert shipped.labels[f"category:{slug}"] in page, (language, slug)
        if shipped.labels[f"category:{slug}"] != english:
            assert f">{english}<" not in page and f"> {english}<" not in page, (language, english)


@pytest.mark.parametrize("language", INTERFACE_LANGUAGES)
def test_the_guidelines_page_is_translated_without_a_notice(v1, language):
    locale = locales.match(language) or ""
    shipped = starter.translation_for(locale)
    assert shipped is not None
    response = Client().get(f"/guidelines/?lang={language}")
    page = response.content.decode()
    assert 'id="translation-notice"' not in page
    assert response["Content-Language"] == locale
    for kind, (title, _body) in shipped.sections.items():
        assert title in page, (language, kind)
        assert ENGLISH_SECTIONS[kind][0] not in page, (language, kind)
    for key, label in shipped.labels.items():
        if key.startswith("protected:") or not key.endswith(":description"):
            assert label in page, (language, key)


# --- Installing on existing databases --------------------------------------------------------------


def run_migration() -> None:
    """The data migration's forward step, with the historical models it runs with."""
    state_apps = MigrationExecutor(connection).loader.project_state(("policy", MIGRATION)).apps
    importlib.import_module(f"steward.policy.migrations.{MIGRATION}").add_translations(state_apps, None)


def test_the_migration_adds_the_translations_to_an_unedited_starter(v1):
    GuidelineTranslation.objects.all().delete()  # a database from before the translations shipped
    assert services.translation_status(v1, "ja").status == TranslationStatus.MISSING
    run_migration()
    assert {s.status for s in services.translation_statuses(v1)} == {TranslationStatus.COMPLETE}
    ja = GuidelineTranslation.objects.get(version=v1, locale="ja")
    assert ja.sections.get(kind="scope").title == "適用範囲"
    run_migration()  # running it again adds nothing
    assert GuidelineTranslation.objects.count() == len(LOCALES)
    assert SectionTranslation.objects.count() == len(LOCALES) * len(SectionKind.values)


def test_the_migration_keeps_a_translation_the_organisation_made(administrator, v1):
    GuidelineTranslation.objects.all().delete()
    translate_fully(v1, "ja", administrator, marker="私たちの翻訳")
    run_migration()
    ja = GuidelineTranslation.objects.get(version=v1, locale="ja")
    assert ja.updated_by == administrator
    assert all(s.body_markdown.startswith("私たちの翻訳") for s in ja.sections.all())
    assert GuidelineTranslation.objects.filter(version=v1).count() == len(LOCALES)


def test_the_migration_leaves_an_edited_starter_alone(v1):
    GuidelineTranslation.objects.all().delete()
    GuidelineSection.objects.filter(version=v1, kind="appeals").update(body_markdown="Write to the board within 14 days.")
    run_migration()
    assert not GuidelineTranslation.objects.exists()


def test_the_migration_leaves_edited_categories_alone(v1):
    GuidelineTranslation.objects.all().delete()
    v1.categories.filter(slug="harassment").update(label="Bullying")
    run_migration()
    assert not GuidelineTranslation.objects.exists()


def test_the_migration_leaves_an_organisations_own_versions_alone(administrator, v1):
    GuidelineTranslation.objects.all().delete()
    v2 = publish_v2(administrator)  # the same text, but the organisation's own current version
    run_migration()
    assert not GuidelineTranslation.objects.exists()
    assert services.translation_status(v2, "ja").status == TranslationStatus.MISSING


def test_installing_twice_from_the_running_app_changes_nothing(v1):
    before = list(SectionTranslation.objects.order_by("pk").values_list("pk", "title", "body_markdown", "source_hash"))
    assert starter.install_translations(django_apps) == []
    after = list(SectionTranslation.objects.order_by("pk").values_list("pk", "title", "body_markdown", "source_hash"))
    assert before == after


def test_a_translator_can_still_change_the_shipped_text(v1):
    editor = make_staff("tina", Role.ADMINISTRATOR)
    translate_fully(v1, "de", editor, marker="Unser eigener Text")
    assert "Unser eigener Text" in Client().get("/guidelines/?lang=de").content.decode()


def test_reversing_the_migration_removes_only_the_untouched_shipped_translations(administrator, v1):
    translate_fully(v1, "ja", administrator, marker="私たちの翻訳")
    state_apps = MigrationExecutor(connection).loader.project_state(("policy", MIGRATION)).apps
    importlib.import_module(f"steward.policy.migrations.{MIGRATION}").remove_translations(state_apps, None)
    assert list(GuidelineTranslation.objects.values_list("locale", flat=True)) == ["ja"]
