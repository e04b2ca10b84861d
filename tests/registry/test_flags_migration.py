"""The migration that brings the screening flags: on upgrade, everyone with a record that may count is
found by screening at once, nobody else is, and everyone is indexed again (which writes their sealed
subjects; until then screening opens their names and accounts, see test_people)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from steward.registry.models import MatchKey, Person
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upgrade_flags_the_people_who_may_count_and_indexes_everyone_again(db):
    old = migrate([node for node in latest() if node[0] != "registry"] + [("registry", "0005_index_again_with_typo_keys")])
    OldPerson, OldMatchKey, OldRecord = (old.get_model("registry", name) for name in ("Person", "MatchKey", "ViolationRecord"))
    today = timezone.localdate()
    kinds = {"counting": {}, "set_aside": {"set_aside_at": timezone.now()},
             "expired": {"counts_until": today - datetime.timedelta(days=1)},
             "not_begun": {"starts_on": today + datetime.timedelta(days=5)}, "no_record": None}
    made = {}
    for kind, record in kinds.items():
        person = OldPerson.objects.create(indexed_at=timezone.now())
        OldMatchKey.objects.create(person=person, key=f"k-{kind}")
        if record is not None:
            OldRecord.objects.create(person=person, source="imported", starts_on=record.pop("starts_on", today), **record)
        made[kind] = person.pk
    migrate(latest())
    flagged = {kind for kind, pk in made.items() if MatchKey.objects.get(person_id=pk).counts}
    assert flagged == {"counting", "not_begun"}
    assert not Person.objects.filter(indexed_at__isnull=False).exists()  # the worker indexes everyone again

