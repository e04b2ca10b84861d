import json
from typing import Any

from django.core.management.base import BaseCommand

from steward.core.crypto import generate_keyset_json, new_index_key


class Command(BaseCommand):
    help = "Print a new key-encryption key and index key as environment variables for a production install."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        keyset = json.dumps(json.loads(generate_keyset_json()), separators=(",", ":"))
        self.stdout.write(f"STEWARD_KEK='{keyset}'")
        self.stdout.write(f"STEWARD_INDEX_KEY='{new_index_key()}'")
        self.stderr.write("Store both in your secret manager and back them up: without them no report can be read.")
