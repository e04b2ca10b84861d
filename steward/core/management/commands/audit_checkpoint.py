"""Print the audit log's latest signed checkpoint, for operators to keep outside Steward
(a file, an email, a log service): `manage.py verify_audit --checkpoint FILE` then proves
that no entry up to it was changed and that the log was not cut short."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.core import audit, signing


class Command(BaseCommand):
    help = "Print the latest signed checkpoint of the audit log (or sign a fresh one with --now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true",
                            help="sequence the waiting entries and sign a checkpoint of the log as it is now")
        parser.add_argument("--public-key", action="store_true",
                            help="print the public keyset that verifies checkpoints instead (safe to publish)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public_key"]:
            self.stdout.write(signing.public_keyset_json())
            return
        if options["now"]:
            while audit.sequence() > 0:
                pass
            checkpoint: audit.Checkpoint | None = audit.sign_checkpoint()
        else:
            checkpoint = audit.latest_checkpoint()
        if checkpoint is None:
            raise CommandError("No checkpoint signed yet: run `manage.py run_worker` or pass --now", returncode=1)
        self.stdout.write(checkpoint.to_json())
