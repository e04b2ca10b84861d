"""The guidelines pages run a small, constant number of queries, however many versions and
translations exist (the public page ran 53 per visit; the staff list grew with every version)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from steward.policy import services
from steward.policy.models import GuidelineVersion, TranslationStatus
from tests.conftest import login

from .conftest import draft, today, translate_fully

LANGUAGES = ("ja", "de", "fr", "ar")
PUBLIC_MAX = 12
STAFF_MAX = 14


def build_history(by, versions: int) -> GuidelineVersion:
    """Published versions up to `versions`: every one in Japanese and German, French only for 1.0
    (so later versions fall back to it as outdated), Arabic half-done; a draft on top.
    Called again with a higher number, it adds the versions in between."""
    GuidelineVersion.objects.filter(status=GuidelineVersion.Status.DRAFT).delete()
    newest = services.current_version()
    assert newest is not None
    if newest.major == 1 and services.translation_status(newest, "ar").status == TranslationStatus.COMPLETE:
        # The starter version as shipped (every language complete): replace its translations by this history's.
        newest.translations.all().delete()
        translate_fully(newest, "fr", by, marker="Texte français")
        _translate(newest, by)
    for number in range(newest.major + 1, versions + 1):
        newest = services.publish_version(draft(by, number=f"{number}.0", changelog=f"Version {number}."), by=by)
        _translate(newest, by)
    draft(by, number=f"{versions + 1}.0", changelog="Work in progress.")
    return newest


def _translate(version: GuidelineVersion, by) -> None:
    translate_fully(version, "ja", by)
    translate_fully(version, "de", by, marker="Deutscher Text")
    services.save_translation(version, "ar", services.TranslationInput(
        sections={"scope": services.SectionInput("النطاق", "نص عربي")}), by=by)


def queries(client: Client, url: str, **headers: str) -> tuple[int, str]:
    client.get(url, **headers)  # warm: the first request of a test may fill caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_the_public_page_is_a_constant_few_queries(administrator, v1, language, django_assert_max_num_queries):
    build_history(administrator, 1)
    one, _page = queries(Client(), "/guidelines/", HTTP_ACCEPT_LANGUAGE=language)
    newest = build_history(administrator, 10)
    assert services.current_version() == newest

    with django_assert_max_num_queries(PUBLIC_MAX):
        Client().get("/guidelines/", HTTP_ACCEPT_LANGUAGE=language)
    ten, page = queries(Client(), "/guidelines/", HTTP_ACCEPT_LANGUAGE=language)
    if language == "fr":  # complete at 1.0, outdated since: the English text needs no translated sections
        assert ten <= one <= PUBLIC_MAX
    else:
        assert ten == one <= PUBLIC_MAX
    # And still the right text for the reader.
    assert "10.0" in page
    expected = {"en": "Where this applies", "ja": "日本語の本文", "de": "Deutscher Text", "fr": "Where this applies",
                "ar": "Where this applies"}[language]
    assert expected in page
    if language == "fr":  # translated for 1.0 only: outdated, with the way to the earlier translation
        assert 'id="translation-notice"' in page and "/guidelines/v/1.0/?lang=fr" in page


def test_older_versions_and_the_change_log_are_constant_too(administrator, v1):
    client = Client()
    build_history(administrator, 1)
    one_version, _ = queries(client, "/guidelines/v/1.0/", HTTP_ACCEPT_LANGUAGE="ja")
    one_log, _ = queries(client, "/guidelines/changes/", HTTP_ACCEPT_LANGUAGE="ja")
    build_history(administrator, 10)
    ten_version, page = queries(client, "/guidelines/v/5.0/", HTTP_ACCEPT_LANGUAGE="ja")
    ten_log, log = queries(client, "/guidelines/changes/", HTTP_ACCEPT_LANGUAGE="ja")
    assert "日本語の本文" in page
    assert 'href="/guidelines/v/10.0/?lang=ja"' in log and 'href="/guidelines/v/1.0/?lang=ja"' in log
    assert ten_version == one_version <= PUBLIC_MAX
    assert ten_log == one_log <= PUBLIC_MAX


def test_the_staff_guidelines_page_is_a_constant_few_queries(administrator, v1, django_assert_max_num_queries):
    client = login(administrator)
    build_history(administrator, 1)
    one, _ = queries(client, "/staff/guidelines/")
    build_history(administrator, 10)

    with django_assert_max_num_queries(STAFF_MAX):
        client.get("/staff/guidelines/")
    ten, page = queries(client, "/staff/guidelines/")
    assert ten == one <= STAFF_MAX
    assert "11.0" in page and "10.0" in page
    # The counts shown are the real ones: 10.0 is complete in ja and de, outdated in fr (made for 1.0)
    # and ar (half done; 9.0's is older); the draft has only older translations.
    rows = {str(row["version"].number): row for row in client.get("/staff/guidelines/").context["rows"]}
    assert len(rows) == 11
    assert (rows["10.0"]["complete"], rows["10.0"]["outdated"]) == (2, 2)
    assert (rows["1.0"]["complete"], rows["1.0"]["outdated"]) == (3, 0)
    assert (rows["11.0"]["complete"], rows["11.0"]["outdated"]) == (0, 4)
    assert rows["10.0"]["total"] == len(services.translation_statuses(GuidelineVersion.objects.get(major=10)))


def test_the_translations_page_is_constant(administrator, v1):
    client = login(administrator)
    build_history(administrator, 1)
    one, _ = queries(client, f"/staff/guidelines/{v1.pk}/translations/")
    newest = build_history(administrator, 10)
    ten, _ = queries(client, f"/staff/guidelines/{newest.pk}/translations/")
    assert ten == one <= STAFF_MAX


def test_bulk_statuses_match_one_by_one(administrator, v1):
    """The four-query statuses give what asking for each version and language alone gives."""
    build_history(administrator, 4)
    GuidelineVersion.objects.filter(major=3).update(effective_date=today())
    versions = list(GuidelineVersion.objects.order_by("major"))
    every = services.translation_statuses_of(versions)
    for version in versions:
        for status in every[version.pk]:
            alone = services.translation_status(version, status.locale)
            assert (status.status, status.made_for, status.filled, status.total, status.stale_sections) == \
                (alone.status, alone.made_for, alone.filled, alone.total, alone.stale_sections)
    assert {s.status for statuses in every.values() for s in statuses} == set(TranslationStatus.values)
