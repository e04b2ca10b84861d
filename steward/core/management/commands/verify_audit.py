"""Recompute the audit log's hash chain: `manage.py verify_audit` exits with 1 when an
entry was edited, removed or reordered, when the log no longer reaches a kept checkpoint
(`--checkpoint FILE`: cut short or rewritten), or when entries wait too long for the sequencer."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.core import audit
from steward.core.models import AuditEntry


class Command(BaseCommand):
    help = ("Check that no audit log entry was edited, removed or reordered; with --checkpoint, also that "
            "the log still reaches that signed checkpoint unchanged.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", metavar="FILE",
                            help="a checkpoint printed by `manage.py audit_checkpoint` and kept outside Steward")
        parser.add_argument("--public-key", metavar="FILE",
                            help="the public keyset to check the checkpoint's signature with "
                                 "(default: the public half of the configured signing key)")
        parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                            help="processes that recompute the chain in parallel, for large logs "
                                 "(default: the CPUs, at most 4)")
        parser.add_argument("--unsequenced-after", type=float, default=60.0, metavar="SECONDS",
                            help="report entries still without a position after this long (default 60)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["unsequenced_after"] <= 0:
            raise CommandError("--unsequenced-after must be a positive number of seconds")
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        jobs = options["jobs"]
        checkpoint = None
        if options["checkpoint"]:
            try:
                checkpoint = audit.Checkpoint.from_json(self._read(options["checkpoint"], "checkpoint"))
            except audit.CheckpointError as error:
                raise CommandError(f"{options['checkpoint']}: {error}", returncode=2) from error
        public_keyset = self._read(options["public_key"], "public key") if options["public_key"] else None

        problems = (audit.verify_checkpoint(checkpoint, public_keyset=public_keyset, jobs=jobs)
                    if checkpoint is not None else audit.verify(jobs=jobs))
        waiting = audit.unsequenced_older_than(timedelta(seconds=options["unsequenced_after"]))
        if waiting:
            problems.append(f"{waiting} entries without a position for more than {options['unsequenced_after']:g} s "
                            "(is `manage.py run_worker` running?)")
        if problems:
            listing = "\n".join(f"  - {problem}" for problem in problems)
            raise CommandError(f"Audit log broken: {len(problems)} problem(s)\n{listing}", returncode=1)
        sequenced = AuditEntry.objects.filter(seq__isnull=False).count()
        unsequenced = AuditEntry.objects.filter(seq__isnull=True).count()
        line = f"Audit log intact: {sequenced} entries"
        if checkpoint is not None:
            line += f", checkpoint at {checkpoint.size} ({checkpoint.signed_at.isoformat()}) holds"
        if unsequenced:
            line += f"; {unsequenced} newer entries waiting for the sequencer"
        self.stdout.write(line)

    @staticmethod
    def _read(path: str, what: str) -> str:
        try:
            return Path(path).read_text()
        except OSError as error:
            raise CommandError(f"Cannot read the {what} file {path}: {error.strerror}", returncode=2) from error
