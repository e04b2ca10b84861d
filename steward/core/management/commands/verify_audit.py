"""Recompute the audit log's hash chain: `manage.py verify_audit` exits with 1 when an
entry was edited, removed or reordered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from steward.core import audit
from steward.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check that no audit log entry was edited, removed or reordered."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = audit.verify()
        if problems:
            listing = "\n".join(f"  - {problem}" for problem in problems)
            raise CommandError(f"Audit log broken: {len(problems)} problem(s)\n{listing}", returncode=1)
        self.stdout.write(f"Audit log intact: {AuditEntry.objects.count()} entries")
