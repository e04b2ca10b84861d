"""Violation records: written from decisions (the decisions app calls `record_decision` in the
decision's transaction), or entered by HR and Legal for matters handled outside Steward, one at
a time or from a CSV file (`import_records`: every row is checked first, and one bad row
imports nothing). A record holds no narrative: who, which level, from and until when, and the
date after which it no longer counts (STEWARD_RECORD_COUNTS_YEARS after the sanction ends;
a permanent ban always counts)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from steward.core import access, audit
from steward.core.access import Actor
from steward.core.actors import SystemActor

from .models import Ban, Identity, Person, PersonName, ViolationRecord
from .people import (
    RegistryError,
    _reindex_one,
    check_account,
    check_name,
    forget_people,
    handle_indexes,
    identity_of,
    new_identity,
    normalise_handle,
    put_name,
    refresh_counting,
)
from .permissions import RegistryAction

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
RECORD_COLUMNS = ("id", "name", "aliases", "emails", "accounts")
OPTIONAL_RECORD_COLUMNS = ("level", "starts", "ends")


def counts_until(ban: str, starts_on: datetime.date, ends_on: datetime.date | None) -> datetime.date | None:
    if ban == Ban.PERMANENT:
        return None
    years = settings.STEWARD_RECORD_COUNTS_YEARS
    since = ends_on or starts_on
    try:
        return since.replace(year=since.year + years)
    except ValueError:  # 29 February
        return since.replace(year=since.year + years, day=28)


@transaction.atomic
def record_decision(*, decision: int, case: int, person: int, level: str, level_key: str, ban: str,
                    starts_on: datetime.date, ends_on: datetime.date | None, by: Actor) -> ViolationRecord:
    """The record of a decision at a level of the ladder (or flagged); written once per decision."""
    existing = ViolationRecord.objects.filter(decision=decision).first()
    if existing is not None:
        return existing
    record = ViolationRecord.objects.create(
        person_id=person, source=ViolationRecord.Source.DECISION, decision=decision, case=case, level=level,
        level_key=level_key, ban=ban, starts_on=starts_on, ends_on=ends_on,
        counts_until=counts_until(ban, starts_on, ends_on),
        created_by=by if isinstance(by, User) else None)
    audit.record(by, "registry.record", record, detail={"source": record.source, "decision": decision,
                                                        "person": person, "ban": ban})
    _reindex_one(record.person)
    return record


EXPIRY = SystemActor("registry expiry", may=frozenset())


def forget_expired(today: datetime.date | None = None) -> int:
    """The daily job: records past the date they stop counting are deleted (they no longer count
    for anything), and with them the people nothing else refers to any more. Returns how many records."""
    today = today or timezone.localdate()
    with transaction.atomic():
        expired = ViolationRecord.objects.filter(counts_until__lt=today)
        people = sorted(set(expired.values_list("person_id", flat=True)))
        count, _kinds = expired.delete()
        if count:
            audit.record(EXPIRY, "registry.records_expired", None, detail={"records": count, "people": len(people)})
    forget_people(people)
    refresh_counting()  # the people kept, and records whose counting ended today without being deleted yet
    return count


def set_aside_decision(decision: int, *, by: Actor) -> None:
    """The decision no longer applies (reversed on appeal, or replaced): its record stops counting."""
    records = ViolationRecord.objects.filter(decision=decision, set_aside_at__isnull=True)
    people = set(records.values_list("person_id", flat=True))
    updated = records.update(set_aside_at=timezone.now())
    refresh_counting(people)
    if updated:
        audit.record(by, "registry.record_set_aside", None, detail={"decision": decision})


# --- Entered by HR or Legal -----------------------------------------------------------------


@dataclass(frozen=True)
class EnteredRecord:
    """What HR or Legal give for a record of a matter handled outside Steward."""

    name: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    accounts: tuple[tuple[str, str], ...] = ()  # (system, handle)
    level: str = ""
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    reference: str = ""
    restricted: bool = True


def _checked(entry: EnteredRecord, *, today: datetime.date) -> EnteredRecord:
    """The entry with its values cleaned, or RegistryError naming the field."""
    name = check_name(entry.name)
    aliases = tuple(check_name(alias, field="aliases") for alias in entry.aliases if alias.strip())
    emails = tuple(check_account("email", email, field="emails") for email in entry.emails if email.strip())
    accounts = tuple((system, check_account(system, handle, field="accounts")) for system, handle in entry.accounts)
    starts = entry.starts_on or today
    if entry.ends_on is not None and entry.ends_on < starts:
        raise RegistryError("ends", _("The end date is before the start date."))
    if len(entry.level) > 200:
        raise RegistryError("level", _("The level is at most 200 characters."))
    if len(entry.reference) > 100:
        raise RegistryError("id", _("The id is at most 100 characters."))
    return EnteredRecord(name=name, aliases=aliases, emails=emails, accounts=accounts, level=entry.level.strip(),
                         starts_on=starts, ends_on=entry.ends_on, reference=entry.reference.strip(),
                         restricted=entry.restricted)


def _person_for(entry: EnteredRecord) -> Person | None:
    """The one person the entry's emails and accounts already belong to, None for a new one, or
    RegistryError when they belong to several (a person links them first)."""
    pairs = [("email", email) for email in entry.emails] + list(entry.accounts)
    wanted = Q()
    for system, handle in pairs:
        wanted |= Q(system=system, handle_index__in=handle_indexes(system, normalise_handle(system, handle)))
    if not pairs:
        return None
    people = set(Identity.objects.filter(wanted).values_list("person_id", flat=True))
    if len(people) > 1:
        raise RegistryError("accounts", _("These emails and accounts belong to %(count)s different people in the "
                                          "registry: link them on the registry page first.") % {"count": len(people)})
    return Person.objects.get(pk=people.pop()) if people else None


def _write(entry: EnteredRecord, *, by: Actor, source: str) -> ViolationRecord:
    person = _person_for(entry) or Person.objects.create()
    for system, handle in [("email", email) for email in entry.emails] + list(entry.accounts):
        if identity_of(system, handle) is None:
            new_identity(person, system, handle)
    put_name(person, entry.name, PersonName.Kind.NAME)
    for alias in entry.aliases:
        put_name(person, alias, PersonName.Kind.ALIAS)
    starts = entry.starts_on or timezone.localdate()
    record = ViolationRecord.objects.create(
        person=person, source=source, reference=entry.reference, level=entry.level, starts_on=starts,
        ends_on=entry.ends_on, restricted=entry.restricted,
        counts_until=counts_until(Ban.NONE, starts, entry.ends_on) if entry.ends_on else None,
        created_by=by if isinstance(by, User) else None)
    _reindex_one(person)
    return record


@transaction.atomic
def enter_record(entry: EnteredRecord, *, by: Actor, ip: str | None = None) -> ViolationRecord:
    access.require(by, RegistryAction.ENTER_RECORDS)
    entry = _checked(entry, today=timezone.localdate())
    if entry.reference and ViolationRecord.objects.filter(reference=entry.reference).exists():
        raise RegistryError("id", _("A record with this id is already in the registry."))
    record = _write(entry, by=by, source=ViolationRecord.Source.ENTERED)
    audit.record(by, "registry.record", record, ip=ip, detail={"source": record.source, "person": record.person_id,
                                                               "restricted": record.restricted})
    return record


# --- CSV import (manage.py import_records) ----------------------------------------------------


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (1-based data row, problem)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def split_accounts(text: str) -> list[tuple[str, str]]:
    """`system:handle;system:handle`; the handle may itself hold colons (a Matrix ID)."""
    accounts = []
    for part in split_list(text):
        system, colon, handle = part.partition(":")
        if not colon or not handle.strip():
            raise RegistryError("accounts", _("“%(value)s” is not system:handle.") % {"value": part[:80]})
        accounts.append((system.strip().casefold(), handle.strip()))
    return accounts


def _date(text: str, column: str) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise RegistryError(column, _("“%(value)s” in %(column)s is not a date (YYYY-MM-DD).")
                            % {"value": text[:40], "column": column}) from None


def read_csv(data: bytes, *, required: Sequence[str], optional: Sequence[str] = (),
             max_bytes: int, max_rows: int) -> list[tuple[int, dict[str, str] | str]]:
    """The data rows of a CSV file (1-based), each a dict of the known columns or the problem with
    that row. A file that is not UTF-8 CSV with the required header is refused whole (RegistryError)."""
    if len(data) > max_bytes:
        raise RegistryError("file", _("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)})
    # Undecodable bytes become lone surrogates, so one badly encoded row is refused on its own.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    if "\x00" in text:
        raise RegistryError("file", _("The file is not a CSV file (it holds binary data)."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().casefold() for column in next(reader)]
    except StopIteration:
        raise RegistryError("file", _("The file is empty.")) from None
    except csv.Error as error:
        raise RegistryError("file", _("The file is not valid CSV: %(problem)s.") % {"problem": str(error)[:100]}) from None
    if any(_undecodable(column) for column in header):
        raise RegistryError("file", _("The first line is not UTF-8 text. Save the file as CSV UTF-8."))
    missing = [column for column in required if column not in header]
    if missing:
        raise RegistryError("file", _("The first line must name the columns %(columns)s; missing: %(missing)s.")
                            % {"columns": ",".join(required), "missing": ", ".join(missing)})
    rows: list[tuple[int, dict[str, str] | str]] = []
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            number += 1
            rows.append((number, _("This row is not valid CSV: %(problem)s.") % {"problem": str(error)[:100]}))
            continue
        number += 1  # every line counts, so row numbers are the input's
        if not cells:
            continue  # an empty line: nothing to answer
        if number > max_rows:
            raise RegistryError("file", ngettext("The file has more than %(count)s row.", "The file has more than %(count)s rows.",
                                                 max_rows) % {"count": max_rows})
        if any(_undecodable(cell) for cell in cells):
            rows.append((number, _("This row is not UTF-8 text. Save the file as CSV UTF-8.")))
            continue
        if len(cells) < len(header):
            rows.append((number, ngettext("This row has %(found)s column where the header names %(expected)s.",
                                          "This row has %(found)s columns where the header names %(expected)s.",
                                          len(cells)) % {"found": len(cells), "expected": len(header)}))
            continue
        rows.append((number, {column: cells[index] for index, column in enumerate(header)
                              if column in required or column in optional}))
    return rows


def _undecodable(text: str) -> bool:
    return any("\udc80" <= character <= "\udcff" for character in text)


def import_records(data: bytes, *, by: Actor, restricted: bool = True) -> ImportReport:
    """Import HR or Legal records from CSV: all rows or none. The report lists every bad row."""
    access.require(by, RegistryAction.ENTER_RECORDS)
    report = ImportReport()
    rows = read_csv(data, required=RECORD_COLUMNS, optional=OPTIONAL_RECORD_COLUMNS, max_bytes=MAX_IMPORT_BYTES,
                    max_rows=MAX_IMPORT_ROWS)
    entries: list[EnteredRecord] = []
    today, seen = timezone.localdate(), set[str]()
    for number, row in rows:
        if isinstance(row, str):
            report.errors.append((number, row))
            continue
        try:
            entry = _checked(EnteredRecord(
                name=row["name"], aliases=tuple(split_list(row["aliases"])), emails=tuple(split_list(row["emails"])),
                accounts=tuple(split_accounts(row["accounts"])), level=row.get("level", ""),
                starts_on=_date(row.get("starts", ""), "starts"), ends_on=_date(row.get("ends", ""), "ends"),
                reference=row["id"], restricted=restricted), today=today)
            if not entry.reference:
                raise RegistryError("id", _("The id is empty."))
            if entry.reference in seen:
                raise RegistryError("id", _("The id %(id)s is on an earlier row too.") % {"id": entry.reference[:40]})
            seen.add(entry.reference)
        except RegistryError as error:
            report.errors.append((number, f"{error.field}: {error.message}" if error.field else str(error.message)))
            continue
        entries.append(entry)
    known = set(ViolationRecord.objects.filter(reference__in=seen).values_list("reference", flat=True))
    for number, row in rows:
        if isinstance(row, dict) and row["id"].strip() in known:
            report.errors.append((number, _("id: a record with the id %(id)s is already in the registry.")
                                  % {"id": row["id"].strip()[:40]}))
    if report.errors or not entries:
        report.errors.sort()
        return report
    try:
        with transaction.atomic():
            for number, entry in zip((n for n, row in rows if isinstance(row, dict)), entries, strict=True):
                try:
                    _write_imported(entry, by=by)
                except RegistryError as error:
                    report.errors.append((number, f"{error.field}: {error.message}" if error.field else str(error.message)))
            if report.errors:
                raise _Undo
            audit.record(by, "registry.import_records", None, detail={"records": len(entries), "restricted": restricted})
    except _Undo:
        return report
    report.imported = len(entries)
    return report


class _Undo(Exception):
    """Rolls the import's transaction back once every row has been tried."""


def _write_imported(entry: EnteredRecord, *, by: Actor) -> None:
    with transaction.atomic():
        _write(entry, by=by, source=ViolationRecord.Source.IMPORTED)
