"""Every change to the guidelines, their translations and subscribers goes through here.

Each function checks permission, validates, writes, audits and queues its emails, inside one
transaction: bad input raises DomainError (or ValidationError from Markdown checks)
and leaves everything as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from steward.core import access, audit, crypto, markup, outbox
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import locales
from .messages import ConfirmSubscription, VersionPublished
from .models import (
    SOURCE_LANGUAGE,
    SUBSCRIBER_KEY_PURPOSE,
    BehaviourCategory,
    GuidelineSection,
    GuidelineTranslation,
    GuidelineVersion,
    ProtectedCharacteristic,
    SectionKind,
    SectionTranslation,
    Subscriber,
    TranslationStatus,
    VersionNumber,
)
from .permissions import PolicyAction

CONFIRM_SALT = "steward.policy.subscriber.confirm"
UNSUBSCRIBE_SALT = "steward.policy.subscriber.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600


# --- Reading -------------------------------------------------------------------------------


def current_version(today: datetime.date | None = None) -> GuidelineVersion | None:
    """The published version in effect today (the newest published one if none is in effect yet)."""
    today = today or timezone.localdate()
    published = GuidelineVersion.objects.published().newest_first()
    return published.filter(effective_date__lte=today).first() or published.first()


def upcoming_version(today: datetime.date | None = None) -> GuidelineVersion | None:
    """A published version whose effective date is still ahead, if any."""
    today = today or timezone.localdate()
    return GuidelineVersion.objects.published().filter(effective_date__gt=today).order_by("major", "minor").first()


def latest_version() -> GuidelineVersion | None:
    return GuidelineVersion.objects.newest_first().first()


def open_draft() -> GuidelineVersion | None:
    return GuidelineVersion.objects.filter(status=GuidelineVersion.Status.DRAFT).first()


def published_version(number: VersionNumber) -> GuidelineVersion | None:
    return GuidelineVersion.objects.published().by_number(number).first()


def locale_for(language: str | None) -> str | None:
    """The configured guideline locale for a language tag (e.g. the page's); None when none fits."""
    return locales.match(language)
# The report form lists the current version's categories on every view and every intake. They change
# only when a version is published or a translation edited, so they are kept in the cache (shared by
# every web process when REDIS_URL is set) under a generation that each such change replaces; the
# day is part of the key because a published version takes effect on its date. The timeout bounds
# how stale a process without a shared cache can be after a change made in another process.
CATEGORIES_GENERATION = "steward:policy:categories:generation"
CATEGORIES_TIMEOUT = 300


def current_categories(locale: str | None = None) -> list[tuple[str, str]]:
    """(slug, label) of the behaviour categories reporters choose from, from the current version,
    with labels in `locale` where the translation gives them."""
    today = timezone.localdate()
    generation = cache.get(CATEGORIES_GENERATION)
    if generation is None:
        generation = crypto.new_token(8)
        cache.add(CATEGORIES_GENERATION, generation, None)
        generation = cache.get(CATEGORIES_GENERATION, generation)
    key = f"steward:policy:categories:{generation}:{today.isoformat()}:{locale or ''}"
    found = cache.get(key)
    if found is None:
        found = _current_categories(locale, today)
        cache.set(key, found, CATEGORIES_TIMEOUT)
    return [(slug, label) for slug, label in found]


def _current_categories(locale: str | None, today: datetime.date) -> list[tuple[str, str]]:
    version = current_version(today)
    if version is None:
        return []
    labels: dict[str, str] = {}
    if locale and locale != SOURCE_LANGUAGE:
        found = GuidelineTranslation.objects.filter(version=version, locale=locale).only("labels").first()
        labels = dict(found.labels) if found else {}
    return [(slug, labels.get(f"category:{slug}") or label)
            for slug, label in version.categories.values_list("slug", "label")]


def forget_categories(**_signal: object) -> None:
    """The categories or their labels changed: every process reads them again.

    Replaced now, so this transaction reads its own change, and again after the commit, so no
    request that read the old rows meanwhile leaves them cached under the generation in use."""
    cache.set(CATEGORIES_GENERATION, crypto.new_token(8), None)
    transaction.on_commit(lambda: cache.set(CATEGORIES_GENERATION, crypto.new_token(8), None))


def category_labels(slugs: list[str]) -> list[str]:
    """Labels for stored category slugs (from the newest version that has each); unknown slugs as they are."""
    found: dict[str, str] = {}
    for category in BehaviourCategory.objects.filter(slug__in=slugs).order_by("version__major", "version__minor"):
        found[category.slug] = category.label
    return [found.get(slug, slug) for slug in slugs]


@dataclass
class LocaleStatus:
    locale: str
    status: str
    translation: GuidelineTranslation | None = None  # for this version, if one was started
    made_for: GuidelineVersion | None = None  # the version the reader-facing text was written for
    filled: int = 0
    total: int = 0
    stale_sections: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(TranslationStatus(self.status).label)


def translation_status(version: GuidelineVersion, locale: str) -> LocaleStatus:
    """complete: every section translated from the version's current text; outdated: a
    translation exists but was made for older text (an earlier version, or an edited
    section); missing: nothing usable."""
    return translation_statuses_of([version], [locale])[version.pk][0]


def translation_statuses(version: GuidelineVersion) -> list[LocaleStatus]:
    """The version's status in every configured language, in the order of the settings."""
    return translation_statuses_of([version])[version.pk]


def translation_statuses_of(versions: Sequence[GuidelineVersion],
                            wanted: Sequence[str] | None = None) -> dict[int, list[LocaleStatus]]:
    """The status of each version in each language (every configured one unless `wanted`),
    by version id, in five queries however many versions and languages there are.

    Translated sections are read as (kind, source hash, filled) only: their text is not loaded.
    Stored titles and bodies are stripped (save_translation), so an empty body is an unfilled one."""
    wanted = list(wanted if wanted is not None else locales.configured())
    versions = list(versions)
    sources: dict[int, dict[str, str]] = {version.pk: {} for version in versions}  # kind → source hash
    for section in GuidelineSection.objects.filter(version__in=versions):
        sources[section.version_id][section.kind] = section.source_hash
    made = {(t.version_id, t.locale): t for t in GuidelineTranslation.objects.filter(version__in=versions, locale__in=wanted)}
    done: dict[int, dict[str, str]] = {}  # translation id → kind → source hash, for filled sections
    for translation_id, kind, source_hash, title, has_body in (
            SectionTranslation.objects.filter(translation__version__in=versions, translation__locale__in=wanted)
            .annotate(has_body=Case(When(body_markdown="", then=Value(False)), default=Value(True)))
            .values_list("translation_id", "kind", "source_hash", "title", "has_body")):
        if title.strip() and has_body:
            done.setdefault(translation_id, {})[kind] = source_hash
    # Published translations that have any text, newest version first, per language: where a
    # version's own translation is not usable, the reader gets the newest earlier one.
    published = {v.pk: v for v in GuidelineVersion.objects.published()}
    earlier: dict[str, list[tuple[tuple[int, int], int]]] = {}
    for locale, version_id, major, minor in (
            GuidelineTranslation.objects.filter(locale__in=wanted, version__status=GuidelineVersion.Status.PUBLISHED)
            .filter(Exists(SectionTranslation.objects.filter(translation=OuterRef("pk"))))
            .order_by("-version__major", "-version__minor")
            .values_list("locale", "version_id", "version__major", "version__minor")):
        earlier.setdefault(locale, []).append(((major, minor), version_id))

    def older(version: GuidelineVersion, locale: str) -> GuidelineVersion | None:
        below = (version.major, version.minor)
        found = next((vid for number, vid in earlier.get(locale, []) if vid != version.pk and number < below), None)
        return published.get(found) if found is not None else None

    statuses: dict[int, list[LocaleStatus]] = {}
    for version in versions:
        statuses[version.pk] = []
        for locale in wanted:
            found = made.get((version.pk, locale))
            filled = done.get(found.pk, {}) if found is not None else {}
            statuses[version.pk].append(_status(version, locale, sources[version.pk], found, filled, older))
    return statuses


def _status(version: GuidelineVersion, locale: str, sources: dict[str, str], found: GuidelineTranslation | None,
            filled: dict[str, str], older: Callable[[GuidelineVersion, str], GuidelineVersion | None]) -> LocaleStatus:
    total = len(sources)
    if found is not None:
        stale = [kind for kind, made_from in filled.items() if kind in sources and made_from != sources[kind]]
        fresh = [kind for kind in filled if kind in sources and kind not in stale]
        if total and len(fresh) == total:
            return LocaleStatus(locale, TranslationStatus.COMPLETE, found, version, len(fresh), total)
        if stale:
            return LocaleStatus(locale, TranslationStatus.OUTDATED, found, version, len(fresh), total, stale)
        earlier = older(version, locale)
        if earlier is not None:
            return LocaleStatus(locale, TranslationStatus.OUTDATED, found, earlier, len(fresh), total)
        return LocaleStatus(locale, TranslationStatus.MISSING, found, None, len(fresh), total)
    earlier = older(version, locale)
    if earlier is not None:
        return LocaleStatus(locale, TranslationStatus.OUTDATED, None, earlier, 0, total)
    return LocaleStatus(locale, TranslationStatus.MISSING, None, None, 0, total)


# --- Drafts and publishing -----------------------------------------------------------------


def parse_number(text: str) -> VersionNumber:
    number = VersionNumber.parse(text)
    if number is None:
        raise DomainError(_("“%(value)s” is not a version number. Use whole numbers like 2 or 2.1.") % {"value": text})
    return number


def _check_number(number: VersionNumber, *, exclude: GuidelineVersion | None = None) -> None:
    others = GuidelineVersion.objects.all()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.by_number(number).exists():
        raise DomainError(_("Version %(number)s already exists. Choose a higher number.") % {"number": number})
    newest = others.newest_first().first()
    if newest is not None and number < newest.number:
        raise DomainError(
            _("Version numbers only go up: %(number)s would come before version %(latest)s. Choose a number above %(latest)s.")
            % {"number": number, "latest": newest.number})


def _check_effective_date(effective_date: datetime.date) -> None:
    today = timezone.localdate()
    if effective_date < today:
        raise DomainError(
            _("The effective date %(date)s is in the past. A new version takes effect today (%(today)s) or later.")
            % {"date": effective_date.isoformat(), "today": today.isoformat()})


def _check_changelog(changelog: str) -> str:
    changelog = changelog.strip()
    if not changelog:
        raise DomainError(_("Describe what changed in this version for the change log."))
    return changelog


def _check_markdown(text: str, where: str) -> None:
    try:
        markup.check(text)
    except ValidationError as error:
        raise DomainError(f"{where}: {error.messages[0]}") from None


@transaction.atomic
def create_draft(*, by: User, number: str, effective_date: datetime.date, changelog: str,
                 ip: str | None = None) -> GuidelineVersion:
    """Start the next version as a copy of the newest one (text, categories, characteristics)."""
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    draft = open_draft()
    if draft is not None:
        raise DomainError(_("Version %(number)s is already a draft. Publish or delete it before starting another.")
                          % {"number": draft.number})
    parsed = parse_number(number)
    _check_number(parsed)
    _check_effective_date(effective_date)
    changelog = _check_changelog(changelog)
    base = latest_version()
    version = GuidelineVersion.objects.create(major=parsed.major, minor=parsed.minor, effective_date=effective_date,
                                              changelog=changelog, created_by=by)
    if base is not None:
        for section in base.sections.all():
            GuidelineSection.objects.create(version=version, kind=section.kind, title=section.title,
                                            body_markdown=section.body_markdown)
        for category in base.categories.all():
            BehaviourCategory.objects.create(version=version, slug=category.slug, label=category.label,
                                             description=category.description, position=category.position)
        for item in base.characteristics.all():
            ProtectedCharacteristic.objects.create(version=version, slug=item.slug, label=item.label,
                                                   position=item.position)
    else:
        for kind in SectionKind:
            GuidelineSection.objects.create(version=version, kind=kind, title=str(kind.label), body_markdown="")
    audit.record(by, "guidelines.draft", version, ip=ip, detail={"number": str(parsed),
                                                                 "from": str(base.number) if base else None})
    return version


@dataclass
class CategoryInput:
    slug: str
    label: str
    description: str = ""


def parse_categories(text: str) -> list[CategoryInput]:
    """One per line: "slug | Label | short description" (the description is optional)."""
    items: list[CategoryInput] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1] or len(parts) > 3:
            raise DomainError(_("Line %(line)s of the categories: write “slug | Label | description”.") % {"line": number})
        slug = slugify(parts[0])
        if slug != parts[0]:
            raise DomainError(_("Line %(line)s of the categories: “%(slug)s” is not a slug; use lower-case letters, "
                                "digits and hyphens, like “%(suggestion)s”.")
                              % {"line": number, "slug": parts[0], "suggestion": slug or "harassment"})
        items.append(CategoryInput(slug, parts[1], parts[2] if len(parts) == 3 else ""))
    _unique([i.slug for i in items], _("categories"))
    if not items:
        raise DomainError(_("List at least one category of unacceptable behaviour."))
    return items


def parse_characteristics(text: str) -> list[tuple[str, str]]:
    """One label per line; the slug is made from the label."""
    items = [(slugify(line.strip()), line.strip()) for line in text.splitlines() if line.strip()]
    for slug, label in items:
        if not slug:
            raise DomainError(_("“%(label)s” in the protected characteristics needs some letters or digits.") % {"label": label})
    _unique([slug for slug, _label in items], _("protected characteristics"))
    if not items:
        raise DomainError(_("List at least one protected characteristic."))
    return items


def _unique(slugs: list[str], what: str) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise DomainError(_("“%(slug)s” appears twice in the %(what)s.") % {"slug": slug, "what": what})
        seen.add(slug)


@dataclass
class SectionInput:
    title: str
    body_markdown: str


@transaction.atomic
def save_draft(version: GuidelineVersion, *, by: User, number: str, effective_date: datetime.date, changelog: str,
               sections: dict[str, SectionInput], categories: str, characteristics: str,
               ip: str | None = None) -> GuidelineVersion:
    """Save the whole draft at once: its number and date, the seven sections and both lists."""
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise DomainError(_("Version %(number)s is published and can no longer change. Start a new version instead.")
                          % {"number": version.number})
    parsed = parse_number(number)
    _check_number(parsed, exclude=version)
    _check_effective_date(effective_date)
    changelog = _check_changelog(changelog)
    _check_markdown(changelog, _("Change log"))
    missing = [str(kind.label) for kind in SectionKind if kind not in sections]
    if missing:
        raise DomainError(_("These sections are missing: %(sections)s.") % {"sections": ", ".join(missing)})
    for kind in SectionKind:
        given = sections[kind]
        if not given.title.strip():
            raise DomainError(_("%(section)s: give the section a title.") % {"section": kind.label})
        _check_markdown(given.body_markdown, str(kind.label))
    parsed_categories = parse_categories(categories)
    parsed_characteristics = parse_characteristics(characteristics)

    changed: list[str] = []
    for kind in SectionKind:
        section, _created = GuidelineSection.objects.get_or_create(version=version, kind=kind,
                                                                    defaults={"title": str(kind.label)})
        title, body = sections[kind].title.strip(), sections[kind].body_markdown.strip()
        if (section.title, section.body_markdown) != (title, body) or _created:
            section.title, section.body_markdown = title, body
            section.save(update_fields=["title", "body_markdown"])
            changed.append(kind.value)
    version.categories.all().delete()
    for position, category in enumerate(parsed_categories):
        BehaviourCategory.objects.create(version=version, slug=category.slug, label=category.label,
                                         description=category.description, position=position)
    version.characteristics.all().delete()
    for position, (slug, label) in enumerate(parsed_characteristics):
        ProtectedCharacteristic.objects.create(version=version, slug=slug, label=label, position=position)
    version.major, version.minor = parsed.major, parsed.minor
    version.effective_date, version.changelog = effective_date, changelog
    version.save(update_fields=["major", "minor", "effective_date", "changelog"])
    audit.record(by, "guidelines.edit", version, ip=ip, detail={"number": str(parsed), "sections": changed})
    return version


@transaction.atomic
def delete_draft(version: GuidelineVersion, *, by: User, ip: str | None = None) -> None:
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise DomainError(_("Version %(number)s is published; published versions stay readable for good.")
                          % {"number": version.number})
    audit.record(by, "guidelines.delete_draft", version, ip=ip, detail={"number": str(version.number)})
    version.delete()


@transaction.atomic
def publish_version(version: GuidelineVersion, *, by: User, notify_subscribers: bool = False,
                    ip: str | None = None) -> GuidelineVersion:
    """Make a draft the published version from its effective date on; optionally tell subscribers."""
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise DomainError(_("Version %(number)s is already published.") % {"number": version.number})
    newest_published = GuidelineVersion.objects.published().newest_first().first()
    if newest_published is not None and not newest_published.number < version.number:
        raise DomainError(_("Version numbers only go up: version %(latest)s is already published, so this one "
                            "must be numbered above it.") % {"latest": newest_published.number})
    _check_effective_date(version.effective_date)
    sections = {s.kind: s for s in version.sections.all()}
    empty = [str(kind.label) for kind in SectionKind if kind not in sections or not sections[kind].body_markdown.strip()]
    if empty:
        raise DomainError(_("These sections are still empty: %(sections)s.") % {"sections": ", ".join(empty)})
    for kind, section in sections.items():
        _check_markdown(section.body_markdown, str(SectionKind(kind).label))
    if not version.categories.exists():
        raise DomainError(_("List at least one category of unacceptable behaviour."))
    version.status = GuidelineVersion.Status.PUBLISHED
    version.published_at, version.published_by = timezone.now(), by
    version.save(update_fields=["status", "published_at", "published_by"])
    audit.record(by, "guidelines.publish", version, ip=ip, detail={
        "number": str(version.number), "effective_date": version.effective_date.isoformat(),
        "notify_subscribers": notify_subscribers,
    })
    if notify_subscribers:
        outbox.send(VersionPublished(version=version.pk), key=f"policy.version-published.{version.pk}")
    return version


# --- Translations --------------------------------------------------------------------------


@dataclass
class TranslationInput:
    sections: dict[str, SectionInput]
    changelog: str = ""
    labels: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def save_translation(version: GuidelineVersion, locale: str, data: TranslationInput, *, by: User,
                     ip: str | None = None) -> GuidelineTranslation:
    """Store a translation of one version; each section remembers the English text it was made from."""
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    if not locales.is_known(locale):
        raise DomainError(_("“%(locale)s” is not one of the guideline languages (%(known)s).")
                          % {"locale": locale, "known": ", ".join(locales.configured())})
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    sources = {s.kind: s for s in version.sections.all()}
    unknown = sorted(set(data.sections) - set(sources))
    if unknown:
        raise DomainError(_("Unknown sections: %(sections)s.") % {"sections": ", ".join(unknown)})
    _check_markdown(data.changelog, _("Change log"))
    for kind, section in data.sections.items():
        _check_markdown(section.body_markdown, str(SectionKind(kind).label))
    valid_labels = {f"category:{c.slug}{suffix}" for c in version.categories.all()
                    for suffix in ("", ":description")}
    valid_labels |= {f"protected:{c.slug}" for c in version.characteristics.all()}
    labels = {key: value.strip() for key, value in data.labels.items() if value.strip()}
    if set(labels) - valid_labels:
        raise DomainError(_("Unknown labels: %(labels)s.") % {"labels": ", ".join(sorted(set(labels) - valid_labels))})

    translation, _created = GuidelineTranslation.objects.get_or_create(version=version, locale=locale)
    translation.changelog, translation.labels = data.changelog.strip(), labels
    translation.updated_at, translation.updated_by = timezone.now(), by
    translation.save()
    existing = {s.kind: s for s in translation.sections.all()}
    changed: list[str] = []
    for kind, section in data.sections.items():
        title, body = section.title.strip(), section.body_markdown.strip()
        current = existing.get(kind)
        if not title and not body:
            if current is not None:
                current.delete()
                changed.append(kind)
            continue
        if current is not None and (current.title, current.body_markdown) == (title, body):
            continue  # untouched: keep the source revision it was made for
        SectionTranslation.objects.update_or_create(
            translation=translation, kind=kind,
            defaults={"title": title, "body_markdown": body, "source_hash": sources[kind].source_hash})
        changed.append(kind)
    audit.record(by, "guidelines.translation", translation, ip=ip,
                 detail={"number": str(version.number), "locale": locale, "sections": changed})
    return translation


@transaction.atomic
def confirm_translation_current(version: GuidelineVersion, locale: str, kind: str, *, by: User,
                                ip: str | None = None) -> None:
    """A translator checked an outdated section against the new English text and it still fits."""
    access.require(by, PolicyAction.EDIT_GUIDELINES)
    section = SectionTranslation.objects.filter(translation__version=version, translation__locale=locale,
                                                kind=kind).first()
    source = version.sections.filter(kind=kind).first()
    if section is None or source is None:
        raise DomainError(_("There is no translation of that section yet."))
    section.source_hash = source.source_hash
    section.save(update_fields=["source_hash"])
    audit.record(by, "guidelines.translation_confirm", section.translation, ip=ip,
                 detail={"number": str(version.number), "locale": locale, "section": kind})


# --- Subscribers ---------------------------------------------------------------------------


def _subscriber_key() -> DataKey:
    return crypto.shared_key(SUBSCRIBER_KEY_PURPOSE)


def email_index(email: str) -> str:
    return crypto.blind_index(email, purpose="guideline-subscriber")


def email_indexes(email: str) -> list[str]:
    """Every index the address may be stored under while an index-key rotation runs: for look-ups."""
    return crypto.blind_indexes(email, purpose="guideline-subscriber")


def subscription_languages() -> list[str]:
    return ["en", *locales.configured()]


@transaction.atomic
def subscribe(email: str, *, language: str) -> Subscriber:
    """Ask to hear about new versions. Nothing is sent until the address is confirmed.

    The same answer whatever the address's state, so the form tells nobody who subscribed.
    """
    email = email.strip()
    if not email or "@" not in email:
        raise DomainError(_("Enter a valid email address, like name@example.org."))
    if language not in subscription_languages():
        raise DomainError(_("Choose a language from the list."))
    subscriber = Subscriber.objects.select_for_update().filter(email_index__in=email_indexes(email)).first()
    if subscriber is None:
        key = _subscriber_key()
        subscriber = Subscriber(email_index=email_index(email), data_key=key, language=language)
        subscriber.email = email
        subscriber.save(force_insert=True)
        audit.record(None, "guidelines.subscribe", subscriber, actor_kind="public")
    elif subscriber.confirmed_at is None:
        subscriber.language = language
        subscriber.save(update_fields=["language"])
    if subscriber.confirmed_at is None:
        outbox.send(ConfirmSubscription(subscriber=subscriber.pk))
    return subscriber


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "u": _link_binding(subscriber)}, salt=CONFIRM_SALT)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "u": _link_binding(subscriber)}, salt=UNSUBSCRIBE_SALT)


def _link_binding(subscriber: Subscriber) -> str:
    """What ties a link to this subscriber row and no later one: its row identifier, which, unlike the
    address's blind index, survives an index-key rotation."""
    return subscriber.row_uuid.hex[:16]


def _link_matches(subscriber: Subscriber, data: dict[str, object]) -> bool:
    if "u" in data:
        return data["u"] == _link_binding(subscriber)
    # Links sent before they carried the row identifier name the start of the address's index:
    # they keep working while the index key they were made under is configured.
    return data.get("i") in {index[:16] for index in email_indexes(subscriber.email)}


def subscriber_for(token: str, *, purpose: str) -> Subscriber | None:
    """The subscriber a signed link names, or None when the link is forged, expired or used up."""
    salt, max_age = (CONFIRM_SALT, CONFIRM_MAX_AGE) if purpose == "confirm" else (UNSUBSCRIBE_SALT, None)
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    subscriber_id = data.get("s")
    if not isinstance(subscriber_id, int):
        return None
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not _link_matches(subscriber, data):
        return None
    return subscriber


@transaction.atomic
def confirm_subscription(token: str) -> Subscriber:
    subscriber = subscriber_for(token, purpose="confirm")
    if subscriber is None:
        raise DomainError(_("This confirmation link is not valid or has expired. Subscribe again to get a new one."))
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
        # Only versions published from now on are news to this subscriber.
        subscriber.notified_version = GuidelineVersion.objects.published().newest_first().first()
        subscriber.save(update_fields=["confirmed_at", "notified_version"])
        audit.record(None, "guidelines.subscribe_confirm", subscriber, actor_kind="public")
    return subscriber


@transaction.atomic
def unsubscribe(token: str) -> None:
    subscriber = subscriber_for(token, purpose="unsubscribe")
    if subscriber is None:
        raise DomainError(_("This unsubscribe link is not valid. You may already be unsubscribed."))
    audit.record(None, "guidelines.unsubscribe", subscriber, actor_kind="public")
    subscriber.delete()  # the address is gone, not just flagged
