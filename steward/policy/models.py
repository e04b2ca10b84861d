"""The organisation's code of conduct as versioned documents, their translations and
the people who asked to hear when it changes.

A published version never changes again, so its URL stays a stable citation. Staff
write a new version as a draft, and publishing it makes it the current one.
"""

from __future__ import annotations

import hashlib
from functools import total_ordering

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import crypto
from steward.core.models import DataKey

SOURCE_LANGUAGE = "en"


class SectionKind(models.TextChoices):
    """The seven parts every version has, in reading order."""

    SCOPE = "scope", _("Scope")
    EXPECTED = "expected", _("Expected behaviour")
    UNACCEPTABLE = "unacceptable", _("Unacceptable behaviour")
    PROTECTED = "protected", _("Protected characteristics")
    CONSEQUENCES = "consequences", _("Consequences")
    REPORTING = "reporting", _("Reporting")
    APPEALS = "appeals", _("Appeals")


SECTION_ORDER = {kind: index for index, kind in enumerate(SectionKind.values)}


def text_hash(title: str, body_markdown: str) -> str:
    """Identifies one revision of a section's English text (see GuidelineSection.source_hash)."""
    return hashlib.sha256(f"{title}\x00{body_markdown}".encode()).hexdigest()


@total_ordering
class VersionNumber:
    """A "major.minor" number; "2" means "2.0"."""

    __slots__ = ("major", "minor")

    def __init__(self, major: int, minor: int = 0) -> None:
        self.major, self.minor = major, minor

    @classmethod
    def parse(cls, text: str) -> VersionNumber | None:
        parts = text.strip().split(".")
        if not 1 <= len(parts) <= 2 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            return None
        return cls(int(parts[0]), int(parts[1]) if len(parts) == 2 else 0)

    def _key(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VersionNumber) and self._key() == other._key()

    def __lt__(self, other: VersionNumber) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __repr__(self) -> str:
        return f"VersionNumber({self})"


class GuidelineVersionQuerySet(models.QuerySet["GuidelineVersion"]):
    def published(self) -> GuidelineVersionQuerySet:
        return self.filter(status=GuidelineVersion.Status.PUBLISHED)

    def newest_first(self) -> GuidelineVersionQuerySet:
        return self.order_by("-major", "-minor")

    def by_number(self, number: VersionNumber) -> GuidelineVersionQuerySet:
        return self.filter(major=number.major, minor=number.minor)


class GuidelineVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField(default=0)
    effective_date = models.DateField()
    changelog = models.TextField(help_text=_("One or two sentences on what changed, for the change log."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = GuidelineVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-major", "-minor"]
        constraints = [models.UniqueConstraint(fields=["major", "minor"], name="guideline_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"

    @property
    def number(self) -> VersionNumber:
        return VersionNumber(self.major, self.minor)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def sections_in_order(self) -> list[GuidelineSection]:
        return sorted(self.sections.all(), key=lambda s: SECTION_ORDER.get(s.kind, 99))


class GuidelineSection(models.Model):
    """One of the seven parts of a version, in Markdown (English, the source language)."""

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=16, choices=SectionKind.choices)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="guideline_section_unique_kind")]

    def __str__(self) -> str:
        return f"{self.version.number} {self.kind}"

    @property
    def order(self) -> int:
        return SECTION_ORDER.get(self.kind, 99)

    @property
    def source_hash(self) -> str:
        """Identifies this revision of the text; a translation remembers the one it was made from."""
        return text_hash(self.title, self.body_markdown)


class ListItem(models.Model):
    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE)
    slug = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.slug


class BehaviourCategory(ListItem):
    """A kind of unacceptable behaviour; reporters choose among them on the intake form."""

    description = models.CharField(max_length=500, blank=True)

    class Meta(ListItem.Meta):
        default_related_name = "categories"
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="behaviour_category_unique_slug")]


class ProtectedCharacteristic(ListItem):
    class Meta(ListItem.Meta):
        default_related_name = "characteristics"
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="protected_characteristic_unique_slug")]


class TranslationStatus(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    OUTDATED = "outdated", _("Outdated: the source changed")
    MISSING = "missing", _("Missing")


class GuidelineTranslation(models.Model):
    """One version in one language. Its status is computed from the source it was made for."""

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="translations")
    locale = models.CharField(max_length=16)
    changelog = models.TextField(blank=True)
    # "category:<slug>" and "protected:<slug>" → translated label.
    labels = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "locale"], name="guideline_translation_unique_locale")]

    def __str__(self) -> str:
        return f"{self.version.number} {self.locale}"


class SectionTranslation(models.Model):
    translation = models.ForeignKey(GuidelineTranslation, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=16, choices=SectionKind.choices)
    title = models.CharField(max_length=200, blank=True)
    body_markdown = models.TextField(blank=True)
    # GuidelineSection.source_hash of the English text this was translated from.
    source_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["translation", "kind"], name="section_translation_unique_kind")]

    def __str__(self) -> str:
        return f"{self.translation} {self.kind}"

    @property
    def is_filled(self) -> bool:
        return bool(self.title.strip() and self.body_markdown.strip())


# Subscribers' addresses are sealed with one shared key of this purpose (DataKey.purpose is free text).
SUBSCRIBER_KEY_PURPOSE = DataKey.Purpose.SUBSCRIBERS


class Subscriber(models.Model):
    """Someone who asked to be told when a new version is published.

    The address is sealed; `email_index` (a keyed hash) finds a subscriber without it.
    """

    email_index = models.CharField(max_length=64, unique=True)
    email_blind = crypto.BlindIndex("email_index", purpose="guideline-subscriber",
                                    value=lambda subscriber: subscriber.email)
    row_uuid = crypto.row_uuid_field()  # the address is bound to it (see core.crypto)
    email_sealed = crypto.SealedField()
    email = crypto.Sealed("subscriber.email", key="data_key")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=16, default=SOURCE_LANGUAGE)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last version this subscriber was told about, so a retried notification repeats nothing.
    notified_version = models.ForeignKey(GuidelineVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")

    def __str__(self) -> str:
        return f"Subscriber {self.pk}"
