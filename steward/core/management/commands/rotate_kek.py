"""Rotate the key-encryption key without downtime, in three steps:

1. `rotate_kek add-key > new.json`  — the current keyset plus a new primary key.
   Deploy it as STEWARD_KEK (or the key file) to every process: old and new
   wrappings both open, new data keys are wrapped with the new key.
2. `rotate_kek rewrap`              — wrap every data key again under the new primary.
3. `rotate_kek drop-old > final.json` — the keyset without retired keys, once step 2
   left nothing wrapped under them. Deploy it; the old key can then be destroyed.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from steward.core import crypto
from steward.core.models import DataKey

BATCH = 500


class Command(BaseCommand):
    help = "Rotate the key-encryption key: add-key, rewrap, drop-old."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["add-key", "rewrap", "drop-old", "status"])

    def handle(self, *args: Any, step: str, **options: Any) -> None:
        getattr(self, step.replace("-", "_"))()

    def add_key(self) -> None:
        self.stdout.write(crypto.keyset_with_new_primary(crypto.kek_keyset_json()))

    def _pending(self) -> Any:
        return DataKey.objects.filter(wrapped__isnull=False).exclude(kek_key_id=crypto.kek_primary_id())

    def rewrap(self) -> None:
        done = 0
        while True:
            ids = list(self._pending().order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            for pk in ids:  # one short transaction per key: the site keeps running
                with transaction.atomic():
                    key = DataKey.objects.select_for_update().get(pk=pk)
                    crypto.rewrap(key)
                done += 1
        self.stdout.write(f"Re-wrapped {done} data keys under key {crypto.kek_primary_id()}.")

    def drop_old(self) -> None:
        pending = self._pending().count()
        if pending:
            raise CommandError(f"{pending} data keys are still wrapped under a retired key: run `rotate_kek rewrap` first.")
        self.stdout.write(crypto.keyset_primary_only(crypto.kek_keyset_json()))

    def status(self) -> None:
        total = DataKey.objects.filter(wrapped__isnull=False).count()
        current = total - self._pending().count()
        self.stdout.write(f"Primary key {crypto.kek_primary_id()}: {current} of {total} data keys wrapped under it.")
