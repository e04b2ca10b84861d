"""Cells that are safe to open in a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix such cells with a quote)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
