"""The consequence ladder as the organisation's data: install a preset as a draft, edit its
levels, publish it (the previous ladder is retired, never deleted), start a new version.

A ladder that decisions were taken with never changes: its levels are what those decisions
meant. To change it, a new version is started (a draft copy) and published."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit
from steward.core.errors import DomainError
from steward.policy import services as policy
from steward.policy.models import TranslationStatus

from . import preset_files
from .models import Ban, Decision, Ladder, Level, LevelTranslation, MessageKind, ToolAccess
from .permissions import DecisionAction


class LadderError(DomainError):
    """A refused change to a ladder; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def current_ladder() -> Ladder | None:
    return Ladder.objects.filter(status=Ladder.Status.CURRENT).first()


def open_draft() -> Ladder | None:
    return Ladder.objects.filter(status=Ladder.Status.DRAFT).order_by("-version").first()


def is_used(ladder: Ladder) -> bool:
    return Decision.objects.filter(level__ladder=ladder).exists()


def _next_version() -> int:
    return (Ladder.objects.aggregate(top=Max("version"))["top"] or 0) + 1


def _editable(ladder: Ladder) -> None:
    """Only an unused draft changes: anything else is refused before a write."""
    if is_used(ladder):
        raise LadderError("__all__", _("Decisions were taken with this ladder, so its levels can never change. "
                                       "Start a new version to change the ladder."))
    if ladder.status != Ladder.Status.DRAFT:
        raise LadderError("__all__", _("Only a draft can be edited; this ladder is “%(status)s”. "
                                       "Start a new version to change the ladder.")
                          % {"status": ladder.get_status_display()})


def _refuse_second_draft() -> None:
    draft = open_draft()
    if draft is not None:
        raise LadderError("__all__", _("Draft version %(version)s is still open: publish or discard it first.")
                          % {"version": draft.version})


# --- Creating drafts ---------------------------------------------------------------------


def install_preset_levels(ladder: Ladder, preset: preset_files.PresetLadder) -> None:
    """The preset's levels and shipped translations, in file order, on an empty ladder."""
    levels = {}
    for position, item in enumerate(preset.levels):
        levels[item.key] = Level.objects.create(
            ladder=ladder, position=position, key=item.key, name=item.name, impact=item.impact,
            consequence=item.consequence, no_contact=item.no_contact, cooling_off=item.cooling_off,
            tool_access=item.tool_access, leadership_suspended=item.leadership_suspended,
            events_barred=item.events_barred, ban=item.ban, default_duration_days=item.default_duration_days,
            onboarding_required=item.onboarding_required,
            message_kind=item.messages if item.messages in MessageKind.values else MessageKind.WARNING)
    for item in preset.levels:
        if item.breach:
            Level.objects.filter(pk=levels[item.key].pk).update(breach_leads_to=levels[item.breach])
    for language, texts in preset_files.translations(preset.slug).items():
        LevelTranslation.objects.bulk_create(
            LevelTranslation(level=levels[key], language=language, name=text.name, impact=text.impact,
                             consequence=text.consequence, source_digest=levels[key].digest)
            for key, text in texts.items() if key in levels)


@transaction.atomic
def create_from_preset(slug: str, *, by: User, ip: str | None = None) -> Ladder:
    access.require(by, DecisionAction.EDIT_LADDER)
    preset = preset_files.presets().get(slug)
    if preset is None:
        raise LadderError("preset", _("There is no preset called “%(slug)s”.") % {"slug": slug})
    _refuse_second_draft()
    ladder = Ladder.objects.create(name=preset.name, description=preset.description, preset=preset.slug,
                                   version=_next_version(), created_by=by)
    install_preset_levels(ladder, preset)
    audit.record(by, "ladder.create", ladder, ip=ip, detail={"preset": slug, "version": ladder.version})
    return ladder


@transaction.atomic
def start_new_version(*, by: User, ip: str | None = None) -> Ladder:
    """An editable draft copy of the current ladder, translations included (they stay complete
    for every level whose English is not edited)."""
    access.require(by, DecisionAction.EDIT_LADDER)
    current = current_ladder()
    if current is None:
        raise LadderError("__all__", _("There is no current ladder to copy: start from a preset."))
    _refuse_second_draft()
    draft = Ladder.objects.create(name=current.name, description=current.description, preset=current.preset,
                                  version=_next_version(), created_by=by)
    copies: dict[int, Level] = {}
    originals = current.levels_in_order()
    for level in originals:
        copies[level.pk] = Level.objects.create(
            ladder=draft, **{field: getattr(level, field) for field in LEVEL_FIELDS}, position=level.position)
    for level in originals:
        if level.breach_leads_to_id in copies:
            Level.objects.filter(pk=copies[level.pk].pk).update(breach_leads_to=copies[level.breach_leads_to_id])
    LevelTranslation.objects.bulk_create(
        LevelTranslation(level=copies[t.level_id], language=t.language, name=t.name, impact=t.impact,
                         consequence=t.consequence, source_digest=t.source_digest)
        for t in LevelTranslation.objects.filter(level__ladder=current))
    audit.record(by, "ladder.create", draft, ip=ip, detail={"copy_of": current.pk, "version": draft.version})
    return draft


@transaction.atomic
def discard_draft(ladder: Ladder, *, by: User, ip: str | None = None) -> None:
    access.require(by, DecisionAction.EDIT_LADDER)
    _editable(ladder)
    audit.record(by, "ladder.discard", ladder, ip=ip, detail={"version": ladder.version})
    ladder.delete()


@transaction.atomic
def publish(ladder: Ladder, *, by: User, ip: str | None = None) -> Ladder:
    """The draft becomes the ladder for new decisions; the one before is retired, kept for the
    decisions taken with it."""
    access.require(by, DecisionAction.EDIT_LADDER)
    ladder = Ladder.objects.select_for_update().get(pk=ladder.pk)
    if ladder.status != Ladder.Status.DRAFT:
        raise LadderError("__all__", _("Only a draft can be published."))
    if not ladder.levels.exists():
        raise LadderError("__all__", _("A ladder needs at least one level before it is published."))
    previous = current_ladder()
    if previous is not None:
        Ladder.objects.filter(pk=previous.pk).update(status=Ladder.Status.RETIRED)
    ladder.status, ladder.published_at, ladder.published_by = Ladder.Status.CURRENT, timezone.now(), by
    ladder.save(update_fields=["status", "published_at", "published_by"])
    audit.record(by, "ladder.publish", ladder, ip=ip, detail={
        "version": ladder.version, "retired": previous.pk if previous else None})
    return ladder


@transaction.atomic
def save_details(ladder: Ladder, *, by: User, name: str, description: str, ip: str | None = None) -> Ladder:
    access.require(by, DecisionAction.EDIT_LADDER)
    _editable(ladder)
    if not name.strip():
        raise LadderError("name", _("Give the ladder a name."))
    ladder.name, ladder.description = name.strip(), description.strip()
    ladder.save(update_fields=["name", "description"])
    audit.record(by, "ladder.edit", ladder, ip=ip, detail={"version": ladder.version})
    return ladder


# --- Levels ------------------------------------------------------------------------------

LEVEL_FIELDS = ("key", "name", "impact", "consequence", "no_contact", "cooling_off", "tool_access",
                "leadership_suspended", "events_barred", "ban", "default_duration_days", "onboarding_required",
                "message_kind")


@dataclass(frozen=True)
class LevelInput:
    key: str
    name: str
    impact: str
    consequence: str
    no_contact: bool = False
    cooling_off: bool = False
    tool_access: str = ToolAccess.KEPT
    leadership_suspended: bool = False
    events_barred: bool = False
    ban: str = Ban.NONE
    default_duration_days: int = 0
    onboarding_required: bool = False
    breach_leads_to: int | None = None  # a level id of the same ladder
    message_kind: str = MessageKind.WARNING


def _validate_level(ladder: Ladder, data: LevelInput, level: Level | None) -> Level | None:
    """The level a breach leads to, once everything is checked."""
    if not data.key or not all(c.isalnum() or c in "_-" for c in data.key) or not data.key.isascii():
        raise LadderError("key", _("The key is a short code of letters, digits, “_” or “-”, e.g. “warning”."))
    others = ladder.levels.exclude(pk=level.pk) if level is not None else ladder.levels.all()
    if others.filter(key=data.key).exists():
        raise LadderError("key", _("Another level of this ladder already has the key “%(key)s”.") % {"key": data.key})
    for field, message in (("name", _("Give the level a name.")),
                           ("impact", _("Describe the community impact this level fits.")),
                           ("consequence", _("Describe what happens to the person."))):
        if not getattr(data, field).strip():
            raise LadderError(field, message)
    if data.ban not in Ban.values:
        raise LadderError("ban", _("Choose no ban, a temporary ban or a permanent ban."))
    if data.tool_access not in ToolAccess.values:
        raise LadderError("tool_access", _("Tool access is either kept or revoked."))
    if data.message_kind not in MessageKind.values:
        raise LadderError("message_kind", _("Choose one of the message kinds."))
    if data.default_duration_days < 0:
        raise LadderError("default_duration_days", _("A duration cannot be negative."))
    if data.ban == Ban.TEMPORARY and data.default_duration_days == 0:
        raise LadderError("default_duration_days", _("A temporary ban needs a default duration in days."))
    if data.breach_leads_to is None:
        return None
    target = others.filter(pk=data.breach_leads_to).first()
    if target is None:
        raise LadderError("breach_leads_to", _("A breach leads to another level of the same ladder."))
    return target


def _write(level: Level, data: LevelInput, breach: Level | None) -> None:
    for field in LEVEL_FIELDS:
        value = getattr(data, field)
        setattr(level, field, value.strip() if isinstance(value, str) else value)
    level.breach_leads_to = breach
    level.save()


@transaction.atomic
def add_level(ladder: Ladder, data: LevelInput, *, by: User, ip: str | None = None) -> Level:
    """A new level at the top of the ladder (the most severe); move it down where it belongs."""
    access.require(by, DecisionAction.EDIT_LADDER)
    ladder = Ladder.objects.select_for_update().get(pk=ladder.pk)
    _editable(ladder)
    breach = _validate_level(ladder, data, None)
    top = ladder.levels.aggregate(top=Max("position"))["top"]
    level = Level(ladder=ladder, position=0 if top is None else top + 1)
    _write(level, data, breach)
    audit.record(by, "ladder.level_add", level, ip=ip, detail={"ladder": ladder.pk, "key": level.key})
    return level


@transaction.atomic
def edit_level(level: Level, data: LevelInput, *, by: User, ip: str | None = None) -> Level:
    access.require(by, DecisionAction.EDIT_LADDER)
    level = Level.objects.select_for_update().select_related("ladder").get(pk=level.pk)
    _editable(level.ladder)
    breach = _validate_level(level.ladder, data, level)
    _write(level, data, breach)
    audit.record(by, "ladder.level_edit", level, ip=ip, detail={"ladder": level.ladder_id, "key": level.key})
    return level


@transaction.atomic
def remove_level(level: Level, *, by: User, ip: str | None = None) -> None:
    access.require(by, DecisionAction.EDIT_LADDER)
    level = Level.objects.select_for_update().select_related("ladder").get(pk=level.pk)
    _editable(level.ladder)
    ladder = level.ladder
    audit.record(by, "ladder.level_remove", level, ip=ip, detail={"ladder": ladder.pk, "key": level.key})
    level.delete()
    _renumber(ladder, ladder.levels_in_order())


@transaction.atomic
def move_level(level: Level, *, by: User, up: bool, ip: str | None = None) -> None:
    """One step more severe (`up`) or milder."""
    access.require(by, DecisionAction.EDIT_LADDER)
    level = Level.objects.select_for_update().select_related("ladder").get(pk=level.pk)
    _editable(level.ladder)
    order = level.ladder.levels_in_order()
    index = next(i for i, item in enumerate(order) if item.pk == level.pk)
    other = index + 1 if up else index - 1
    if not 0 <= other < len(order):
        raise LadderError("__all__", _("This level is already at the end of the ladder."))
    order[index], order[other] = order[other], order[index]
    _renumber(level.ladder, order)
    audit.record(by, "ladder.level_move", level, ip=ip, detail={"ladder": level.ladder_id, "up": up})


def _renumber(ladder: Ladder, order: list[Level]) -> None:
    for position, item in enumerate(order):
        if item.position != position:
            Level.objects.filter(pk=item.pk).update(position=position)


# --- Translations ------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    status: str
    complete: int
    total: int

    @property
    def label(self) -> str:
        return str(TranslationStatus(self.status).label)


def level_status(level: Level, translation: LevelTranslation | None) -> str:
    if translation is None or not translation.is_filled:
        return TranslationStatus.MISSING
    return TranslationStatus.COMPLETE if translation.source_digest == level.digest else TranslationStatus.OUTDATED


def translation_statuses(ladder: Ladder) -> list[LanguageStatus]:
    """Per configured language, as for the guidelines: complete when every level is translated from
    its current English, outdated when some translation was made from older English, else missing."""
    levels = ladder.levels_in_order()
    made = {(t.level_id, t.language): t for t in LevelTranslation.objects.filter(level__ladder=ladder)}
    statuses = []
    for language in settings.STEWARD_GUIDELINE_LOCALES:
        each = [level_status(level, made.get((level.pk, language))) for level in levels]
        complete = each.count(TranslationStatus.COMPLETE)
        if levels and complete == len(levels):
            status = TranslationStatus.COMPLETE
        elif TranslationStatus.OUTDATED in each:
            status = TranslationStatus.OUTDATED
        else:
            status = TranslationStatus.MISSING
        statuses.append(LanguageStatus(language, status, complete, len(levels)))
    return statuses


@dataclass(frozen=True)
class LevelForReaders:
    level: Level
    name: str
    impact: str
    consequence: str


def for_readers(ladder: Ladder, language: str | None) -> tuple[list[LevelForReaders], str]:
    """The ladder in the reader's language when its translation is complete, else in English;
    with the language the texts are in."""
    levels = ladder.levels_in_order()
    locale = policy.locale_for(language)
    if locale is not None and locale != "en" and any(
            s.language == locale and s.status == TranslationStatus.COMPLETE for s in translation_statuses(ladder)):
        made = {t.level_id: t for t in LevelTranslation.objects.filter(level__ladder=ladder, language=locale)}
        return [LevelForReaders(level, made[level.pk].name, made[level.pk].impact, made[level.pk].consequence)
                for level in levels], locale
    return [LevelForReaders(level, level.name, level.impact, level.consequence) for level in levels], "en"
