"""Markdown for guideline and course text: checked on the way in, sanitised on the way out.

Input that tries to run code (a script element, an event-handler attribute, a
javascript: link) is refused with a clear message rather than quietly cleaned, so
what staff see in the editor is what readers get. Rendering still passes every
page through nh3 with a short allow-list, whatever is stored.
"""

from __future__ import annotations

import re

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_SCRIPT = re.compile(r"<\s*/?\s*script\b", re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]*?[\s/\"']on[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
_SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.IGNORECASE)

SCRIPT_ERROR = _("Markdown may not contain scripts: remove <script> elements, on… event attributes and javascript: links.")


def check(text: str) -> None:
    """Raise ValidationError when `text` carries anything that could run in a reader's browser."""
    if _SCRIPT.search(text) or _HANDLER.search(text) or _SCRIPT_URL.search(text):
        raise ValidationError(SCRIPT_ERROR, code="script")


def render(text: str, *, shift_headings: bool = True) -> SafeString:
    """Markdown to HTML that is safe to show: only the allow-listed tags and link schemes survive.

    Headings start at h3 inside a section (the section title is the h2).
    """
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    if shift_headings:
        html = re.sub(r"<(/?)h([1-4])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 4)}>", html)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703  # sanitised by nh3 just above
