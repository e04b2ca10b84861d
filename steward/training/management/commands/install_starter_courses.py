"""Install Steward's two starter courses (published 1.0 with their translations); run it again
and it changes nothing: a course whose short name exists is left as it is."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from steward.training import starter


class Command(BaseCommand):
    help = "Install the starter training courses that are not installed yet (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = starter.install()
        for course in created:
            languages = sorted(course.versions.get().translations.values_list("language", flat=True))
            self.stdout.write(f"Installed the starter course “{course.slug}” (1.0; translations: "
                              f"{', '.join(languages) or 'none'}).")
        if not created:
            self.stdout.write("The starter courses are installed already.")
