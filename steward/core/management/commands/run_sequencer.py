"""The audit log's sequencer: every fraction of a second it gives the committed entries their
positions and hashes, and it signs a checkpoint every minute or thousand entries.

The worker (`manage.py run_worker`) runs the same loop in a thread of its own; this command
runs it alone, for an operator who wants a dedicated process; `--once` does one round, for
tests and cron. Any number may run: they take turns on the log head's row lock."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.core import audit


class Command(BaseCommand):
    help = "Sequence and chain new audit log entries, and sign checkpoints, until stopped (or once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--interval", type=float, default=0.2, metavar="SECONDS",
                            help="pause between rounds (default 0.2)")
        parser.add_argument("--batch-size", type=int, default=1000, help="entries per transaction (default 1000)")
        parser.add_argument("--checkpoint-seconds", type=float, default=60.0,
                            help="sign a checkpoint at least this often while the log grows (default 60)")
        parser.add_argument("--checkpoint-entries", type=int, default=1000,
                            help="or after this many new entries (default 1000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0 or options["batch_size"] < 1 or options["checkpoint_seconds"] <= 0 \
                or options["checkpoint_entries"] < 1:
            raise CommandError("--interval, --batch-size, --checkpoint-seconds and --checkpoint-entries must be positive")
        step = {"batch_size": options["batch_size"],
                "checkpoint_every": timedelta(seconds=options["checkpoint_seconds"]),
                "checkpoint_entries": options["checkpoint_entries"]}
        if options["once"]:
            done = audit.sequence_and_sign(**step)
            self.stdout.write(f"Sequenced {done} audit entries")
            return
        stop = threading.Event()
        try:
            audit.run_forever(stop, interval=options["interval"], **step)
        except KeyboardInterrupt:
            stop.set()
