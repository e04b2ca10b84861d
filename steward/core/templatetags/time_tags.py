"""Dates and times for staff pages: in the interface language's format, with the time zone named."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import dateformat, formats, timezone

register = template.Library()


@register.filter
def when(value: datetime | date | None, format_name: str = "SHORT_DATETIME_FORMAT") -> str:
    """`{{ case.due_at|when }}` → "12/01/2026 2:05 p.m. UTC" in English, "01.12.2026 14:05 UTC" in German."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return formats.date_format(value, "SHORT_DATE_FORMAT" if format_name == "SHORT_DATETIME_FORMAT" else "DATE_FORMAT")
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.date_format(local, format_name)} {dateformat.format(local, 'T')}"
