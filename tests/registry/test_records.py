"""Violation records: from decisions, entered by HR or Legal, or imported from CSV (all rows or none)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from steward.core import access
from steward.core.models import AuditEntry
from steward.registry import records
from steward.registry.models import Identity, MatchKey, Person, PersonName, ViolationRecord
from steward.registry.people import RegistryError
from tests.registry.conftest import enter

HEADER = "id,name,aliases,emails,accounts,level,starts,ends\n"


def test_hr_enters_a_record_for_a_new_person_with_names_accounts_and_index(hr):
    record = enter(hr, aliases=("Dima",), level="Permanent ban")
    person = record.person
    assert sorted(name.name for name in person.names.all()) == ["Dima", "Dmitri Ivanov"]
    assert sorted((i.system, i.handle) for i in person.identities.all()) == [("email", "dmitri.ivanov@gmail.com"),
                                                                            ("github", "divanov")]
    assert record.restricted and record.source == ViolationRecord.Source.ENTERED and record.counts()
    assert MatchKey.objects.filter(person=person).exists() and person.__class__.objects.get(pk=person.pk).indexed_at
    assert AuditEntry.objects.filter(action="registry.record", object_id=str(record.pk)).exists()


def test_a_known_account_attaches_the_record_to_its_person(hr):
    first = enter(hr)
    second = enter(hr, name="D. Ivanov", emails=(), accounts=(("github", "DIvanov"),))
    assert second.person_id == first.person_id
    assert PersonName.objects.filter(person_id=first.person_id).count() == 2


def test_accounts_of_two_different_people_are_refused_and_nothing_is_written(hr):
    enter(hr)
    enter(hr, name="Someone Else", emails=("else@example.org",), accounts=())
    before = (ViolationRecord.objects.count(), Person.objects.count(), Identity.objects.count())
    with pytest.raises(RegistryError) as refused:
        enter(hr, name="Mixed", emails=("else@example.org",), accounts=(("github", "divanov"),))
    assert refused.value.field == "accounts" and "2 different people" in str(refused.value.message)
    assert (ViolationRecord.objects.count(), Person.objects.count(), Identity.objects.count()) == before


@pytest.mark.parametrize(("field", "values", "problem"), [
    ("name", {"name": "  "}, "Give the name"),
    ("emails", {"emails": ("not-an-address",)}, "not an email address"),
    ("accounts", {"accounts": (("myspace", "x"),)}, "Choose one of the systems"),
    ("ends", {"starts_on": datetime.date(2026, 5, 1), "ends_on": datetime.date(2026, 4, 1)}, "before the start"),
])
def test_bad_input_names_the_field_and_writes_nothing(hr, field, values, problem):
    with pytest.raises(RegistryError) as refused:
        records.enter_record(records.EnteredRecord(**{"name": "Dmitri Ivanov", **values}), by=hr)
    assert problem in str(refused.value.message)
    assert not ViolationRecord.objects.exists() and not Person.objects.exists()


def test_only_hr_and_legal_enter_records(screener, member):
    for who in (screener, member):
        with pytest.raises(access.Denied):
            enter(who)
    assert not ViolationRecord.objects.exists()


def test_a_permanent_ban_always_counts_and_others_stop_counting_years_after_they_end(settings):
    settings.STEWARD_RECORD_COUNTS_YEARS = 3
    start = datetime.date(2024, 2, 29)
    assert records.counts_until("permanent", start, None) is None
    assert records.counts_until("temporary", start, datetime.date(2024, 6, 1)) == datetime.date(2027, 6, 1)
    assert records.counts_until("none", start, None) == datetime.date(2027, 2, 28)


def test_a_record_past_its_date_or_set_aside_no_longer_counts(hr):
    record = enter(hr, starts_on=datetime.date(2010, 1, 1), ends_on=datetime.date(2011, 1, 1))
    assert record.counts_until == datetime.date(2016, 1, 1) and not record.counts()
    assert not ViolationRecord.objects.counting().exists()
    fresh = enter(hr, name="Other Person", emails=("other@example.org",), accounts=())
    fresh.set_aside_at = timezone.now()
    fresh.save()
    assert not ViolationRecord.objects.counting().exists()


# --- CSV import -------------------------------------------------------------------------------


def test_a_good_file_imports_every_row(hr):
    data = (HEADER + "R-1,Dmitri Ivanov,Dima;Дмитрий Иванов,dmitri@example.org;d.ivanov@example.net,"
            "github:divanov;matrix:@divanov:matrix.org,Permanent ban,2025-01-10,\n"
            "R-2,王小明,Wang Xiaoming,,gitlab:wxm,Temporary ban,2025-03-01,2025-06-01\n").encode()
    report = records.import_records(data, by=hr)
    assert report.errors == [] and report.imported == 2
    first = ViolationRecord.objects.get(reference="R-1")
    assert first.restricted and first.source == ViolationRecord.Source.IMPORTED and first.counts_until is None
    assert sorted(i.handle for i in first.person.identities.all() if i.system == "matrix") == ["@divanov:matrix.org"]
    assert ViolationRecord.objects.get(reference="R-2").ends_on == datetime.date(2025, 6, 1)


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(hr):
    data = (HEADER + "R-1,Good Person,,good@example.org,,,,\n"
            "R-2,,,,,,,\n"
            "R-3,Bad Date,,,,,2025-13-01,\n"
            "R-4,Bad Account,,,github,,,\n"
            "R-1,Twice,,,,,,\n").encode()
    report = records.import_records(data, by=hr)
    assert report.imported == 0
    problems = dict(report.errors)
    assert sorted(problems) == [2, 3, 4, 5]
    assert "name" in problems[2] and "2025-13-01" in problems[3] and "system:handle" in problems[4]
    assert "earlier row" in problems[5]
    assert not ViolationRecord.objects.exists() and not Person.objects.exists() and not Identity.objects.exists()


def test_a_file_imported_again_is_refused_row_by_row(hr):
    data = (HEADER + "R-1,Good Person,,good@example.org,,,,\n").encode()
    assert records.import_records(data, by=hr).imported == 1
    again = records.import_records(data, by=hr)
    assert again.imported == 0 and "already in the registry" in again.errors[0][1]
    assert ViolationRecord.objects.count() == 1


def test_a_row_failing_while_written_rolls_back_the_whole_import(hr):
    enter(hr)
    enter(hr, name="Someone Else", emails=("else@example.org",), accounts=())
    data = (HEADER + "R-1,New Person,,new@example.org,,,,\n"
            "R-2,Mixed,,else@example.org,github:divanov,,,\n").encode()
    report = records.import_records(data, by=hr)
    assert report.imported == 0 and report.errors[0][0] == 2 and "different people" in report.errors[0][1]
    assert not ViolationRecord.objects.filter(reference__in=["R-1", "R-2"]).exists()
    assert not Identity.objects.filter(system="email").exclude(person__violation_records__isnull=False).exists()


@pytest.mark.parametrize(("data", "problem"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
    (b"", "empty"),
    (b"name,emails\nX,y\n", "missing: id, aliases, accounts"),
    (b"\xff\xfeid,name\n", "first line is not UTF-8"),
])
def test_a_file_that_is_not_the_records_csv_is_refused_whole(hr, data, problem):
    with pytest.raises(RegistryError) as refused:
        records.import_records(data, by=hr)
    assert problem in str(refused.value.message)
    assert not ViolationRecord.objects.exists()


def test_a_badly_encoded_row_is_named(hr):
    data = HEADER.encode() + b"R-1,Jos\xe9 Garc\xeda,,,,,,\n"
    report = records.import_records(data, by=hr)
    assert report.errors == [(1, "This row is not UTF-8 text. Save the file as CSV UTF-8.")]


def test_the_command_imports_or_names_every_bad_row(hr, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "R-1,Good Person,,good@example.org,,,,\n", encoding="utf-8")
    call_command("import_records", str(good))
    assert "1 record(s) imported" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "R-2,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_records", str(bad))
    assert "row 1: name" in capsys.readouterr().err
    assert ViolationRecord.objects.count() == 1
    entry = AuditEntry.objects.filter(action="registry.import_records").get()
    assert entry.actor_kind == "system"


def test_the_daily_job_forgets_records_that_no_longer_count_and_their_people(hr):
    old = enter(hr, name="Old Matter", emails=("old@example.org",), accounts=(),
                starts_on=datetime.date(2010, 1, 1), ends_on=datetime.date(2011, 1, 1))
    current = enter(hr)
    assert records.forget_expired() == 1
    assert list(ViolationRecord.objects.all()) == [current]
    assert not Person.objects.filter(pk=old.person_id).exists() and not Identity.objects.filter(system="email",
                                                                                              person_id=old.person_id)
    assert AuditEntry.objects.get(action="registry.records_expired").detail["records"] == 1
    assert records.forget_expired() == 0
