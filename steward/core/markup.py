"""Markdown for guideline and course text: checked on the way in, sanitised on the way out.

Input that tries to run code (a script element, an event-handler attribute, a
javascript: link) is refused with a clear message rather than quietly cleaned, so
what staff see in the editor is what readers get. Rendering still passes every
page through nh3 with a short allow-list, whatever is stored.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from html import unescape

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
_URL_BREAKS = re.compile(r"[\t\n\r]")  # browsers drop these inside a URL

# `![alt](image:NAME)`: an image uploaded to the course version, named NAME.
IMAGE_REF = re.compile(r"image:([A-Za-z0-9][A-Za-z0-9._-]{0,99})")
_IMAGE_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")image:([A-Za-z0-9][A-Za-z0-9._-]{0,99})"', re.IGNORECASE)

SCRIPT_ERROR = _("Markdown may not contain scripts: remove <script> elements, on… event attributes and javascript: links.")


def check(text: str) -> None:
    """Raise ValidationError when `text` carries anything that could run in a reader's browser.

    A link's scheme is read as a browser reads it: character references decoded (`&#106;avascript:`)
    and tabs and line breaks inside it dropped (`java&#x09;script:`)."""
    as_browser_reads = _URL_BREAKS.sub("", unescape(text))
    if (_SCRIPT.search(text) or _HANDLER.search(text) or _SCRIPT_URL.search(text)
            or _SCRIPT_URL.search(as_browser_reads)):
        raise ValidationError(SCRIPT_ERROR, code="script")


def unknown_images(text: str, names: Collection[str]) -> list[str]:
    """The `image:NAME` references in `text` that name no image in `names`, each once, in order."""
    return list(dict.fromkeys(name for name in IMAGE_REF.findall(text) if name not in names))


def check_images(text: str, names: Collection[str]) -> None:
    """Raise ValidationError naming each `image:NAME` that has no uploaded image."""
    missing = unknown_images(text, names)
    if missing:
        raise ValidationError(_("There is no image named %(names)s in this version: upload it first, or correct the "
                                "name.") % {"names": ", ".join(f"“{name}”" for name in missing)}, code="image")


def render(text: str, *, shift_headings: bool = True, images: Mapping[str, str] | None = None) -> SafeString:
    """Markdown to HTML that is safe to show: only the allow-listed tags and link schemes survive.

    Headings start at h3 inside a section (the section title is the h2). With `images` (NAME ->
    Steward's own URL for it), `image:NAME` sources become those URLs and <img> is allowed with
    exactly those sources and an alt text; every other image (http:, data:, unknown names) is dropped.
    Without it, no image is shown at all (guidelines).
    """
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    if shift_headings:
        html = re.sub(r"<(/?)h([1-4])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 4)}>", html)
    tags, attributes = ALLOWED_TAGS, ALLOWED_ATTRIBUTES
    filter_attribute = None
    if images:
        urls = set(images.values())
        # Markdown has escaped the source already; the mapping is Steward's own, so its URLs are plain paths.
        html = _IMAGE_SRC.sub(lambda m: f'{m.group(1)}{images[m.group(2)]}"' if m.group(2) in images
                              else f'{m.group(1)}"', html)
        tags, attributes = tags | {"img"}, {**attributes, "img": {"src", "alt"}}

        def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
            if tag == "img" and attribute == "src":
                return value if value in urls else None
            return value

    clean = nh3.clean(html, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow", attribute_filter=filter_attribute)
    if images:
        clean = re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", clean)  # an image whose source was dropped goes too
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703  # sanitised by nh3 just above
