"""Erase the closed cases past their retention period; print what was erased.

    manage.py purge_expired             # erase now
    manage.py purge_expired --dry-run   # only list what would be erased
    manage.py purge_expired --schedule  # make sure the worker's daily purge and session clean-up are queued
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from steward.retention import tasks
from steward.retention.purge import purge_expired


class Command(BaseCommand):
    help = "Erase closed cases past their retention period (case references and outcomes are printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be erased; change nothing.")
        parser.add_argument("--schedule", action="store_true",
                            help="Only make sure a daily purge and a daily clean-up of expired sessions "
                                 "are queued for the worker.")

    def handle(self, *args: Any, dry_run: bool = False, schedule: bool = False, **options: Any) -> None:
        if schedule:
            if not tasks.can_schedule():
                self.stdout.write("The task backend cannot run tasks later: call purge_expired and clearsessions "
                                  "daily from cron instead.")
                return
            when = tasks.ensure_scheduled()
            self.stdout.write(f"Next purge queued for {when.isoformat()}." if when else "A purge is already queued.")
            when = tasks.ensure_sessions_cleared()
            self.stdout.write(f"Next clean-up of expired sessions queued for {when.isoformat()}." if when
                              else "A clean-up of expired sessions is already queued.")
            return
        purged = purge_expired(dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        for item in purged:
            self.stdout.write(f"{verb} {item.reference} ({', '.join(item.outcomes) or 'no decision'})")
        self.stdout.write(f"{verb} {len(purged)} case(s).")
