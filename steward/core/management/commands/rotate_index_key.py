"""Rotate the blind-index key without downtime, in three steps (like `rotate_kek`):

1. `rotate_index_key add-key`  — prints STEWARD_BLIND_INDEX_KEYS with a new current key in front
   of the current one. Deploy it to every process: new indexes are made with the new key, and
   look-ups find values made with either.
2. `rotate_index_key reindex`  — computes every stored index again under the new key, from the
   sealed value it indexes (an email address, an account handle). Rows whose data key was
   destroyed (erased cases) have nothing left to find: their index is cleared.
3. `rotate_index_key drop-old` — once step 2 left nothing under an older key, prints the setting
   with the current key alone. Deploy it; the old key can then be destroyed.

Receipt codes and form tokens are hashed under STEWARD_INDEX_KEY, which this does not rotate:
only their hashes are stored, so they cannot be hashed again, and they are random enough that
the key adds nothing to guess with. Version 1 of the blind indexes is that same key (the bare
entry "1"); dropping it from STEWARD_BLIND_INDEX_KEYS leaves it in use for those hashes only.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from steward.core import crypto

BATCH = 200


def _not_current(declaration: crypto.BlindIndex, version: int) -> Q:
    """Stored, non-empty indexes made with another key version than ``version``."""
    column = declaration.column
    made_elsewhere = (Q(**{f"{column}__startswith": "v"}) if version == 1
                      else ~Q(**{f"{column}__startswith": crypto.index_prefix(version)}))
    return made_elsewhere & ~Q(**{column: ""})


class Command(BaseCommand):
    help = "Rotate the blind-index key: add-key, reindex, drop-old (and status)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["add-key", "reindex", "drop-old", "status"])

    def handle(self, *args: Any, step: str, **options: Any) -> None:
        try:
            self.versions = crypto.parse_index_keys(settings.STEWARD_BLIND_INDEX_KEYS)
        except crypto.IndexKeyError as error:
            raise CommandError(str(error)) from None
        self.current = self.versions[0][0]
        getattr(self, step.replace("-", "_"))()

    def add_key(self) -> None:
        if len(self.versions) > 1:
            listed = ", ".join(str(version) for version, _ in self.versions)
            raise CommandError(f"A rotation is in progress (versions {listed} are configured): finish it with "
                               "`rotate_index_key reindex` and `rotate_index_key drop-old` first.")
        fresh = max(version for version, _ in self.versions) + 1
        self.stdout.write(crypto.format_index_keys([(fresh, os.urandom(32)), *self.versions]))

    def _behind(self) -> dict[str, int]:
        counts = {}
        for model, declaration in crypto.blind_index_columns():
            counts[model.__name__] = model._default_manager.filter(_not_current(declaration, self.current)).count()
        for derived in crypto.derived_indexes():
            counts[derived.name] = derived.behind(self.current)
        return counts

    def reindex(self) -> None:
        done, cleared, failed = 0, 0, []
        for model, declaration in crypto.blind_index_columns():
            rows = model._default_manager.filter(_not_current(declaration, self.current))
            last = 0
            while True:
                ids = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
                if not ids:
                    break
                last = ids[-1]
                with transaction.atomic():  # one short transaction per batch: the site keeps running
                    locked = (model._default_manager.select_for_update().filter(pk__in=ids)
                              .select_related("__".join(declaration.key_path)).order_by("pk"))
                    for row in locked:
                        try:
                            index = declaration.current(row)
                        except crypto.SealError:
                            failed.append(f"{model.__name__} {row.pk}")
                            continue
                        # An update of the one column: no other column, and no save hooks, are touched.
                        model._default_manager.filter(pk=row.pk).update(**{declaration.column: index})
                        done += 1
                        cleared += index == ""
        for derived in crypto.derived_indexes():
            rebuilt = derived.rebuild(self.current)
            self.stdout.write(f"{derived.name}: rebuilt {rebuilt} under index key version {self.current}.")
        self.stdout.write(f"Re-indexed {done} values under index key version {self.current}; "
                          f"{cleared} of them belonged to rows whose data key was destroyed and were cleared.")
        if failed:
            raise CommandError(f"{len(failed)} sealed values did not open and keep their old index: "
                               f"{', '.join(failed[:20])}. Nothing else was left behind.")

    def drop_old(self) -> None:
        if len(self.versions) == 1:
            raise CommandError(f"Only index key version {self.current} is configured: there is no older key to drop.")
        behind = {name: count for name, count in self._behind().items() if count}
        if behind:
            listed = ", ".join(f"{name}: {count}" for name, count in behind.items())
            raise CommandError(f"{sum(behind.values())} stored indexes still use an older key ({listed}): "
                               "run `rotate_index_key reindex` first.")
        self.stdout.write(crypto.format_index_keys(self.versions[:1]))

    def status(self) -> None:
        listed = ", ".join(str(version) for version, _ in self.versions)
        self.stdout.write(f"Index key versions configured: {listed} (current {self.current}).")
        for name, count in self._behind().items():
            self.stdout.write(f"{name}: {count} stored indexes under an older key.")
