"""manage.py screen FILE.csv --purpose grant: screen a CSV of applicants (name,emails,accounts[,country]).

Writes CSV to standard output, `row,result` for every row screened (`row` is the 1-based data row
of the input, `result` is clear or referred), and each row that could not be screened to standard
error with its problem; the other rows are still screened. Exits 1 when a row was not screened,
2 when the file as a whole cannot be read."""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from steward.core.access import Actor
from steward.core.actors import SystemActor
from steward.registry import screening
from steward.registry.models import Purpose, Result, Screening
from steward.registry.people import RegistryError
from steward.registry.permissions import RegistryAction


def actor(username: str | None, job: str, action: RegistryAction) -> Actor:
    """The staff member a command acts as (`--by`), or the command itself as a system actor."""
    if not username:
        return SystemActor(job, may=frozenset({action}))
    user = User.objects.filter(username=username, is_active=True, is_staff=True).first()
    if user is None:
        raise CommandError(f"No active staff member is called {username!r}.")
    return user


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Screen a CSV of applicants against the registry; prints row,result as CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--purpose", required=True, choices=Purpose.values)
        parser.add_argument("--by", help="act as this staff member (a screener); default: the command itself")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        data = read_bytes(path)
        by = actor(options["by"], "screen command", RegistryAction.SCREEN)
        try:
            done = screening.screen(screening.rows_from_csv(data), purpose=options["purpose"],
                                    channel=Screening.Channel.COMMAND, by=by)
        except RegistryError as error:
            raise CommandError(f"{path}: {error.message}") from None
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["row", "result"])
        bad = 0
        for row in done.applicants.order_by("row"):
            if row.result == Result.INVALID:
                bad += 1
                self.stderr.write(f"row {row.row}: {row.problem}")
            else:
                writer.writerow([row.row, row.result])
        if bad:
            raise SystemExit(1)
