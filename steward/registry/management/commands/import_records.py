"""manage.py import_records FILE.csv: import HR or Legal violation records.

Columns id,name,aliases,emails,accounts (aliases and emails separated by ";", accounts as
system:handle separated by ";"), optionally level,starts,ends (YYYY-MM-DD). Every row is checked
first; one bad row imports nothing, and every bad row is listed. Imported records are restricted."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from steward.registry import records
from steward.registry.people import RegistryError
from steward.registry.permissions import RegistryAction

from .screen import actor, read_bytes


class Command(BaseCommand):
    help = "Import violation records from CSV (all rows or none)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", help="act as this staff member (HR or Legal); default: the command itself")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        data = read_bytes(path)
        by = actor(options["by"], "import_records command", RegistryAction.ENTER_RECORDS)
        try:
            report = records.import_records(data, by=by)
        except RegistryError as error:
            raise CommandError(f"{path}: {error.message}") from None
        if report.errors:
            for row, problem in report.errors:
                self.stderr.write(f"row {row}: {problem}")
            raise CommandError(f"Nothing imported: {len(report.errors)} row(s) refused.")
        self.stdout.write(f"{report.imported} record(s) imported.")
