"""The decision presets' data files: the English ladders and messages follow the shared format, and
every translation has exactly the English keys, each with the same placeholders."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

import pytest

import steward.decisions

PRESETS = Path(steward.decisions.__file__).parent / "presets"
TRANSLATIONS = sorted((PRESETS / "translations").glob("*.toml"))
LANGUAGES = {"ar", "de", "es-ES", "fr", "hi-IN", "id", "it", "ja", "ms", "nl", "pl", "pt-BR", "ru", "zh-CN", "zh-TW"}

LADDER_LEVELS = {
    "mozilla-style": ["no_action", "simple_warning", "warning_mediation", "cooling_off_kept", "cooling_off_revoked",
                      "extended_ban", "permanent_ban"],
    "covenant-2.1": ["correction", "warning", "temporary_ban", "permanent_ban"],
    "covenant-3.0": ["warning", "limited_activities", "temporary_suspension", "permanent_ban"],
}
LEVEL_FIELDS = {"key", "name", "impact", "consequence", "no_contact", "cooling_off", "tool_access",
                "leadership_suspended", "events_barred", "ban", "default_duration_days", "onboarding_required",
                "breach", "messages"}
LEVEL_KINDS = {"no_action", "warning", "mediation", "limited", "suspension", "permanent_ban"}
AUDIENCES = {kind: {"reported", "reporter"} for kind in [*LEVEL_KINDS, "no_violation"]} | {
    kind: {"reporter"} for kind in ["out_of_scope", "unknown_person", "flagged"]} | {
    kind: {"reported", "reporter", "moderators", "community"} for kind in ["limited", "suspension", "permanent_ban"]}
PLACEHOLDERS = {
    "reported": {"name", "organisation", "behaviour", "impact", "expected_change", "consequence", "scope", "starts",
                 "ends", "conditions", "appeal_until", "appeal_link", "contact"},
    "reporter": {"organisation", "outcome", "followup_link", "appeal_until", "contact"},
    "moderators": {"organisation", "person", "consequence", "spaces", "starts", "ends", "what_to_do", "contact"},
    "community": {"organisation", "person", "consequence", "starts", "ends", "contact"},
}
# Audiences whose English is shipped before its translations: a translation may lack their keys
# (Steward sends the English), and what it has is checked like the rest.
AWAITING_TRANSLATION = {"moderators", "community"}


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def placeholders(text: str) -> set[str]:
    """The {names} that str.format would substitute; malformed braces raise ValueError."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def english() -> dict[str, str]:
    """Every translatable English string, keyed by its path in a translation file."""
    strings: dict[str, str] = {}
    for slug in LADDER_LEVELS:
        ladder = load(PRESETS / "ladders" / f"{slug}.toml")
        strings[f"ladders.{slug}.name"] = ladder["name"]
        strings[f"ladders.{slug}.description"] = ladder["description"]
        for level in ladder["levels"]:
            for field in ("name", "impact", "consequence"):
                strings[f"ladders.{slug}.levels.{level['key']}.{field}"] = level[field]
    for kind, audiences in load(PRESETS / "messages" / "en.toml").items():
        for audience, message in audiences.items():
            for field in ("subject", "body"):
                strings[f"messages.{kind}.{audience}.{field}"] = message[field]
    return strings


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flatten(value, f"{path}.")
        else:
            flat[path] = value
    return flat


def awaiting(key: str) -> bool:
    parts = key.split(".")
    return parts[0] == "messages" and parts[2] in AWAITING_TRANSLATION


def mismatches(source: dict[str, str], translation: dict[str, Any]) -> list[str]:
    """What a translation gets wrong against the English: missing, extra or non-text keys, and any
    string whose placeholders differ."""
    flat = flatten(translation)
    problems = [f"missing {key}" for key in source if key not in flat and not awaiting(key)]
    problems += [f"not in the English: {key}" for key in flat if key not in source]
    for key, text in flat.items():
        if key not in source:
            continue
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{key} is not a text")
            continue
        try:
            found = placeholders(text)
        except ValueError as error:
            problems.append(f"{key} has a malformed placeholder: {error}")
            continue
        if found != placeholders(source[key]):
            problems.append(f"{key} has placeholders {sorted(found)}, the English {sorted(placeholders(source[key]))}")
    return problems


@pytest.mark.parametrize("slug", LADDER_LEVELS)
def test_english_ladder_has_every_level_with_every_field(slug: str) -> None:
    ladder = load(PRESETS / "ladders" / f"{slug}.toml")
    assert ladder["slug"] == slug
    assert ladder["name"].strip() and ladder["description"].strip()
    keys = [level["key"] for level in ladder["levels"]]
    assert keys == LADDER_LEVELS[slug]
    for level in ladder["levels"]:
        assert set(level) == LEVEL_FIELDS, level["key"]
        assert all(level[field].strip() for field in ("name", "impact", "consequence")), level["key"]
        assert level["tool_access"] in {"kept", "revoked"}
        assert level["ban"] in {"none", "temporary", "permanent"}
        assert level["breach"] in {"", *keys} and level["breach"] != level["key"]
        assert level["messages"] in LEVEL_KINDS
        # A temporary ban always has a length; a permanent one never does.
        if level["ban"] == "temporary":
            assert level["default_duration_days"] > 0, level["key"]
        if level["ban"] == "permanent":
            assert level["default_duration_days"] == 0, level["key"]


def test_english_messages_cover_every_kind_and_audience_with_the_allowed_placeholders() -> None:
    messages = load(PRESETS / "messages" / "en.toml")
    assert {kind: set(audiences) for kind, audiences in messages.items()} == AUDIENCES
    for kind, audiences in messages.items():
        for audience, message in audiences.items():
            assert set(message) == {"subject", "body"}, (kind, audience)
            used = placeholders(message["subject"]) | placeholders(message["body"])
            assert used <= PLACEHOLDERS[audience], (kind, audience, used - PLACEHOLDERS[audience])
            assert 80 <= len(message["body"].split()) <= 200, (kind, audience)


def test_translations_are_only_of_the_supported_languages() -> None:
    assert {"de", "fr"} <= {path.stem for path in TRANSLATIONS} <= LANGUAGES


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: path.stem)
def test_translation_has_every_english_key_with_the_same_placeholders(path: Path) -> None:
    assert mismatches(english(), load(path)) == []


def test_the_comparison_catches_a_missing_key_and_a_changed_placeholder() -> None:
    source = english()
    translation = load(PRESETS / "translations" / "de.toml")
    assert mismatches(source, translation) == []

    del translation["ladders"]["covenant-3.0"]["levels"]["warning"]["impact"]
    body = translation["messages"]["warning"]["reported"]["body"]
    translation["messages"]["warning"]["reported"]["body"] = body.replace("{appeal_link}", "{einspruch_link}")

    assert mismatches(source, translation) == [
        "missing ladders.covenant-3.0.levels.warning.impact",
        "messages.warning.reported.body has placeholders "
        f"{sorted(placeholders(body) - {'appeal_link'} | {'einspruch_link'})}, the English {sorted(placeholders(body))}",
    ]


def test_a_translation_may_wait_for_the_enforcement_messages_but_what_it_gives_is_checked() -> None:
    source = english()
    translation = load(PRESETS / "translations" / "de.toml")
    translation["messages"]["suspension"].pop("moderators", None)
    assert mismatches(source, translation) == []
    body = source["messages.suspension.moderators.body"]
    translation["messages"]["suspension"]["moderators"] = {
        "subject": source["messages.suspension.moderators.subject"],
        "body": body.replace("{what_to_do}", "{behaviour}")}
    assert mismatches(source, translation) == [
        "messages.suspension.moderators.body has placeholders "
        f"{sorted(placeholders(body) - {'what_to_do'} | {'behaviour'})}, the English {sorted(placeholders(body))}"]
