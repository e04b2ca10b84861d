"""The language menu every page carries, built once per language instead of on every page."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag
def language_options() -> SafeString:
    """The <option>s of the language menu, the current language selected."""
    return _options(get_language(), tuple(code for code, _name in settings.LANGUAGES))


@lru_cache(maxsize=64)
def _options(current: str | None, codes: tuple[str, ...]) -> SafeString:
    # Each language is named in itself, so the list is the same in every language but for the selection.
    return format_html_join("\n", "{}", (
        (format_html('<option value="{0}" lang="{0}"{1}>{2}</option>', code, " selected" if code == current else "",
                     get_language_info(code)["name_local"]),)
        for code in codes))
