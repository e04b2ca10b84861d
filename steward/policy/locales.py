"""Which guideline language a reader gets.

Guideline translations exist for more languages than the site's own interface
(STEWARD_GUIDELINE_LOCALES), so a reader's language is matched loosely:
'ja' → 'ja', 'es' → 'es-ES', 'zh-hans' → 'zh-CN', 'pt' → 'pt-BR'.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import get_language_info

from .models import SOURCE_LANGUAGE

# Script subtags and regions that name the same written language as a configured locale.
ALIASES = {"zh-hans": "zh-CN", "zh-sg": "zh-CN", "zh-hant": "zh-TW", "zh-hk": "zh-TW", "zh-mo": "zh-TW"}
RTL = {"ar", "fa", "he", "ur"}


def configured() -> list[str]:
    return list(settings.STEWARD_GUIDELINE_LOCALES)


def is_known(locale: str) -> bool:
    return locale in configured()


def match(language: str | None) -> str | None:
    """The configured locale for a language tag; SOURCE_LANGUAGE for English; None when none fits."""
    if not language:
        return None
    tag = language.strip().replace("_", "-").lower()
    if not tag:
        return None
    if tag == SOURCE_LANGUAGE or tag.startswith(SOURCE_LANGUAGE + "-"):
        return SOURCE_LANGUAGE
    locales = configured()
    by_lower = {locale.lower(): locale for locale in locales}
    if tag in by_lower:
        return by_lower[tag]
    if tag in ALIASES and ALIASES[tag] in locales:
        return ALIASES[tag]
    base = tag.split("-")[0]
    if base in by_lower:
        return by_lower[base]
    if base == "zh":
        return ALIASES["zh-hans"] if ALIASES["zh-hans"] in locales else None
    regional = [locale for locale in locales if locale.lower().split("-")[0] == base]
    return regional[0] if regional else None


def _accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _q, _i, tag in sorted(weighted)]


def reader_locale(request: HttpRequest | None = None) -> str:
    """The reader's guideline language: an explicit ?lang=, the active interface language,
    or (when the reader never chose one) the browser's preference. English otherwise."""
    if request is not None:
        asked = match(request.GET.get("lang"))
        if asked:
            return asked
    active = match(translation.get_language())
    if active and active != SOURCE_LANGUAGE:
        return active
    if request is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        for tag in _accept_language(request.headers.get("Accept-Language", "")):
            found = match(tag)
            if found:
                return found
    return SOURCE_LANGUAGE


def name(locale: str) -> str:
    """The language's own name for itself, e.g. 日本語 for 'ja'."""
    for candidate in (locale.lower(), locale.split("-")[0].lower()):
        try:
            return str(get_language_info(candidate)["name_local"])
        except KeyError:
            continue
    return locale


def display_name(locale: str) -> str:
    """The language's name in the reader's interface language, with its own name: "Japanese (日本語)"."""
    for candidate in (locale.lower(), locale.split("-")[0].lower()):
        try:
            info = get_language_info(candidate)
        except KeyError:
            continue
        translated, local = str(info["name_translated"]), str(info["name_local"])
        return translated if translated == local else f"{translated} ({local})"
    return locale


def english_name(locale: str) -> str:
    for candidate in (locale.lower(), locale.split("-")[0].lower()):
        try:
            return str(get_language_info(candidate)["name"])
        except KeyError:
            continue
    return locale


def direction(locale: str) -> str:
    return "rtl" if locale.split("-")[0].lower() in RTL else "ltr"
