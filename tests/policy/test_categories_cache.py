"""The report form's categories come from the cache, and every change to the guidelines reaches it."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from steward.policy import services
from steward.policy.models import BehaviourCategory, GuidelineTranslation

from .conftest import draft, publish_v2

pytestmark = pytest.mark.django_db


def _read(locale: str | None = None) -> tuple[list[tuple[str, str]], int]:
    with CaptureQueriesContext(connection) as queries:
        categories = services.current_categories(locale)
    return categories, len(queries)


def test_the_categories_are_read_from_the_database_once(v1):
    first, first_queries = _read()
    again, again_queries = _read()
    assert first_queries > 0
    assert again_queries == 0
    assert again == first
    assert ("harassment", "Harassment") in first


def test_each_language_is_kept_apart(v1):
    english, _queries = _read("en")
    GuidelineTranslation.objects.update_or_create(version=v1, locale="de",
                                                  defaults={"labels": {"category:harassment": "Belästigung"}})
    german, _queries = _read("de")
    assert ("harassment", "Harassment") in english
    assert ("harassment", "Belästigung") in german
    assert _read("en")[0] == english


def test_publishing_a_version_offers_its_categories_at_once(administrator, v1, django_capture_on_commit_callbacks):
    _read()  # cached for version 1
    with django_capture_on_commit_callbacks(execute=True):
        version = publish_v2(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        BehaviourCategory.objects.create(version=version, slug="spam", label="Spam", position=99)
    categories, queries = _read()
    assert queries > 0
    assert ("spam", "Spam") in categories
    assert 'value="spam"' in Client().get("/report/").content.decode()


def test_a_draft_saved_meanwhile_does_not_change_what_reporters_see(administrator, v1):
    before, _queries = _read()
    draft(administrator)
    assert _read()[0] == before


def test_editing_a_translation_changes_its_labels_at_once(administrator, v1, django_capture_on_commit_callbacks):
    before = dict(_read("fr")[0])  # cached with the labels the starter translation gives
    assert before["harassment"] != "Harcèlement (modifié)"
    labels = {f"category:{c.slug}": c.label for c in v1.categories.all()} | {"category:harassment": "Harcèlement (modifié)"}
    with django_capture_on_commit_callbacks(execute=True):
        services.save_translation(v1, "fr", services.TranslationInput(sections={}, labels=labels), by=administrator)
    assert ("harassment", "Harcèlement (modifié)") in _read("fr")[0]


def test_a_removed_category_is_no_longer_offered(v1, django_capture_on_commit_callbacks):
    assert "other" in dict(_read()[0])
    with django_capture_on_commit_callbacks(execute=True):
        BehaviourCategory.objects.get(version=v1, slug="other").delete()
    assert "other" not in dict(_read()[0])


def test_a_version_taking_effect_on_its_date_is_offered_that_day(administrator, v1, django_capture_on_commit_callbacks):
    later = timezone.localdate() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.create_draft(by=administrator, number="2.0", effective_date=later, changelog="Spam.")
        BehaviourCategory.objects.create(version=version, slug="spam", label="Spam", position=99)
        services.publish_version(version, by=administrator)
    assert "spam" not in dict(_read()[0])  # version 1 is still in effect, and is cached as such
    with mock.patch.object(timezone, "localdate", return_value=later):
        assert "spam" in dict(_read()[0])


def test_a_change_read_before_its_commit_is_not_kept(v1, django_capture_on_commit_callbacks):
    # A request reading the old rows while the change commits caches them under a generation
    # that the commit replaces, so the next reader does not get them.
    with django_capture_on_commit_callbacks(execute=True):
        BehaviourCategory.objects.filter(version=v1, slug="other").update(label="Anything else")
        services.forget_categories()
        cache.set(f"steward:policy:categories:{cache.get(services.CATEGORIES_GENERATION)}:"
                  f"{timezone.localdate().isoformat()}:", [("other", "Other (stale)")])
    assert ("other", "Anything else") in _read()[0]
