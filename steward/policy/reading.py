"""What a reader sees: one version of the guidelines in their language, or in English
with a notice when the translation is missing or out of date."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from . import locales, markup, services
from .models import SOURCE_LANGUAGE, GuidelineTranslation, GuidelineVersion, SectionKind, TranslationStatus


@dataclass
class Item:
    slug: str
    label: str
    description: str = ""


@dataclass
class Section:
    kind: str
    title: str
    html: SafeString
    items: list[Item] = field(default_factory=list)


@dataclass
class Document:
    version: GuidelineVersion
    locale: str  # the language of the text shown
    wanted: str  # the language the reader asked for
    status: str  # of the wanted language's translation; "complete" for English
    sections: list[Section]
    changelog: str
    outdated_from: GuidelineVersion | None = None  # the older version the wanted language exists for

    @property
    def direction(self) -> str:
        return locales.direction(self.locale)

    @property
    def wanted_name(self) -> str:
        return locales.display_name(self.wanted)

    @property
    def fell_back(self) -> bool:
        return self.wanted != self.locale


def labels_for(version: GuidelineVersion, locale: str) -> dict[str, str]:
    if locale == SOURCE_LANGUAGE:
        return {}
    found = GuidelineTranslation.objects.filter(version=version, locale=locale).first()
    return dict(found.labels) if found else {}


def categories(version: GuidelineVersion, locale: str = SOURCE_LANGUAGE) -> list[Item]:
    labels = labels_for(version, locale)
    return [Item(c.slug, labels.get(f"category:{c.slug}") or c.label,
                 labels.get(f"category:{c.slug}:description") or c.description)
            for c in version.categories.all()]  # type: ignore[attr-defined]


def characteristics(version: GuidelineVersion, locale: str = SOURCE_LANGUAGE) -> list[Item]:
    labels = labels_for(version, locale)
    return [Item(c.slug, labels.get(f"protected:{c.slug}") or c.label)
            for c in version.characteristics.all()]  # type: ignore[attr-defined]


def build(version: GuidelineVersion, wanted: str) -> Document:
    status = services.translation_status(version, wanted) if wanted != SOURCE_LANGUAGE else None
    use_translation = status is not None and status.status == TranslationStatus.COMPLETE and status.translation
    locale = wanted if use_translation else SOURCE_LANGUAGE
    translated = ({s.kind: s for s in status.translation.sections.all()}  # type: ignore[union-attr]
                  if use_translation and status else {})
    items = {SectionKind.UNACCEPTABLE.value: categories(version, locale),
             SectionKind.PROTECTED.value: characteristics(version, locale)}
    sections = []
    for source in version.sections_in_order():
        text = translated.get(source.kind, source)
        sections.append(Section(source.kind, text.title, markup.render(text.body_markdown), items.get(source.kind, [])))
    changelog = version.changelog
    if use_translation and status and status.translation and status.translation.changelog:
        changelog = status.translation.changelog
    outdated_from = None
    if status is not None and status.status == TranslationStatus.OUTDATED and status.made_for != version:
        outdated_from = status.made_for
    return Document(version=version, locale=locale, wanted=wanted,
                    status=status.status if status else TranslationStatus.COMPLETE,
                    sections=sections, changelog=changelog, outdated_from=outdated_from)


def changelog_entries(wanted: str) -> list[tuple[GuidelineVersion, str, bool]]:
    """(version, change log text, whether translated) for every published version, newest first."""
    entries = []
    for version in GuidelineVersion.objects.published().newest_first():
        text, translated = version.changelog, False
        if wanted != SOURCE_LANGUAGE:
            status = services.translation_status(version, wanted)
            if status.status == TranslationStatus.COMPLETE and status.translation and status.translation.changelog:
                text, translated = status.translation.changelog, True
        entries.append((version, text, translated))
    return entries
