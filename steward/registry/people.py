"""People in the registry: their names and identities, the links staff make between them, and
the screening index (MatchKey) built from both.

Linking moves an identity to a person (an account found to be theirs); unlinking gives it a
person of its own. Both need a reason, kept sealed in IdentityChange and counted in the audit
log. A person is indexed again whenever their names or identities change, so a screening sees a
change at once; people nobody has changed yet (a reporter's account seen at intake) are indexed
by the worker's `registry.index` job, so filing a report does no indexing work.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Prefetch, ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, crypto
from steward.core.access import Actor
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import matching
from .models import Identity, IdentityChange, MatchKey, Person, PersonName, System, ViolationRecord
from .permissions import RegistryAction

INDEX_PURPOSE = "screening"
MAX_NAME = 300
INDEX_BATCH = 500


class RegistryError(DomainError):
    """A refused registry change, naming the form field it belongs to."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def registry_key() -> DataKey:
    return crypto.shared_key(DataKey.Purpose.REGISTRY)


def with_details() -> list[Any]:
    """What opening people for scoring needs, in two queries whatever their number."""
    return [Prefetch("names", PersonName.objects.select_related("data_key")),
            Prefetch("identities", Identity.objects.select_related("data_key"))]


def subject_of(person: Person) -> matching.Subject:
    """The person as the matcher sees them (opens their sealed names and handles)."""
    return matching.Subject(
        names=tuple(name.name for name in person.names.all()),
        identifiers=tuple(matching.Identifier(identity.system, identity.handle) for identity in person.identities.all()))


def stored_keys(subject: matching.Subject) -> set[str]:
    return {crypto.blind_index(key, purpose=INDEX_PURPOSE) for key in matching.index_keys(subject)}


def lookup_keys(subject: matching.Subject) -> set[str]:
    """Every blind index an applicant's keys may be stored under, while an index-key rotation runs too."""
    return {index for key in matching.query_keys(subject) for index in crypto.blind_indexes(key, purpose=INDEX_PURPOSE)}


SUBJECT_FIELD = "person.subject"


def _sealed_subject(key: DataKey, person_id: int, subject: matching.Subject) -> bytes:
    text = json.dumps({"names": subject.names, "ids": [[i.system, i.value] for i in subject.identifiers]},
                      ensure_ascii=False)
    return crypto.seal(key, text, field=SUBJECT_FIELD, row=str(person_id))


def _opened_subject(key: DataKey, person_id: int, blob: bytes | memoryview) -> matching.Subject:
    opened = json.loads(crypto.unseal(key, blob, field=SUBJECT_FIELD, row=str(person_id)))
    return matching.Subject(names=tuple(opened["names"]),
                            identifiers=tuple(matching.Identifier(system, value) for system, value in opened["ids"]))


def _may_count(person_ids: Iterable[int]) -> set[int]:
    return set(ViolationRecord.objects.may_count().filter(person_id__in=list(person_ids))
               .values_list("person_id", flat=True))


def reindex(people: Sequence[Person]) -> None:
    """Replace these people's keys in the screening index (their names and identities prefetched), each
    key flagged when the person has a record that may count, and their sealed subjects for scoring."""
    now, key = timezone.now(), registry_key()
    counting = _may_count(person.pk for person in people)
    subjects = {person.pk: subject_of(person) for person in people}
    MatchKey.objects.filter(person__in=people).delete()
    MatchKey.objects.bulk_create([MatchKey(person=person, key=index, counts=person.pk in counting)
                                  for person in people for index in sorted(stored_keys(subjects[person.pk]))])
    for person in people:
        person.indexed_at, person.subject_key = now, key
        person.subject_sealed = _sealed_subject(key, person.pk, subjects[person.pk])
    Person.objects.bulk_update(people, ["indexed_at", "subject_key", "subject_sealed"])


def refresh_counting(person_ids: Iterable[int] | None = None) -> int:
    """Make these people's key flags (everyone's: the daily check, as time ends records' counting) agree
    with their records, after a record was set aside or expired; returns how many keys it changed."""
    keys = MatchKey.objects.all() if person_ids is None else MatchKey.objects.filter(person_id__in=list(person_ids))
    may = ViolationRecord.objects.may_count().values("person_id")
    return (keys.filter(counts=True).exclude(person_id__in=may).update(counts=False)
            + keys.filter(counts=False, person_id__in=may).update(counts=True))


def index_pending(batch: int = INDEX_BATCH) -> int:
    """The worker's job: index people not indexed yet, a batch at a time. Returns how many."""
    done = 0
    while True:
        with transaction.atomic():
            people = list(Person.objects.select_for_update(skip_locked=True).filter(indexed_at__isnull=True)
                          .order_by("pk").prefetch_related(*with_details())[:batch])
            if not people:
                return done
            reindex(people)
        done += len(people)


def _under_another_version(version: int) -> Q:
    return Q(key__startswith="v") if version == 1 else ~Q(key__startswith=crypto.index_prefix(version))


def keys_behind(version: int) -> int:
    """People with screening keys under another blind-index key version (rotate_index_key status)."""
    return MatchKey.objects.filter(_under_another_version(version)).values("person_id").distinct().count()


def rebuild_keys(version: int, batch: int = INDEX_BATCH) -> int:
    """Index again, under the current key, everyone with keys under another version (rotate_index_key reindex)."""
    done = 0
    while True:
        with transaction.atomic():
            ids = list(MatchKey.objects.filter(_under_another_version(version)).order_by("person_id")
                       .values_list("person_id", flat=True).distinct()[:batch])
            if not ids:
                return done
            reindex(list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                         .prefetch_related(*with_details())))
        done += len(ids)


def _reindex_one(person: Person) -> None:
    reindex([Person.objects.prefetch_related(*with_details()).get(pk=person.pk)])


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise RegistryError("reason", _("Say why: the reason is kept with the change."))
    return reason


def _changed(person: Person, change: IdentityChange.Change, *, system: str = "", by: Actor, reason: str) -> None:
    row = IdentityChange(person=person, change=change, system=system, data_key=registry_key(),
                         by=by if isinstance(by, User) else None)
    row.reason = reason
    row.save(force_insert=True)


def forget_people(person_ids: Iterable[int]) -> int:
    """Delete these people with their accounts (an erasure: nobody refers to them any more).
    A person still referenced elsewhere (a case, a decision, a staff member's linked account) is
    kept: the reference wins. Returns how many were deleted."""
    deleted = 0
    for person in Person.objects.filter(pk__in=list(person_ids)).order_by("pk"):
        try:
            with transaction.atomic():
                person.delete()
        except (ProtectedError, IntegrityError):
            continue
        deleted += 1
    return deleted


def normalise_handle(system: str, handle: str) -> str:
    handle = handle.strip()
    if system in {System.GITHUB, System.GITLAB, System.DISCOURSE, System.SLACK}:
        handle = handle.removeprefix("@")
    return handle


def handle_index(system: str, handle: str) -> str:
    """The index to store for an account, under the current index key."""
    return crypto.blind_index(normalise_handle(system, handle), purpose=f"identity:{system}")


def handle_indexes(system: str, handle: str) -> list[str]:
    """Every index the account may be stored under while an index-key rotation runs: for look-ups."""
    return crypto.blind_indexes(normalise_handle(system, handle), purpose=f"identity:{system}")


@transaction.atomic
def identify(system: str, handle: str) -> Person:
    """The person behind an account, creating both the first time the account is seen."""
    if system not in System.values:
        raise ValueError(f"unknown system {system!r}")
    existing = identity_of(system, handle)
    if existing:
        return existing.person
    person = Person.objects.create()
    new_identity(person, system, handle)
    return person


def new_identity(person: Person, system: str, handle: str) -> Identity:
    """An account the registry does not know yet, as this person's."""
    handle = normalise_handle(system, handle)
    identity = Identity(person=person, system=system, handle_index=handle_index(system, handle), data_key=registry_key())
    identity.handle = handle
    identity.save(force_insert=True)
    return identity


def identity_of(system: str, handle: str) -> Identity | None:
    return (Identity.objects.filter(system=system, handle_index__in=handle_indexes(system, normalise_handle(system, handle)))
            .select_related("person").first())


def check_account(system: str, handle: str, *, field: str = "handle") -> str:
    if system not in System.values:
        raise RegistryError("system", _("Choose one of the systems in the list."))
    handle = handle.strip()
    if not handle:
        raise RegistryError(field, _("Give the account name or address."))
    if len(handle) > MAX_NAME:
        raise RegistryError(field, _("An account name is at most %(limit)s characters.") % {"limit": MAX_NAME})
    if system == System.MAILING_LIST and matching.email_form(handle) is None:
        raise RegistryError(field, _("“%(value)s” is not an email address.") % {"value": handle[:80]})
    return handle


@transaction.atomic
def link_identity(person: Person, *, system: str, handle: str, reason: str, by: Actor,
                  ip: str | None = None) -> Identity:
    """The account is this person's: an account the registry knows moves here from its person,
    a new one is added. A staff member's own account is never moved (conflicts rest on it)."""
    access.require(by, RegistryAction.PEOPLE)
    handle, reason = check_account(system, handle), _reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    identity = identity_of(system, handle)
    if identity is not None and identity.person_id == person.pk:
        raise RegistryError("handle", _("This account is already linked to this person."))
    if identity is not None and hasattr(identity, "staff_account"):
        raise RegistryError("handle", _("This account is a staff member's own: it cannot be moved."))
    if identity is None:
        identity, moved_from = new_identity(person, system, handle), None
    else:
        moved_from = identity.person
        identity.person = person
        identity.save(update_fields=["person"])
    _changed(person, IdentityChange.Change.LINKED, system=system, by=by, reason=reason)
    audit.record(by, "registry.identity_link", person, ip=ip, detail={
        "system": system, "identity": identity.pk, "from_person": moved_from.pk if moved_from else None})
    _reindex_one(person)
    if moved_from is not None:
        _changed(moved_from, IdentityChange.Change.UNLINKED, system=system, by=by, reason=reason)
        _reindex_one(moved_from)
    return identity


@transaction.atomic
def unlink_identity(identity: Identity, *, reason: str, by: Actor, ip: str | None = None) -> Person:
    """The account is not this person's after all: it gets a person of its own."""
    access.require(by, RegistryAction.PEOPLE)
    reason = _reason(reason)
    identity = Identity.objects.select_for_update().select_related("person").get(pk=identity.pk)
    person = identity.person
    if person.identities.count() + person.names.count() <= 1:
        raise RegistryError("reason", _("This is all the registry knows of this person: nothing to unlink it from."))
    alone = Person.objects.create()
    identity.person = alone
    identity.save(update_fields=["person"])
    _changed(person, IdentityChange.Change.UNLINKED, system=identity.system, by=by, reason=reason)
    _changed(alone, IdentityChange.Change.UNLINKED, system=identity.system, by=by, reason=reason)
    audit.record(by, "registry.identity_unlink", person, ip=ip,
                 detail={"system": identity.system, "identity": identity.pk, "to_person": alone.pk})
    _reindex_one(person)
    _reindex_one(alone)
    return alone


def check_name(name: str, *, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise RegistryError(field, _("Give the name."))
    if len(name) > MAX_NAME:
        raise RegistryError(field, _("A name is at most %(limit)s characters.") % {"limit": MAX_NAME})
    return name


def put_name(person: Person, name: str, kind: str) -> PersonName | None:
    """Add a checked name unless the person already has it; for the services that call it."""
    if any(existing.name.casefold() == name.casefold()
           for existing in PersonName.objects.filter(person=person).select_related("data_key")):
        return None
    row = PersonName(person=person, kind=kind, data_key=registry_key())
    row.name = name
    row.save(force_insert=True)
    return row


@transaction.atomic
def add_name(person: Person, *, name: str, kind: str, reason: str, by: Actor, ip: str | None = None) -> PersonName:
    access.require(by, RegistryAction.PEOPLE)
    name, reason = check_name(name), _reason(reason)
    if kind not in PersonName.Kind.values:
        raise RegistryError("kind", _("Choose whether this is a name or an alias."))
    row = put_name(person, name, kind)
    if row is None:
        raise RegistryError("name", _("This person already has this name."))
    _changed(person, IdentityChange.Change.NAME_ADDED, by=by, reason=reason)
    audit.record(by, "registry.name_add", person, ip=ip, detail={"name": row.pk, "kind": kind})
    _reindex_one(person)
    return row


@transaction.atomic
def remove_name(row: PersonName, *, reason: str, by: Actor, ip: str | None = None) -> None:
    access.require(by, RegistryAction.PEOPLE)
    reason = _reason(reason)
    person = row.person
    _changed(person, IdentityChange.Change.NAME_REMOVED, by=by, reason=reason)
    audit.record(by, "registry.name_remove", person, ip=ip, detail={"name": row.pk})
    row.delete()
    _reindex_one(person)


@dataclass(frozen=True)
class Suggestion:
    """Another person the registry finds likely to be this one, for a human to confirm."""

    person: Person
    match: matching.Match


# People taken from one index key, those with the lowest ids first. A key very many people share (a frequent
# first and family name) says little on its own: without a cap, one such key would bring hundreds of people
# to rank for every applicant who has it. The people an applicant really is share rarer keys as well.
PER_KEY = 30


def candidates(subjects: Sequence[matching.Subject], *, counting: bool = False,
               among: QuerySet[Any, Any] | None = None, limit: int = 20, per_key: int = PER_KEY) -> list[dict[int, int]]:
    """For each subject, the people whose index keys its keys hit (person id → keys hit), best first, at most
    `limit`. Best: each key hit weighs one over the people found under it (an email only one person has
    outweighs a name thirty share), then the most keys, then the lowest id. At most `per_key` people are
    taken from each key. `counting`: only people whose records may count (the keys' flag); `among`
    restricts the people further (e.g. those with any record). Both apply before the cap."""
    wanted = [lookup_keys(subject) for subject in subjects]
    if not any(wanted):
        return [{} for _ in subjects]
    if connection.vendor == "postgresql":
        return _candidates_in_postgresql(wanted, counting, among, limit, per_key)
    hits = MatchKey.objects.filter(key__in=set().union(*wanted))
    if counting:
        hits = hits.filter(counts=True)
    if among is not None:
        hits = hits.filter(person_id__in=among)
    by_key: dict[str, list[int]] = {}
    for key, person in hits.order_by("key", "person_id").values_list("key", "person_id"):
        people = by_key.setdefault(key, [])
        if len(people) < per_key:
            people.append(person)
    found: list[dict[int, int]] = []
    for keys in wanted:
        counts: dict[int, list[float]] = {}
        for key in keys:
            people = by_key.get(key, [])
            for person in people:
                tally = counts.setdefault(person, [0, 0.0])
                tally[0] += 1
                tally[1] += 1 / len(people)
        ranked = sorted(counts.items(), key=lambda item: (-round(item[1][1], 9), -item[1][0], item[0]))
        found.append({person: int(tally[0]) for person, tally in ranked[:limit]})
    return found


@lru_cache(maxsize=2)
def _counting_records_sql(today: datetime.date) -> tuple[str, tuple[Any, ...]]:
    """The records that count on that day, by the ORM's own definition, as SQL: compiled once a day, not
    on every screening (building the query cost more than running it)."""
    return ViolationRecord.objects.counting(today).order_by().values("person_id", "id").query.sql_with_params()


def _candidates_in_postgresql(wanted: list[set[str]], counting: bool, among: QuerySet[Any, Any] | None, limit: int,
                              per_key: int, counted: bool = False) -> list[dict[int, Any]]:
    """`candidates` in one query: each distinct key read from the (key, person) index (the partial one of
    flagged keys when `counting`) up to the cap, the hits weighed and ranked per subject in the database, so
    only the chosen people come back. The weights are summed as floats (numeric division per hit cost more
    than the rest of the query) and rounded per person, as the SQLite path rounds them. `counted`: of the
    chosen, only those with a record that counts today, each as a `Counted` (`counting_candidates`)."""
    subjects = [number for number, keys in enumerate(wanted) for _key in keys]
    keys = [key for found in wanted for key in found]
    restrict, params = "AND m.counts" if counting else "", []
    if among is not None:
        among_sql, among_params = among.order_by().query.sql_with_params()  # a subquery needs no order
        restrict, params = f"{restrict} AND m.person_id IN ({among_sql})", list(among_params)
    sql = f"""
        WITH asked(subject, key) AS (SELECT * FROM unnest(%s::int[], %s::text[])),
        hit AS MATERIALIZED (  -- each key's people, read once (OFFSET 0: not again for each use of the array)
            SELECT key, people, 1.0::float8 / cardinality(people) AS weight FROM (
                SELECT d.key, ARRAY(SELECT m.person_id FROM {MatchKey._meta.db_table} m WHERE m.key = d.key {restrict}
                                    ORDER BY m.person_id LIMIT %s) AS people
                FROM (SELECT DISTINCT key FROM asked) d OFFSET 0) found
            WHERE cardinality(people) > 0),
        counted AS (
            SELECT a.subject, u.person_id, count(*) AS keys, round(sum(h.weight)::numeric, 9) AS weight
            FROM asked a JOIN hit h ON h.key = a.key CROSS JOIN LATERAL unnest(h.people) AS u(person_id)
            GROUP BY a.subject, u.person_id),
        ranked AS (
            SELECT subject, person_id, keys,
                   row_number() OVER (PARTITION BY subject ORDER BY weight DESC, keys DESC, person_id) AS place
            FROM counted),
        chosen AS (SELECT subject, person_id, keys, place FROM ranked WHERE place <= %s)"""  # noqa: S608  # nosec B608
    params = [subjects, keys, *params, per_key, limit]
    if not counted:
        sql += " SELECT subject, person_id, keys FROM chosen ORDER BY subject, place"
    else:  # the records that count today, by the ORM's own definition, and the sealed subject to score
        records_sql, records_params = _counting_records_sql(timezone.localdate())
        sql += f"""
        SELECT c.subject, c.person_id, c.keys, r.ids, p.subject_sealed, k.id, k.purpose, k.wrapped
        FROM chosen c CROSS JOIN LATERAL (
            SELECT array_agg(v.id ORDER BY v.id) AS ids FROM ({records_sql}) v WHERE v.person_id = c.person_id) r
        CROSS JOIN LATERAL (  -- one row by its key; OFFSET 0 keeps it a look-up, not a scan of every person
            SELECT subject_sealed, subject_key_id FROM {Person._meta.db_table} WHERE id = c.person_id OFFSET 0) p
        LEFT JOIN {DataKey._meta.db_table} k ON k.id = p.subject_key_id
        WHERE r.ids IS NOT NULL ORDER BY c.subject, c.place"""  # noqa: S608  # nosec B608
        params += records_params
    found: list[dict[int, Any]] = [{} for _ in wanted]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not counted:
            for subject, person, hits in cursor.fetchall():
                found[subject][person] = hits
            return found
        subject_key = _SubjectKeys()
        for subject, person, hits, records, sealed, key_id, purpose, wrapped in cursor.fetchall():
            found[subject][person] = Counted(hits, tuple(records), sealed, subject_key(key_id, purpose, wrapped))
    return found


class _SubjectKeys:
    """The keys of sealed subjects, from the columns unsealing reads (fetched with the candidates), each
    built once: one key seals nearly every subject."""

    def __init__(self) -> None:
        self.built: dict[int, DataKey] = {}

    def __call__(self, pk: int | None, purpose: str, wrapped: bytes | memoryview | None) -> DataKey | None:
        if pk is None:
            return None
        if pk not in self.built:
            self.built[pk] = DataKey.from_db(DataKey.objects.db, ["id", "purpose", "wrapped"], [pk, purpose, wrapped])
        return self.built[pk]


@dataclass(frozen=True)
class Counted:
    """A screening candidate: the index keys shared with the applicant, the ids of their records that count
    today, and their sealed subject with its key (None until the index takes them in after an upgrade)."""

    keys: int
    records: tuple[int, ...]
    subject_sealed: bytes | memoryview | None = None
    subject_key: DataKey | None = None


def counting_candidates(subjects: Sequence[matching.Subject], *, limit: int = 20,
                        per_key: int = PER_KEY) -> list[dict[int, Counted]]:
    """`candidates` among the people whose records may count (the keys' flag), kept to those with a record
    that counts today (a flagged record may not have begun yet, or may have ended today): one query on
    PostgreSQL, which also brings their records' ids and sealed subjects."""
    if connection.vendor == "postgresql":
        wanted = [lookup_keys(subject) for subject in subjects]
        if not any(wanted):
            return [{} for _ in subjects]
        return _candidates_in_postgresql(wanted, True, None, limit, per_key, counted=True)
    hits = candidates(subjects, counting=True, limit=limit, per_key=per_key)
    records: dict[int, list[int]] = {}
    chosen = {person for found in hits for person in found}
    for pk, person in ViolationRecord.objects.counting().filter(person_id__in=chosen).order_by("pk").values_list("pk", "person_id"):
        records.setdefault(person, []).append(pk)
    subject_key = _SubjectKeys()
    sealed = {pk: (blob, subject_key(key, purpose, wrapped)) for pk, blob, key, purpose, wrapped in
              Person.objects.filter(pk__in=records).values_list(
                  "pk", "subject_sealed", "subject_key_id", "subject_key__purpose", "subject_key__wrapped")}
    return [{person: Counted(keys, tuple(records[person]), *sealed[person]) for person, keys in found.items()
             if person in records} for found in hits]


def open_people(person_ids: Iterable[int]) -> dict[int, matching.Subject]:
    """People as the matcher sees them (their sealed names and handles opened), in two queries whatever
    their number, for scoring: the same as `subject_of` without loading the people themselves."""
    ids = list(person_ids)
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    accounts: dict[int, list[matching.Identifier]] = {pk: [] for pk in ids}
    for name in PersonName.objects.filter(person_id__in=ids).select_related("data_key").order_by("kind", "pk"):
        names[name.person_id].append(name.name)
    for identity in Identity.objects.filter(person_id__in=ids).select_related("data_key").order_by("pk"):
        accounts[identity.person_id].append(matching.Identifier(identity.system, identity.handle))
    return {pk: matching.Subject(names=tuple(names[pk]), identifiers=tuple(accounts[pk])) for pk in ids}


def screening_subjects(found: dict[int, Counted]) -> dict[int, matching.Subject]:
    """These candidates as scored, from their sealed subjects; those the index has not taken in since
    subjects were added (just after an upgrade) are opened from their names and identities."""
    subjects: dict[int, matching.Subject] = {}
    behind = []
    for pk, counted in found.items():
        if counted.subject_sealed is None or counted.subject_key is None:
            behind.append(pk)
        else:
            subjects[pk] = _opened_subject(counted.subject_key, pk, counted.subject_sealed)
    return subjects | open_people(behind) if behind else subjects


def suggestions(person: Person, *, by: Actor) -> list[Suggestion]:
    """People likely to be this person (MATCH or REVIEW), for the person page."""
    access.require(by, RegistryAction.PEOPLE)
    person = Person.objects.prefetch_related(*with_details()).get(pk=person.pk)
    subject = subject_of(person)
    hit = [pk for pk in candidates([subject])[0] if pk != person.pk]
    found = []
    for other in Person.objects.filter(pk__in=hit).prefetch_related(*with_details()).order_by("pk"):
        match = matching.score(subject, subject_of(other))
        if match.verdict != matching.Verdict.NONE:
            found.append(Suggestion(other, match))
    return sorted(found, key=lambda suggestion: -suggestion.match.score)


@transaction.atomic
def merge_people(person: Person, other: Person, *, reason: str, by: Actor, ip: str | None = None) -> Person:
    """Confirm a suggestion: every name, identity and violation record of `other` becomes `person`'s
    (a record stays with the accounts it screens: left behind on a person with no accounts, it would
    screen nobody). Anything else that names `other` (a case's party, a decision's subject) stays."""
    access.require(by, RegistryAction.PEOPLE)
    reason = _reason(reason)
    if other.pk == person.pk:
        raise RegistryError(None, _("This is the same person."))
    locked = list(Person.objects.select_for_update().filter(pk__in=[person.pk, other.pk]).order_by("pk"))
    if len(locked) != 2:
        raise RegistryError(None, _("This person is no longer in the registry."))
    moved = list(Identity.objects.filter(person=other).values_list("pk", "system"))
    Identity.objects.filter(person=other).update(person=person)
    names = list(PersonName.objects.filter(person=other).select_related("data_key"))
    for row in names:
        put_name(person, row.name, row.kind)
    PersonName.objects.filter(pk__in=[row.pk for row in names]).delete()
    records = ViolationRecord.objects.filter(person=other).update(person=person)
    for _pk, system in moved:
        _changed(person, IdentityChange.Change.LINKED, system=system, by=by, reason=reason)
    _changed(other, IdentityChange.Change.UNLINKED, by=by, reason=reason)
    audit.record(by, "registry.people_merge", person, ip=ip,
                 detail={"from_person": other.pk, "identities": [pk for pk, _system in moved], "names": len(names),
                         "records": records})
    _reindex_one(person)
    _reindex_one(other)
    return person


def visible_records(records: Iterable[ViolationRecord], *, by: Actor) -> list[tuple[ViolationRecord, bool]]:
    """Each record with whether `by` may read it in full (restricted ones: HR and Legal only)."""
    full = access.can(by, RegistryAction.RESTRICTED_RECORDS)
    return [(record, full or not record.restricted) for record in records]


# --- The registry pages' read models ----------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    person: Person
    names: list[PersonName]
    identities: list[Identity]
    records: list[tuple[ViolationRecord, bool]]
    changes: list[IdentityChange]
    suggestions: list[Suggestion]


def _with_records() -> QuerySet[Person]:
    return Person.objects.filter(pk__in=ViolationRecord.objects.values("person_id"))


def read_person(person_id: int, *, by: Actor, ip: str | None = None) -> PersonView:
    """A person with violation records, for the working group (anyone else in the registry — a
    reporter, a witness — has no page here). Audited."""
    access.require(by, RegistryAction.PEOPLE)
    person = _with_records().prefetch_related(*with_details()).filter(pk=person_id).first()
    if person is None:
        raise access.Hidden(RegistryAction.PEOPLE)
    audit.record(by, "registry.person_view", person, ip=ip)
    return PersonView(
        person=person, names=list(person.names.all()), identities=list(person.identities.all()),
        records=visible_records(person.violation_records.all(), by=by),
        changes=list(person.identity_changes.select_related("by", "data_key").order_by("-at", "-pk")[:50]),
        suggestions=suggestions(person, by=by))


@dataclass(frozen=True)
class Listed:
    person: Person
    name: str
    records: int
    counting: int


def people_with_records(*, by: Actor, query: str = "", limit: int = 100) -> list[Listed]:
    """People with records, newest first; a query finds them by exact email or account, or by name
    through the screening index (no registry row is opened to search)."""
    access.require(by, RegistryAction.PEOPLE)
    people = _with_records()
    query = " ".join(query.split())
    if query:
        exact = Identity.objects.filter(handle_index__in={index for system in System.values
                                                          for index in handle_indexes(system, query)})
        by_name = candidates([matching.Subject(names=(query,))], among=people.values("pk"), limit=limit)[0]
        people = people.filter(Q(pk__in=exact.values("person_id")) | Q(pk__in=list(by_name)))
    listed = list(people.annotate(total=Count("violation_records", distinct=True),
                                  current=Count("violation_records", distinct=True,
                                                filter=Q(violation_records__in=ViolationRecord.objects.counting())))
                  .prefetch_related(Prefetch("names", PersonName.objects.select_related("data_key")))
                  .order_by("-pk")[:limit])
    return [Listed(person, next((name.name for name in person.names.all()), ""), person.total, person.current)
            for person in listed]
