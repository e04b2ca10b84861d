"""A PDF certificate for a passed course, in the language it was passed in.

fpdf2 writes the PDF; the text is set in the Unicode fonts of STEWARD_CERTIFICATE_FONTS (found on
the machine: DejaVu and Noto by default), shaped by HarfBuzz so that Arabic joins and reads from
right to left, with the others as fallbacks for scripts the first lacks (a learner's name may be
in any script). The certificate names the learner, the course and its version, the date passed,
until when it counts, and its number (`Completion.certificate`), which staff can look up.

Who may download one: the learner it was made for, and training coordinators; both are audited.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from steward.core import access, audit
from steward.core.access import Actor

from .models import Completion
from .permissions import TrainingAction


def fonts() -> list[Path]:
    """The certificate fonts found on this machine, first the main one."""
    return [Path(path) for path in settings.STEWARD_CERTIFICATE_FONTS if Path(path).is_file()]


@cache
def _characters(path: Path) -> frozenset[int]:
    """The code points a font has glyphs for (read once per process)."""
    font = (TTCollection(str(path), lazy=True).fonts[0] if path.suffix.lower() == ".ttc"
            else TTFont(str(path), lazy=True))
    return frozenset(font.getBestCmap() or {})


def fonts_for(text: str) -> list[Path]:
    """The main font and only the fallbacks this text needs: embedding a font costs (a CJK one, a second)."""
    found = fonts()
    if not found:
        return []
    chosen, missing = [found[0]], {ord(c) for c in text if not c.isspace()} - _characters(found[0])
    for path in found[1:]:
        if missing & _characters(path):
            chosen.append(path)
            missing -= _characters(path)
    return chosen


def completion_for(completion_id: int, *, by: Actor) -> Completion:
    """A completion the actor may see the certificate of: their own, or any for a coordinator (else Hidden)."""
    found = (Completion.objects.select_related("learner__user", "version__course")
             .filter(pk=completion_id).first())
    if found is None:
        raise access.Hidden()
    own = isinstance(by, User) and by.is_active and found.learner.user_id == by.pk
    if not own and not access.can(by, TrainingAction.DASHBOARD):
        raise access.Hidden()
    return found


def _title(completion: Completion) -> str:
    entry = completion.version.translations.filter(language=completion.language).values_list("texts", flat=True).first()
    translated = (entry or {}).get("title", {}).get("text", "")
    return str(translated or completion.version.title)


def certificate_pdf(completion: Completion, *, by: Actor, ip: str | None = None) -> bytes:
    """The PDF of one completion's certificate (checked with `completion_for`), audited."""
    user = completion.learner.user
    name = user.get_full_name().strip() or user.get_username()
    language = completion.language if completion.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        pdf = _render(name=name, course=_title(completion), version=str(completion.version.number),
                      passed=formats.date_format(timezone.localdate(completion.passed_at), "DATE_FORMAT"),
                      until=formats.date_format(completion.expires_on, "DATE_FORMAT") if completion.expires_on else "",
                      number=str(completion.certificate), rtl=translation.get_language_bidi())
    audit.record(by, "training.certificate_download", completion, ip=ip,
                 detail={"learner": completion.learner_id, "own": completion.learner.user_id == getattr(by, "pk", None)})
    return pdf


def _render(*, name: str, course: str, version: str, passed: str, until: str, number: str, rtl: bool) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_("Certificate of completion"))
    pdf.set_author(settings.STEWARD_ORGANISATION_NAME)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    texts = [settings.STEWARD_ORGANISATION_NAME, _("Certificate of completion"), _("This certifies that"), name,
             _("has passed the course"), course, version, passed, until, number]
    paths = fonts_for(" ".join(texts))
    names = [f"steward{index}" for index in range(len(paths))]
    if names:
        for font_name, path in zip(names, paths, strict=True):
            pdf.add_font(font_name, fname=str(path))
        pdf.set_font(names[0])
        pdf.set_fallback_fonts(list(names[1:]))
        if rtl or any(0x0590 <= ord(c) <= 0x1CFF for c in " ".join(texts)):  # scripts that join or reorder
            pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    else:
        pdf.set_font("Helvetica")  # no Unicode font configured: Latin-1 only (a system check warns)
    pdf.set_draw_color(60, 90, 140)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)

    def line(text: str, size: float, *, gap: float = 4) -> None:
        pdf.set_font_size(size)
        pdf.multi_cell(0, size * 0.5, text if names else text.encode("latin-1", "replace").decode("latin-1"),
                       align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    pdf.set_y(38)
    line(settings.STEWARD_ORGANISATION_NAME, 14, gap=8)
    line(_("Certificate of completion"), 30, gap=10)
    line(_("This certifies that"), 13)
    line(name, 26, gap=6)
    line(_("has passed the course"), 13)
    line(course, 18, gap=2)
    line(_("version %(version)s") % {"version": version}, 12, gap=10)
    line(_("Passed on %(date)s") % {"date": passed}, 12, gap=2)
    if until:
        line(_("Valid until %(date)s") % {"date": until}, 12, gap=2)
    pdf.set_y(pdf.h - 30)
    line(_("Certificate number %(number)s") % {"number": number}, 9, gap=0)
    return bytes(pdf.output())
