"""Bring stored evidence files into the current format, in the configured evidence storage.

    manage.py reencrypt_evidence                          # rewrite files stored whole as streamed files
    manage.py reencrypt_evidence --from var/media/evidence  # moving to an object store: read the old folder
    manage.py reencrypt_evidence --dry-run                # only count what would be done

Files stored before streaming are read either way; this command lets an operator move them all,
and copies the files of an old evidence folder into a new storage (docs/operator-guide.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.reports import services


class Command(BaseCommand):
    help = "Re-encrypt evidence files stored whole into streamed files, optionally reading them from an old folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", metavar="DIR",
                            help="The old evidence folder (MEDIA_ROOT/evidence) to read files from; it is left as it is.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be done; change nothing.")

    def handle(self, *args: Any, source: str | None = None, dry_run: bool = False, **options: Any) -> None:
        source_dir = Path(source) if source else None
        if source_dir is not None and not source_dir.is_dir():
            raise CommandError(f"--from {source}: no such folder")
        done = services.reencrypt_evidence(source_dir=source_dir, dry_run=dry_run)
        verb = "Would rewrite" if dry_run else "Rewrote"
        self.stdout.write(f"{verb} {done.rewritten} file(s) stored whole; {'would copy' if dry_run else 'copied'} "
                          f"{done.copied}; {done.current} already current; {done.erased} of erased reports skipped; "
                          f"{done.missing} missing; {done.damaged} damaged.")
        if done.missing or done.damaged:
            self.stderr.write(f"{done.missing + done.damaged} evidence row(s) have no readable stored file: their ids "
                              "are in the log.")
