"""What a reader sees: one version of the guidelines in their language, or in English
with a notice when the translation is missing or out of date."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from steward.core import markup

from . import locales, services
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


def categories(version: GuidelineVersion, locale: str = SOURCE_LANGUAGE,
               labels: dict[str, str] | None = None) -> list[Item]:
    labels = labels if labels is not None else labels_for(version, locale)
    return [Item(c.slug, labels.get(f"category:{c.slug}") or c.label,
                 labels.get(f"category:{c.slug}:description") or c.description)
            for c in version.categories.all()]


def characteristics(version: GuidelineVersion, locale: str = SOURCE_LANGUAGE,
                    labels: dict[str, str] | None = None) -> list[Item]:
    labels = labels if labels is not None else labels_for(version, locale)
    return [Item(c.slug, labels.get(f"protected:{c.slug}") or c.label)
            for c in version.characteristics.all()]


def build(version: GuidelineVersion, wanted: str, status: services.LocaleStatus | None = None) -> Document:
    """The document in `wanted` (or English); `status` is the wanted language's, when the caller has it."""
    if wanted != SOURCE_LANGUAGE and status is None:
        status = services.translation_status(version, wanted)
    elif wanted == SOURCE_LANGUAGE:
        status = None
    translation = status.translation if status is not None and status.status == TranslationStatus.COMPLETE else None
    locale = wanted if translation is not None else SOURCE_LANGUAGE
    translated = {s.kind: s for s in translation.sections.all()} if translation else {}
    labels = dict(translation.labels) if translation else {}
    items = {SectionKind.UNACCEPTABLE.value: categories(version, locale, labels),
             SectionKind.PROTECTED.value: characteristics(version, locale, labels)}
    sections = []
    for source in version.sections_in_order():
        text = translated.get(source.kind, source)
        sections.append(Section(source.kind, text.title, markup.render(text.body_markdown), items.get(source.kind, [])))
    changelog = translation.changelog if translation and translation.changelog else version.changelog
    outdated_from = None
    if status is not None and status.status == TranslationStatus.OUTDATED and status.made_for != version:
        outdated_from = status.made_for
    return Document(version=version, locale=locale, wanted=wanted,
                    status=status.status if status else TranslationStatus.COMPLETE,
                    sections=sections, changelog=changelog, outdated_from=outdated_from)


def changelog_entries(wanted: str) -> list[tuple[GuidelineVersion, str, bool]]:
    """(version, change log text, whether translated) for every published version, newest first."""
    versions = list(GuidelineVersion.objects.published().newest_first())
    statuses = services.translation_statuses_of(versions, [wanted]) if wanted != SOURCE_LANGUAGE else {}
    entries = []
    for version in versions:
        text, translated = version.changelog, False
        status = statuses[version.pk][0] if statuses else None
        if status and status.status == TranslationStatus.COMPLETE and status.translation and status.translation.changelog:
            text, translated = status.translation.changelog, True
        entries.append((version, text, translated))
    return entries
