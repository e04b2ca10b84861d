"""People and their accounts: one person per account, handles sealed, found by blind index."""

from __future__ import annotations

import pytest
import tink
from django.db import connection

from steward.core import crypto
from steward.core.models import DataKey
from steward.registry import services
from steward.registry.models import Identity, Person, System


def test_the_same_handle_is_the_same_person(db):
    first = services.identify(System.GITHUB, "alice")
    assert services.identify(System.GITHUB, "alice") == first
    assert Person.objects.count() == 1
    assert Identity.objects.count() == 1


@pytest.mark.parametrize("variant", ["Alice", "ALICE", "  alice  ", "@alice", "@Alice "])
def test_handles_match_whatever_their_case_spaces_or_at_sign(db, variant):
    person = services.identify(System.GITHUB, "alice")
    assert services.identify(System.GITHUB, variant) == person
    assert Identity.objects.count() == 1


@pytest.mark.parametrize("system", [System.GITHUB, System.GITLAB, System.DISCOURSE, System.SLACK])
def test_at_prefix_is_stripped_where_it_is_not_part_of_the_name(db, system):
    person = services.identify(system, "@bob")
    assert services.identify(system, "bob") == person
    assert Identity.objects.get().handle == "bob"


def test_matrix_handles_keep_their_at_sign(db):
    person = services.identify(System.MATRIX, "@carol:example.org")
    assert Identity.objects.get(person=person).handle == "@carol:example.org"
    assert services.identify(System.MATRIX, "carol:example.org") != person


def test_the_same_handle_on_another_system_is_another_person(db):
    on_github = services.identify(System.GITHUB, "alice")
    on_gitlab = services.identify(System.GITLAB, "alice")
    on_slack = services.identify(System.SLACK, "alice")
    assert len({on_github.pk, on_gitlab.pk, on_slack.pk}) == 3
    assert Identity.objects.filter(handle_index=services.handle_index(System.GITHUB, "alice")).count() == 1


def test_different_handles_are_different_people(db):
    assert services.identify(System.GITHUB, "alice") != services.identify(System.GITHUB, "alicia")


def test_the_handle_is_stored_sealed(db):
    person = services.identify(System.GITHUB, "@Handle-Canary-42")
    identity = Identity.objects.get(person=person)
    assert identity.handle == "Handle-Canary-42"
    assert identity.data_key.purpose == DataKey.Purpose.REGISTRY
    assert identity.handle_index == crypto.blind_index("Handle-Canary-42", purpose="identity:github")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_identity")
        rows = cursor.fetchall()
    raw = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for row in rows for v in row)
    assert b"canary" not in raw.lower()


def test_the_handle_opens_only_as_a_handle(db):
    identity = Identity.objects.get(person=services.identify(System.GITHUB, "dave"))
    with pytest.raises(tink.TinkError):
        crypto.unseal(identity.data_key, identity.handle_sealed, field="case.note")


def test_identities_share_one_registry_key(db):
    services.identify(System.GITHUB, "one")
    services.identify(System.SLACK, "two")
    assert Identity.objects.values("data_key").distinct().count() == 1
    assert DataKey.objects.filter(purpose=DataKey.Purpose.REGISTRY).count() == 1


def test_a_destroyed_registry_key_is_replaced_for_new_identities(db):
    services.identify(System.GITHUB, "one")
    old_key = Identity.objects.get().data_key
    crypto.destroy(old_key)
    person = services.identify(System.GITHUB, "two")
    new_identity = Identity.objects.get(person=person)
    assert new_identity.data_key_id != old_key.pk
    assert new_identity.handle == "two"


def test_unknown_systems_are_refused(db):
    with pytest.raises(ValueError, match="unknown system"):
        services.identify("myspace", "tom")
    assert not Person.objects.exists()


def test_find_people_searches_every_system(db):
    github = services.identify(System.GITHUB, "erin")
    slack = services.identify(System.SLACK, "Erin")
    services.identify(System.GITHUB, "erinn")
    assert sorted(services.find_people("erin")) == sorted([github.pk, slack.pk])
    assert sorted(services.find_people("@ERIN")) == sorted([github.pk, slack.pk])
    assert services.find_people("eri") == []


def test_normalise_handle(db):
    assert services.normalise_handle(System.GITHUB, "  @x ") == "x"
    assert services.normalise_handle(System.MATRIX, " @x:y ") == "@x:y"
    assert services.normalise_handle(System.MAILING_LIST, " a@b.org ") == "a@b.org"
