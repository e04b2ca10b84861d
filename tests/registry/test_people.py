"""People in the registry: linking and unlinking accounts and names with a reason, suggestions
confirmed by a person, the screening index kept current — and through a blind-index key rotation."""

from __future__ import annotations

import pytest

from steward.core import access
from steward.core.actors import SystemActor
from steward.core.models import AuditEntry
from steward.registry import matching, people, screening, services
from steward.registry.models import Identity, IdentityChange, MatchKey, Person, PersonName, Screening, StaffAccount, ViolationRecord
from steward.registry.people import RegistryError
from tests.core.test_index_key_rotation import rotate
from tests.registry.conftest import enter


def referred(screener, **applicant) -> bool:
    done = screening.screen([screening.Row(1, screening.check_applicant(**applicant))], purpose="grant",
                            channel=Screening.Channel.FORM, by=screener)
    return screening.answers(done, by=screener)[0].result == "referred"


def test_a_linked_account_moves_to_the_person_and_is_screened_at_once(member, screener, banned):
    elsewhere = services.identify("discourse", "dima_i")
    assert not referred(screener, name="Someone", accounts=[("discourse", "dima_i")])
    people.link_identity(banned.person, system="discourse", handle="Dima_I", reason="Same avatar.", by=member)
    assert Identity.objects.get(system="discourse").person_id == banned.person_id
    assert referred(screener, name="Someone", accounts=[("discourse", "dima_i")])
    assert IdentityChange.objects.filter(person=elsewhere, change="unlinked").exists()
    change = IdentityChange.objects.get(person=banned.person, change="linked")
    assert change.reason == "Same avatar." and b"Same avatar" not in bytes(change.reason_sealed)
    assert AuditEntry.objects.filter(action="registry.identity_link").exists()


def test_linking_needs_a_reason_and_a_real_account_and_changes_nothing_without(member, banned):
    before = list(Identity.objects.values_list("pk", "person_id"))
    for values, field in [({"handle": "x", "reason": " "}, "reason"), ({"handle": " ", "reason": "r"}, "handle"),
                          ({"handle": "divanov", "reason": "r"}, "handle")]:
        with pytest.raises(RegistryError) as refused:
            people.link_identity(banned.person, system="github", by=member, **values)
        assert refused.value.field == field
    assert list(Identity.objects.values_list("pk", "person_id")) == before


def test_a_staff_members_own_account_is_never_moved(member, banned, hr):
    account = StaffAccount.objects.create(user=hr, identity=services.identify("gitlab", "harriet").identities.get())
    with pytest.raises(RegistryError, match="staff member's own"):
        people.link_identity(banned.person, system="gitlab", handle="harriet", reason="Looks alike.", by=member)
    assert Identity.objects.get(pk=account.identity_id).person_id != banned.person_id


def test_an_unlinked_account_gets_a_person_of_its_own_and_is_screened_no_more(member, screener, banned):
    github = banned.person.identities.get(system="github")
    alone = people.unlink_identity(github, reason="A namesake, not him.", by=member)
    assert Identity.objects.get(pk=github.pk).person_id == alone.pk != banned.person_id
    assert not referred(screener, name="Someone", accounts=[("github", "divanov")])


def test_the_last_thing_known_of_a_person_cannot_be_unlinked(member, hr):
    from tests.registry.conftest import enter

    record = enter(hr, name="Solo", emails=(), accounts=(("github", "solo"),))
    PersonName.objects.filter(person=record.person).delete()
    with pytest.raises(RegistryError, match="nothing to unlink"):
        people.unlink_identity(record.person.identities.get(), reason="x", by=member)


def test_a_name_in_another_script_is_found_and_a_new_alias_is_screened_at_once(member, screener, banned):
    assert referred(screener, name="Дмитрий Иванов")  # the registry holds "Dmitri Ivanov"
    assert not referred(screener, name="Митя Волков")
    people.add_name(banned.person, name="Митя Волков", kind="alias", reason="His forum pseudonym.", by=member)
    assert referred(screener, name="Mitya Volkov")
    with pytest.raises(RegistryError, match="already has this name"):
        people.add_name(banned.person, name="митя волков", kind="alias", reason="Again.", by=member)


def test_only_the_working_group_changes_people(screener, banned):
    for change in (lambda: people.link_identity(banned.person, system="gitlab", handle="d", reason="r", by=screener),
                   lambda: people.add_name(banned.person, name="D", kind="alias", reason="r", by=screener),
                   lambda: people.suggestions(banned.person, by=screener)):
        with pytest.raises(access.Denied):
            change()
    assert not Identity.objects.filter(system="gitlab").exists()


def test_people_first_seen_at_intake_are_indexed_by_the_worker_job(db):
    person = services.identify("github", "newcomer")
    assert Person.objects.get(pk=person.pk).indexed_at is None and not MatchKey.objects.filter(person=person).exists()
    assert people.index_pending() == 1
    assert Person.objects.get(pk=person.pk).indexed_at and MatchKey.objects.filter(person=person).exists()
    assert people.index_pending() == 0


def test_screening_keeps_working_through_a_blind_index_key_rotation(settings, screener, banned):
    assert referred(screener, name="Dmitri Ivanov", emails=["dmitri.ivanov@gmail.com"])
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    assert referred(screener, name="X", accounts=[("github", "divanov")])  # old keys found while rotating
    assert "Screening index (registry people): 1 stored indexes under an older key." in rotate("status")
    assert "rebuilt 1 under index key version 2" in rotate("reindex")
    assert all(key.startswith("v2:") for key in MatchKey.objects.values_list("key", flat=True))
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("drop-old")
    assert referred(screener, name="X", accounts=[("github", "divanov")])
    assert referred(screener, name="Dmitri Ivanov", emails=["dmitri.ivanov+x@gmail.com"])


# --- The candidate stage of screening (the same on SQLite and PostgreSQL) ----------------------


def _recorded(hr, count, name="Olga Smirnova", start=0):
    return [enter(hr, name=name, emails=(f"olga{start + n}@example.org",), accounts=()).person_id for n in range(count)]


def test_a_key_many_people_share_brings_only_its_first_people_and_those_found_by_other_keys(hr):
    olgas = _recorded(hr, 5)
    applicant = matching.Subject(names=("Olga Smirnova",), identifiers=(matching.Identifier("email", "olga4@example.org"),))
    found = people.candidates([applicant], per_key=2)[0]
    # of the name's keys, the two first people; the one whose email is the applicant's, by that key alone
    assert set(found) == {olgas[0], olgas[1], olgas[4]}
    assert found[olgas[0]] == found[olgas[1]] > found[olgas[4]] == 1
    assert set(people.candidates([applicant])[0]) == set(olgas)
    # a key hit weighs one over the people found under it: the email only she has outweighs one name key of five
    weighed = people.candidates([applicant], limit=1)[0]
    assert list(weighed) == [olgas[4]] and weighed[olgas[4]] == found[olgas[0]] + 1


def test_candidates_are_restricted_before_the_cap(hr):
    others = [services.identify("github", f"olga{n}") for n in range(3)]
    for person in others:
        people.put_name(person, "Olga Smirnova", PersonName.Kind.NAME)
    people.reindex(list(Person.objects.filter(pk__in=[p.pk for p in others]).prefetch_related(*people.with_details())))
    recorded = _recorded(hr, 1)
    applicant = matching.Subject(names=("Olga Smirnova",))
    assert set(people.candidates([applicant], per_key=2)[0]) == {others[0].pk, others[1].pk}
    assert list(people.candidates([applicant], counting=True, per_key=2)[0]) == recorded
    with_records = ViolationRecord.objects.values("person_id")
    assert list(people.candidates([applicant], among=with_records, per_key=2)[0]) == recorded


def test_several_applicants_are_looked_up_together_each_with_their_own_people(hr):
    olga, = _recorded(hr, 1)
    ivan, = _recorded(hr, 1, name="Ivan Petrov", start=1)
    subjects = [matching.Subject(names=("Ivan Petrov",)), matching.Subject(names=("Nobody Atall",)),
                matching.Subject(names=("Olga Smirnova",)), matching.Subject()]
    found = people.candidates(subjects)
    assert [list(f) for f in found] == [[ivan], [], [olga], []]


def test_people_are_opened_for_scoring_as_the_matcher_sees_them(hr):
    record = enter(hr, name="Dmitri Ivanov", aliases=("Дмитрий Иванов",), emails=("d@example.org",),
                   accounts=(("github", "divanov"), ("matrix", "@dima:matrix.org")))
    person = Person.objects.prefetch_related(*people.with_details()).get(pk=record.person_id)
    opened = people.open_people([person.pk])[person.pk]
    expected = people.subject_of(person)
    assert opened.names == expected.names and set(opened.names) == {"Dmitri Ivanov", "Дмитрий Иванов"}
    assert sorted(opened.identifiers, key=str) == sorted(expected.identifiers, key=str)


# --- The flag on a person's keys that screening reads, and the sealed subject it scores ----------


def _flags(person_id):
    return set(MatchKey.objects.filter(person_id=person_id).values_list("counts", flat=True))


def _decided(person, *, decision=901, starts_on=None):
    import datetime

    from django.utils import timezone

    from steward.registry import records

    starts_on = starts_on or timezone.localdate()
    return records.record_decision(decision=decision, case=1, person=person.pk, level="Temporary ban",
                                   level_key="temporary-ban", ban="temporary", starts_on=starts_on,
                                   ends_on=starts_on + datetime.timedelta(days=30), by=SystemActor("registry test"))


def test_a_persons_keys_are_flagged_while_a_record_may_count_and_screening_follows(screener, db):
    from steward.registry import records

    person = services.identify("github", "flagged-one")
    people.index_pending()
    assert _flags(person.pk) == {False}
    assert not referred(screener, name="Someone", accounts=[("github", "flagged-one")])
    _decided(person)
    assert _flags(person.pk) == {True}
    assert referred(screener, name="Someone", accounts=[("github", "flagged-one")])
    records.set_aside_decision(901, by=SystemActor("registry test"))
    assert _flags(person.pk) == {False}
    assert not referred(screener, name="Someone", accounts=[("github", "flagged-one")])


def test_a_record_not_begun_is_flagged_but_refers_nobody_until_it_begins(screener, db, monkeypatch):
    import datetime

    from django.utils import timezone

    person = services.identify("github", "later-one")
    people.index_pending()
    begins = timezone.localdate() + datetime.timedelta(days=3)
    _decided(person, starts_on=begins)
    assert _flags(person.pk) == {True}  # the index never leaves out someone about to count
    assert not referred(screener, name="Someone", accounts=[("github", "later-one")])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: begins)
    assert referred(screener, name="Someone", accounts=[("github", "later-one")])


def test_the_daily_job_puts_every_flag_right_and_says_how_many_it_changed(hr, db):
    from steward.registry import records

    kept = enter(hr).person_id
    nobody = services.identify("github", "no-record")
    people.index_pending()
    MatchKey.objects.filter(person_id=kept).update(counts=False)  # as if a write had been missed
    MatchKey.objects.filter(person_id=nobody.pk).update(counts=True)
    changed = MatchKey.objects.filter(person_id__in=[kept, nobody.pk]).count()
    assert people.refresh_counting() == changed
    assert _flags(kept) == {True} and _flags(nobody.pk) == {False}
    assert people.refresh_counting() == 0
    records.forget_expired()  # the daily job runs the same check
    assert _flags(kept) == {True}


def _as_scored(name: str) -> dict[int, matching.Subject]:
    """The people screening finds for an applicant of this name, as it scores them."""
    return people.screening_subjects(people.counting_candidates([matching.Subject(names=(name,))])[0])


def test_the_sealed_subject_is_the_person_as_scored_and_follows_their_changes(member, hr):
    from steward.core import crypto

    record = enter(hr, name="Dmitri Ivanov", aliases=("Дмитрий Иванов",), emails=("d@example.org",),
                   accounts=(("github", "divanov"),))
    person = Person.objects.get(pk=record.person_id)
    assert b"Dmitri" not in bytes(person.subject_sealed) and b"divanov" not in bytes(person.subject_sealed)
    subject = _as_scored("Dmitri Ivanov")[person.pk]
    detailed = people.subject_of(Person.objects.prefetch_related(*people.with_details()).get(pk=person.pk))
    assert subject.names == detailed.names and sorted(subject.identifiers, key=str) == sorted(detailed.identifiers, key=str)
    people.add_name(person, name="Dima", kind=PersonName.Kind.ALIAS, reason="Known as.", by=member)
    assert "Dima" in _as_scored("Dmitri Ivanov")[person.pk].names
    # another person's sealed subject does not open as this one's
    other = enter(hr, name="Olga Smirnova", emails=("olga@example.org",), accounts=()).person_id
    Person.objects.filter(pk=other).update(subject_sealed=Person.objects.get(pk=person.pk).subject_sealed)
    with pytest.raises(crypto.SealError):
        _as_scored("Olga Smirnova")


def test_people_the_index_has_not_taken_in_since_an_upgrade_are_opened_from_their_rows(hr, screener):
    record = enter(hr, name="Dmitri Ivanov", emails=("d@example.org",), accounts=(("github", "divanov"),))
    Person.objects.filter(pk=record.person_id).update(subject_sealed=None, subject_key=None, indexed_at=None)
    subject = _as_scored("Dmitri Ivanov")[record.person_id]
    assert subject.names == ("Dmitri Ivanov",) and {i.value for i in subject.identifiers} == {"d@example.org", "divanov"}
    assert referred(screener, name="X", accounts=[("github", "divanov")])
    assert people.index_pending() == 1  # the worker writes the subject
    assert Person.objects.get(pk=record.person_id).subject_sealed is not None
    assert referred(screener, name="X", accounts=[("github", "divanov")])


def test_a_merged_persons_records_come_along_and_keep_screening_their_accounts(member, screener, hr):
    from steward.registry import records

    kept = _decided(services.identify("github", "kept-one"), decision=902)
    records.set_aside_decision(902, by=member)  # the page's person: a record that no longer counts
    banned = enter(hr, name="Bea Banned", emails=("bea@example.org",), accounts=(("github", "bee"),))
    assert referred(screener, name="X", accounts=[("github", "bee")])
    merged = people.merge_people(kept.person, banned.person, reason="The same person.", by=member)
    assert Identity.objects.get(handle_index__in=people.handle_indexes("github", "bee")).person_id == merged.pk
    assert referred(screener, name="X", accounts=[("github", "bee")])  # still screened, now as the kept person
    assert set(ViolationRecord.objects.filter(person=merged).values_list("pk", flat=True)) == {kept.pk, banned.pk}
    entry = AuditEntry.objects.filter(action="registry.people_merge").latest("pk")
    assert entry.detail["records"] == 1


def test_counting_candidates_are_the_people_with_a_record_that_counts_today_with_those_records(hr, db):
    """One query on PostgreSQL, two in Python on SQLite: the same people, records and sealed subjects."""
    import datetime

    from django.utils import timezone

    counting = enter(hr, name="Dmitri Ivanov", emails=("d@example.org",), accounts=(("github", "divanov"),))
    second = _decided(Person.objects.get(pk=counting.person_id), decision=902)
    later = services.identify("github", "divanov-later")
    _decided(later, decision=903, starts_on=timezone.localdate() + datetime.timedelta(days=3))
    people.index_pending()
    applicant = matching.Subject(names=("Dmitri Ivanov",), identifiers=(
        matching.Identifier("github", "divanov"), matching.Identifier("github", "divanov-later")))
    (found,) = people.counting_candidates([applicant])
    assert set(found) == {counting.person_id}  # the record not begun yet is flagged, and left out here
    assert set(people.candidates([applicant], counting=True)[0]) == {counting.person_id, later.pk}
    assert found[counting.person_id].records == tuple(sorted([counting.pk, second.pk]))
    assert found[counting.person_id].keys == people.candidates([applicant], counting=True)[0][counting.person_id]
    assert people.screening_subjects(found)[counting.person_id].names == ("Dmitri Ivanov",)
