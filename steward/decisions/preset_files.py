"""The shipped ladder presets, read from presets/ladders/<slug>.toml and their translations from
presets/translations/<lang>.toml (format: the presets' own README contract).

Plain data, no models: the data migration that installs the first ladder reads them too."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
LADDERS_DIR = PRESETS_DIR / "ladders"
TRANSLATIONS_DIR = PRESETS_DIR / "translations"
# The preset existing installs were using (its four levels are the old fixed outcomes).
LEGACY_PRESET = "covenant-2.1"

BANS = ("none", "temporary", "permanent")
TOOL_ACCESS = ("kept", "revoked")
FLAGS = ("no_contact", "cooling_off", "leadership_suspended", "events_barred", "onboarding_required")


@dataclass(frozen=True)
class PresetLevel:
    key: str
    name: str
    impact: str
    consequence: str
    no_contact: bool
    cooling_off: bool
    tool_access: str
    leadership_suspended: bool
    events_barred: bool
    ban: str
    default_duration_days: int
    onboarding_required: bool
    breach: str  # key of the level a breach leads to, "" for none
    messages: str


@dataclass(frozen=True)
class PresetLadder:
    slug: str
    name: str
    description: str
    levels: tuple[PresetLevel, ...]


@dataclass(frozen=True)
class LevelText:
    name: str
    impact: str
    consequence: str


def digest(name: str, impact: str, consequence: str) -> str:
    """What a level's translation was made from: a hash of its English texts."""
    return hashlib.sha256(f"{name}\x00{impact}\x00{consequence}".encode()).hexdigest()


class PresetError(ValueError):
    """A shipped file that does not follow the format: a packaging mistake, said plainly."""


def _level(path: Path, raw: dict[str, Any]) -> PresetLevel:
    try:
        level = PresetLevel(
            key=str(raw["key"]).strip(), name=str(raw["name"]).strip(), impact=str(raw["impact"]).strip(),
            consequence=str(raw["consequence"]).strip(), tool_access=str(raw["tool_access"]), ban=str(raw["ban"]),
            default_duration_days=int(raw["default_duration_days"]), breach=str(raw.get("breach", "")).strip(),
            messages=str(raw["messages"]).strip(), **{flag: bool(raw[flag]) for flag in FLAGS})
    except KeyError as missing:
        raise PresetError(f"{path.name}: a level lacks {missing}") from None
    if level.ban not in BANS or level.tool_access not in TOOL_ACCESS:
        raise PresetError(f"{path.name}: level {level.key} has an unknown ban or tool access value")
    return level


def _load(path: Path) -> PresetLadder:
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    levels = tuple(_level(path, raw) for raw in data.get("levels", []))
    keys = [level.key for level in levels]
    if not levels or len(set(keys)) != len(keys):
        raise PresetError(f"{path.name}: the levels are missing or their keys repeat")
    if any(level.breach and level.breach not in keys for level in levels):
        raise PresetError(f"{path.name}: a breach leads to a level that is not in the ladder")
    return PresetLadder(slug=str(data.get("slug", path.stem)), name=str(data["name"]).strip(),
                        description=str(data.get("description", "")).strip(), levels=levels)


@cache
def presets() -> dict[str, PresetLadder]:
    """Every shipped ladder by slug, in file-name order."""
    return {ladder.slug: ladder for ladder in (_load(path) for path in sorted(LADDERS_DIR.glob("*.toml")))}


@cache
def translations(slug: str) -> dict[str, dict[str, LevelText]]:
    """The shipped translations of one preset's levels: language → level key → texts. A language
    without a file, or whose file lacks this ladder, is simply absent."""
    found: dict[str, dict[str, LevelText]] = {}
    for path in sorted(TRANSLATIONS_DIR.glob("*.toml")):
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        levels = data.get("ladders", {}).get(slug, {}).get("levels", {})
        texts = {key: LevelText(str(part.get("name", "")).strip(), str(part.get("impact", "")).strip(),
                                str(part.get("consequence", "")).strip())
                 for key, part in levels.items()}
        if texts:
            found[path.stem] = texts
    return found


# --- Decision messages: presets/messages/en.toml and [messages.<kind>.<audience>] of each translation ---

MESSAGES_DIR = PRESETS_DIR / "messages"


@dataclass(frozen=True)
class MessageText:
    subject: str
    body: str


def message_digest(subject: str, body: str) -> str:
    """What a message translation was made from: a hash of its English subject and body."""
    return hashlib.sha256(f"{subject}\x00{body}".encode()).hexdigest()


def _message_table(data: dict[str, Any]) -> dict[tuple[str, str], MessageText]:
    return {(kind, audience): MessageText(str(text.get("subject", "")).strip(), str(text.get("body", "")).strip())
            for kind, audiences in data.items() if isinstance(audiences, dict)
            for audience, text in audiences.items() if isinstance(text, dict)}


@cache
def messages() -> dict[str, dict[tuple[str, str], MessageText]]:
    """The shipped decision messages: language → (kind, audience) → texts; English first."""
    found = {"en": _message_table(tomllib.loads((MESSAGES_DIR / "en.toml").read_text(encoding="utf-8")))}
    for path in sorted(TRANSLATIONS_DIR.glob("*.toml")):
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        table = _message_table(data.get("messages", {}))
        if table:
            found[path.stem] = table
    return found


def message_languages() -> list[str]:
    """English and every language with a shipped translation file, whether or not it translates
    the messages yet: each gets a template row for each English message."""
    return ["en", *(path.stem for path in sorted(TRANSLATIONS_DIR.glob("*.toml")))]


def _shipped(language: str, kind: str, audience: str) -> MessageText:
    """The shipped text, or an empty one while the translation is still to be made."""
    return messages().get(language, {}).get((kind, audience), MessageText("", ""))


def install_messages(model: Any) -> int:
    """Create the shipped templates not installed yet in `model` (MessageTemplate, or its
    historical version in a data migration); a translation records the English it was made from.
    A language that does not translate a message yet gets an empty row (sent as the English, and
    shown as missing), filled when a later release ships the translation; a row an organisation
    wrote is never changed. Returns how many rows were added or filled."""
    english = messages()["en"]
    have = {(row.kind, row.audience, row.language): row for row in model.objects.all()}
    added, filled = [], []
    for language in message_languages():
        for (kind, audience), source in english.items():
            text = _shipped(language, kind, audience)
            made_from = "" if language == "en" or not text.body else message_digest(source.subject, source.body)
            row = have.get((kind, audience, language))
            if row is None:
                added.append(model(kind=kind, audience=audience, language=language, subject=text.subject,
                                   body=text.body, source_digest=made_from))
            elif text.body and not (row.subject.strip() or row.body.strip()):
                row.subject, row.body, row.source_digest = text.subject, text.body, made_from
                filled.append(row)
    model.objects.bulk_create(added)
    model.objects.bulk_update(filled, ["subject", "body", "source_digest"])
    return len(added) + len(filled)


def _as_shipped(row: Any) -> bool:
    text = _shipped(row.language, row.kind, row.audience)
    return (row.subject, row.body) in {(text.subject, text.body), ("", "")}


def uninstall_messages(model: Any, audiences: set[str]) -> int:
    """Remove the audiences' templates that are still as shipped (or empty), keeping every one an
    organisation wrote: the reverse of installing them. Returns how many rows were removed."""
    shipped = [row.pk for row in model.objects.filter(audience__in=audiences) if _as_shipped(row)]
    model.objects.filter(pk__in=shipped).delete()
    return len(shipped)
