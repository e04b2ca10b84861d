"""Erase the closed cases past their retention period; print what was erased.

    manage.py purge_expired             # erase now
    manage.py purge_expired --dry-run   # only list what would be erased

The worker (`manage.py run_worker`) runs the same purge every day (steward/retention/jobs.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from steward.retention.purge import purge_expired


class Command(BaseCommand):
    help = "Erase closed cases past their retention period (case references and outcomes are printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be erased; change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        purged = purge_expired(dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        for item in purged:
            self.stdout.write(f"{verb} {item.reference} ({', '.join(item.outcomes) or 'no decision'})")
        self.stdout.write(f"{verb} {len(purged)} case(s).")
