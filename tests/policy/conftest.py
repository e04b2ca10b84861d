"""Fixtures for the guidelines: the starter version 1.0 comes from the data migration."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone, translation

from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.policy import services
from steward.policy.models import (
    BehaviourCategory,
    GuidelineSection,
    GuidelineTranslation,
    GuidelineVersion,
    ProtectedCharacteristic,
    SectionTranslation,
    Subscriber,
)
from tests.conftest import make_staff


@pytest.fixture(autouse=True)
def _fresh_state() -> Any:
    cache.clear()
    # A request through the test client leaves its language active in the thread; start every test in English.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def no_role(db: Any) -> User:
    return make_staff("nora")


@pytest.fixture
def case_handler(db: Any) -> User:
    return make_staff("carl", Role.CASE_HANDLER)


@pytest.fixture
def v1(db: Any) -> GuidelineVersion:
    return GuidelineVersion.objects.get(major=1, minor=0)


def today() -> datetime.date:
    return timezone.localdate()


def section_inputs(version: GuidelineVersion, **changes: str) -> dict[str, services.SectionInput]:
    out = {s.kind: services.SectionInput(s.title, s.body_markdown) for s in version.sections.all()}
    for kind, body in changes.items():
        out[kind] = services.SectionInput(out[kind].title, body)
    return out


def categories_text(version: GuidelineVersion) -> str:
    return "\n".join(f"{c.slug} | {c.label} | {c.description}" for c in version.categories.all())


def characteristics_text(version: GuidelineVersion) -> str:
    return "\n".join(c.label for c in version.characteristics.all())


def draft(by: User, number: str = "2.0", changelog: str = "Clarified the appeals section.") -> GuidelineVersion:
    return services.create_draft(by=by, number=number, effective_date=today(), changelog=changelog)


def publish_v2(by: User, *, notify: bool = False, **section_changes: str) -> GuidelineVersion:
    version = draft(by)
    if section_changes:
        services.save_draft(version, by=by, number="2.0", effective_date=today(), changelog=version.changelog,
                            sections=section_inputs(version, **section_changes),
                            categories=categories_text(version), characteristics=characteristics_text(version))
    return services.publish_version(version, by=by, notify_subscribers=notify)


def translate_fully(version: GuidelineVersion, locale: str, by: User, marker: str = "日本語の本文") -> GuidelineTranslation:
    sections = {s.kind: services.SectionInput(f"{s.kind} の見出し", f"{marker}: {s.kind}") for s in version.sections.all()}
    return services.save_translation(version, locale, services.TranslationInput(sections=sections, changelog="最初の版"),
                                     by=by)


def without_translation(version: GuidelineVersion, locale: str) -> None:
    """Remove the translation the starter version ships with, for a language nobody has translated yet."""
    GuidelineTranslation.objects.filter(version=version, locale=locale).delete()


def snapshot() -> tuple[Any, ...]:
    """Everything the guidelines app stores, to prove a refused request changed nothing."""
    return (
        list(GuidelineVersion.objects.order_by("pk").values_list(
            "pk", "major", "minor", "effective_date", "changelog", "status", "published_at")),
        list(GuidelineSection.objects.order_by("pk").values_list("pk", "version_id", "kind", "title", "body_markdown")),
        list(BehaviourCategory.objects.order_by("pk").values_list("pk", "version_id", "slug", "label")),
        list(ProtectedCharacteristic.objects.order_by("pk").values_list("pk", "version_id", "slug", "label")),
        list(GuidelineTranslation.objects.order_by("pk").values_list("pk", "version_id", "locale", "changelog", "labels")),
        list(SectionTranslation.objects.order_by("pk").values_list("pk", "kind", "title", "body_markdown", "source_hash")),
        list(Subscriber.objects.order_by("pk").values_list("pk", "email_index", "confirmed_at")),
        AuditEntry.objects.count(),
    )
