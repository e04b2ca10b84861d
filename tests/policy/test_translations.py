"""Translation statuses and what readers see: their language when complete and current,
otherwise the English source with a notice."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from steward.core.errors import DomainError
from steward.policy import locales, reading, services
from steward.policy.models import GuidelineTranslation, TranslationStatus

from .conftest import draft, publish_v2, snapshot, translate_fully, without_translation


def test_statuses_complete_missing(administrator, v1):
    without_translation(v1, "de")
    translate_fully(v1, "ja", administrator)
    assert services.translation_status(v1, "ja").status == TranslationStatus.COMPLETE
    assert services.translation_status(v1, "de").status == TranslationStatus.MISSING


def test_partial_translation_is_missing(administrator, v1):
    without_translation(v1, "fr")
    services.save_translation(v1, "fr", services.TranslationInput(
        sections={"scope": services.SectionInput("Champ d'application", "Partout.")}), by=administrator)
    status = services.translation_status(v1, "fr")
    assert status.status == TranslationStatus.MISSING
    assert (status.filled, status.total) == (1, 7)


def test_publishing_version_2_makes_japanese_outdated_and_readers_see_the_notice(administrator, v1):
    translate_fully(v1, "ja", administrator)
    before = Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE="ja")
    assert "日本語の本文" in before.content.decode()
    assert 'id="translation-notice"' not in before.content.decode()
    assert before["Content-Language"] == "ja"

    v2 = publish_v2(administrator, appeals="Appeals are now reviewed by two people.")

    status = services.translation_status(v2, "ja")
    assert status.status == TranslationStatus.OUTDATED
    assert status.made_for == v1
    after = Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE="ja")
    page = after.content.decode()
    assert 'id="translation-notice"' in page
    with translation.override("ja"):  # the notice is in the reader's interface language
        notice = gettext("The %(language)s translation has not been updated for version %(number)s yet.")
    assert (notice % {"language": "", "number": "2.0"}).strip() in page
    assert "Appeals are now reviewed by two people." in page  # the English source
    assert "日本語の本文" not in page
    assert "/guidelines/v/1.0/?lang=ja" in page  # the earlier translation stays reachable
    assert after["Content-Language"] == "en"
    # Version 1.0 in Japanese is still complete at its stable address.
    old = Client().get("/guidelines/v/1.0/?lang=ja").content.decode()
    assert "日本語の本文" in old


def test_active_japanese_language_gets_the_outdated_notice(administrator, v1):
    """Outside a request (emails, the intake form) the active Django language decides."""
    translate_fully(v1, "ja", administrator)
    with translation.override("ja"):
        wanted = locales.reader_locale()
        assert wanted == "ja"
        assert reading.build(v1, wanted).locale == "ja"
        v2 = publish_v2(administrator)
        document = reading.build(v2, locales.reader_locale())
    assert document.fell_back and document.status == TranslationStatus.OUTDATED
    assert document.outdated_from == v1
    page = render_to_string("policy/guidelines.html", {
        "document": document, "version": v2, "current": v2, "is_current": True, "languages": []})
    assert 'id="translation-notice"' in page
    assert "has not been updated for version 2.0" in page  # rendered outside any request: English


def test_accept_language_picks_the_guideline_locale(administrator, v1):
    translate_fully(v1, "ja", administrator)
    publish_v2(administrator)
    page = Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5").content.decode()
    assert 'id="translation-notice"' in page
    assert "Japanese" in page or "日本語" in page


def test_reader_who_chose_english_sees_no_notice(administrator, v1):
    translate_fully(v1, "ja", administrator)
    client = Client()
    client.cookies["steward_language"] = "en"
    page = client.get("/guidelines/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'id="translation-notice"' not in page


def test_missing_language_shows_source_with_notice(v1):
    without_translation(v1, "de")
    page = Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'id="translation-notice"' in page
    assert "Deutsch" in page  # the notice names the language (in the reader's interface language)


@pytest.mark.parametrize(("language", "locale"), [
    ("ja", "ja"), ("es", "es-ES"), ("zh-hans", "zh-CN"), ("zh-hant", "zh-TW"), ("pt-br", "pt-BR"), ("en", "en"),
    ("ko", None),
])
def test_reader_language_matching(language, locale):
    assert locales.match(language) == locale


def test_spanish_interface_reads_the_es_ES_translation(administrator, v1):
    services.save_translation(v1, "es-ES", services.TranslationInput(sections={
        s.kind: services.SectionInput(f"Título {s.kind}", f"Texto en español {s.kind}") for s in v1.sections.all()}),
        by=administrator)
    page = Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Texto en español scope" in page
    assert 'lang="es-ES"' in page


def test_editing_a_draft_section_outdates_its_translation(administrator, v1):
    version = draft(administrator)
    translate_fully(version, "ja", administrator)
    assert services.translation_status(version, "ja").status == TranslationStatus.COMPLETE
    version.sections.filter(kind="scope").update(body_markdown="A new scope.")
    status = services.translation_status(version, "ja")
    assert status.status == TranslationStatus.OUTDATED
    assert status.stale_sections == ["scope"]
    services.confirm_translation_current(version, "ja", "scope", by=administrator)
    assert services.translation_status(version, "ja").status == TranslationStatus.COMPLETE


def test_translation_for_an_unknown_locale_is_refused(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="“xx” is not one of the guideline languages"):
        translate_fully(v1, "xx", administrator)
    assert snapshot() == before
    assert not GuidelineTranslation.objects.filter(locale="xx").exists()


def test_translation_with_a_script_is_refused(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="Markdown may not contain scripts"):
        services.save_translation(v1, "ja", services.TranslationInput(
            sections={"scope": services.SectionInput("範囲", "<script>alert(1)</script>")}), by=administrator)
    assert snapshot() == before


def test_translated_labels_reach_the_page(administrator, v1):
    sections = {s.kind: services.SectionInput(s.kind, f"本文 {s.kind}") for s in v1.sections.all()}
    services.save_translation(v1, "ja", services.TranslationInput(
        sections=sections, labels={"protected:caste": "カースト", "category:harassment": "ハラスメント"}),
        by=administrator)
    page = Client().get("/guidelines/?lang=ja").content.decode()
    assert "カースト" in page and "ハラスメント" in page


def test_unknown_label_is_refused(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="Unknown labels"):
        services.save_translation(v1, "ja", services.TranslationInput(sections={}, labels={"category:nope": "x"}),
                                  by=administrator)
    assert snapshot() == before
