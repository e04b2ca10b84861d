"""The guidelines pages with 100 published versions in 16 languages against the same pages
with the one starter version, and against the bare view, all measured in the same run.

Runs in-process with django.test.Client, like the queue benchmark: the figure is the view,
its queries and its template. Versions and translations are bulk-created as copies of the
starter version (each translation made from the current English text, so complete).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from .common import heading, percentile, row
from .staff_queue import _counting, _signed_in

FULL_VERSIONS = 100
REPEATS = 40
# (label, path, Accept-Language, signed in as the administrator)
PAGES: list[tuple[str, str, str, bool]] = [
    ("bare view (baseline)", "/bench/bare/", "en", False),
    ("/guidelines/ en", "/guidelines/", "en", False),
    ("/guidelines/ ja", "/guidelines/", "ja", False),
    ("/guidelines/ ar", "/guidelines/", "ar", False),
    ("/guidelines/changes/ de", "/guidelines/changes/", "de", False),
    ("/staff/guidelines/", "/staff/guidelines/", "en", True),
]


def _administrator() -> Any:
    from django.contrib.auth.models import Group, User

    from steward.core.roles import Role

    admin = User.objects.create_user("bench-admin", is_staff=True, first_name="Ada")
    admin.groups.add(Group.objects.get_or_create(name=Role.ADMINISTRATOR)[0])
    return admin


def _translate(versions: list[Any]) -> None:
    """Every configured language for each version, made from its current English text."""
    from steward.policy import locales
    from steward.policy.models import GuidelineTranslation, SectionTranslation

    existing = set(GuidelineTranslation.objects.filter(version__in=versions).values_list("version_id", "locale"))
    translations = GuidelineTranslation.objects.bulk_create([
        GuidelineTranslation(version=version, locale=locale, changelog=f"{locale}: {version.changelog}",
                             labels={f"category:{c.slug}": f"{c.label} ({locale})" for c in version.categories.all()})
        for version in versions for locale in locales.configured() if (version.pk, locale) not in existing])
    sections = {version.pk: list(version.sections.all()) for version in versions}
    SectionTranslation.objects.bulk_create([
        SectionTranslation(translation=translation, kind=section.kind, title=f"{section.title} ({translation.locale})",
                           body_markdown=f"{section.body_markdown}\n\n({translation.locale})", source_hash=section.source_hash)
        for translation in translations for section in sections[translation.version_id]], batch_size=2000)


def _add_versions(count: int) -> None:
    """Published versions 2.0 … count.0, copies of 1.0, each a day later."""
    from django.utils import timezone

    from steward.policy.models import BehaviourCategory, GuidelineSection, GuidelineVersion, ProtectedCharacteristic

    first = GuidelineVersion.objects.get(major=1, minor=0)
    now, today = timezone.now(), timezone.localdate()
    versions = GuidelineVersion.objects.bulk_create([
        GuidelineVersion(major=major, minor=0, effective_date=today - timedelta(days=count - major),
                         changelog=f"Version {major}: clarified the wording.", status=GuidelineVersion.Status.PUBLISHED,
                         published_at=now) for major in range(2, count + 1)])
    GuidelineSection.objects.bulk_create([
        GuidelineSection(version=version, kind=s.kind, title=s.title, body_markdown=f"{s.body_markdown}\n\nVersion {version.major}.")
        for version in versions for s in first.sections.all()])
    BehaviourCategory.objects.bulk_create([
        BehaviourCategory(version=version, slug=c.slug, label=c.label, description=c.description, position=c.position)
        for version in versions for c in first.categories.all()])
    ProtectedCharacteristic.objects.bulk_create([
        ProtectedCharacteristic(version=version, slug=c.slug, label=c.label, position=c.position)
        for version in versions for c in first.characteristics.all()])
    GuidelineVersion.objects.filter(major=1, minor=0).update(effective_date=today - timedelta(days=count))
    _translate(list(GuidelineVersion.objects.filter(major__gte=2)))


def _measure(anonymous: Any, staff: Any) -> dict[str, tuple[float, float, int]]:
    from django.db import connection

    figures = {}
    for label, path, language, signed_in in PAGES:
        client = staff if signed_in else anonymous
        for _ in range(3):  # warm-up
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (label, response.status_code, response.get("Location"))
        queries: list[str] = []
        with connection.execute_wrapper(_counting(queries)):
            client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        figures[label] = (percentile(timings, 50), percentile(timings, 95), len(queries))
    return figures


def run() -> dict[str, Any]:
    """Needs Django set up against a migrated PostgreSQL database holding only the starter guidelines."""
    from django.db import connection
    from django.test import Client

    from steward.policy import locales
    from steward.policy.models import GuidelineTranslation, GuidelineVersion

    languages = 1 + len(locales.configured())
    heading(f"Guidelines: {FULL_VERSIONS} published versions x {languages} languages vs the starter version "
            "(PostgreSQL, in-process)")
    staff = _signed_in(_administrator())
    anonymous = Client()
    _translate([GuidelineVersion.objects.get(major=1, minor=0)])
    baseline = _measure(anonymous, staff)

    began = time.perf_counter()
    _add_versions(FULL_VERSIONS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    row("versions and translations created", f"{GuidelineVersion.objects.count()} versions, "
                                             f"{GuidelineTranslation.objects.count()} translations in "
                                             f"{time.perf_counter() - began:.1f} s (bulk)")
    full = _measure(anonymous, staff)

    bare95 = full[PAGES[0][0]][1]
    print(f"  {'page':<24} {'1v p50':>8} {'1v p95':>8} {'100v p50':>9} {'100v p95':>9} {'p95 100v/1v':>11}"
          f" {'p95 /bare':>9} {'queries 1v/100v':>16}")
    queries_equal = True
    for label, *_ in PAGES:
        b50, b95, bq = baseline[label]
        f50, f95, fq = full[label]
        queries_equal &= bq == fq
        print(f"  {label:<24} {b50:8.1f} {b95:8.1f} {f50:9.1f} {f95:9.1f} {f95 / b95:11.2f} {f95 / bare95:9.1f}"
              f" {f'{bq} / {fq}':>16}")
    row("query count independent of versions", "yes" if queries_equal else "NO")
    return {"queries_equal": queries_equal}
