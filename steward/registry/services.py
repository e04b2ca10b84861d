from __future__ import annotations

from django.db import transaction

from steward.core import crypto
from steward.core.models import DataKey

from .models import Identity, Person, System


def _registry_key() -> DataKey:
    key = DataKey.objects.filter(purpose=DataKey.Purpose.REGISTRY, wrapped__isnull=False).order_by("pk").first()
    return key or crypto.new_data_key(DataKey.Purpose.REGISTRY)


def normalise_handle(system: str, handle: str) -> str:
    handle = handle.strip()
    if system in {System.GITHUB, System.GITLAB, System.DISCOURSE, System.SLACK}:
        handle = handle.removeprefix("@")
    return handle


def handle_index(system: str, handle: str) -> str:
    return crypto.blind_index(normalise_handle(system, handle), purpose=f"identity:{system}")


@transaction.atomic
def identify(system: str, handle: str) -> Person:
    """The person behind an account, creating both the first time the account is seen."""
    if system not in System.values:
        raise ValueError(f"unknown system {system!r}")
    handle = normalise_handle(system, handle)
    index = handle_index(system, handle)
    existing = Identity.objects.filter(system=system, handle_index=index).select_related("person").first()
    if existing:
        return existing.person
    person = Person.objects.create()
    key = _registry_key()
    Identity.objects.create(
        person=person, system=system, handle_index=index, data_key=key,
        handle_sealed=crypto.seal(key, handle, field="identity.handle"),
    )
    return person


def find_people(handle: str) -> list[int]:
    """Ids of people with an account of exactly this handle on any system (for search)."""
    indexes = [handle_index(system, handle) for system in System.values]
    return list(Identity.objects.filter(handle_index__in=indexes).values_list("person_id", flat=True).distinct())
