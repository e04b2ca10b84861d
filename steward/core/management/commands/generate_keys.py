import json
from typing import Any

from django.core.management.base import BaseCommand

from steward.core.crypto import generate_keyset_json, new_index_key
from steward.core.signing import generate_signing_keyset_json


class Command(BaseCommand):
    help = "Print a new key-encryption key, index key and audit signing key as environment variables for a production install."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        keyset = json.dumps(json.loads(generate_keyset_json()), separators=(",", ":"))
        self.stdout.write(f"STEWARD_KEK='{keyset}'")
        self.stdout.write(f"STEWARD_INDEX_KEY='{new_index_key()}'")
        signing_keyset = json.dumps(json.loads(generate_signing_keyset_json()), separators=(",", ":"))
        self.stdout.write(f"STEWARD_AUDIT_SIGNING_KEY='{signing_keyset}'")
        self.stderr.write("Store them in your secret manager and back them up: without the first two no report can be "
                          "read; keep the audit signing key away from the database's backups.")
