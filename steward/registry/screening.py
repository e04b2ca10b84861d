"""Screening applicants for a grant, a fellowship, a leadership role or an event invitation.

A screener learns one thing per applicant: "clear" or "referred" — never why, nor which record
matched — and later the working group's outcome for a referral. Matching runs in two stages
(registry.matching): the applicant's keys are looked up in the blind index of people whose
records still count, then only those few candidates are opened and scored. An applicant over
the match threshold, or in the review band below it, is referred: the band goes to a person,
never silently to "clear".

Everything a screener gives is sealed under the screening's own data key; the working group
reads it, with the match evidence, in the referral (audited).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from steward.core import access, audit, crypto, outbox
from steward.core.access import Actor
from steward.core.models import DataKey
from steward.core.rows import insert_columns
from steward.core.spreadsheet import safe_cell

from . import matching
from .messages import ReferralDecided, ReferralsWaiting
from .models import Person, Purpose, Referral, Result, Screening, ScreeningRow, StaffAccount, ViolationRecord
from .people import (
    Counted,
    RegistryError,
    check_account,
    check_name,
    counting_candidates,
    screening_subjects,
    visible_records,
    with_details,
)
from .permissions import RegistryAction
from .records import read_csv, split_accounts, split_list

APPLICANT_COLUMNS = ("name", "emails", "accounts")
OPTIONAL_APPLICANT_COLUMNS = ("country",)
CHUNK = 250  # applicants looked up together: one index query per chunk
CANDIDATES = 20  # people opened per applicant, those sharing the most keys first


@dataclass(frozen=True)
class Applicant:
    name: str
    emails: tuple[str, ...] = ()
    accounts: tuple[tuple[str, str], ...] = ()
    country: str = ""

    def subject(self) -> matching.Subject:
        return matching.Subject(names=(self.name,), identifiers=tuple(
            [matching.Identifier("email", email) for email in self.emails]
            + [matching.Identifier(system, handle) for system, handle in self.accounts]))

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Applicant:
        data = json.loads(text)
        return cls(name=data["name"], emails=tuple(data["emails"]),
                   accounts=tuple((system, handle) for system, handle in data["accounts"]), country=data["country"])


@dataclass(frozen=True)
class Row:
    """One input row: an applicant to screen, or the problem that keeps it from being screened."""

    number: int
    applicant: Applicant | None
    problem: str = ""
    given: str = ""  # for a bad row, what identifies it to the screener (the name as given)


def check_applicant(*, name: str, emails: Sequence[str] = (), accounts: Sequence[tuple[str, str]] = (),
                    country: str = "") -> Applicant:
    """The applicant with values cleaned, or RegistryError naming the field."""
    name = check_name(name)
    emails = tuple(check_account("email", email, field="emails") for email in emails if email.strip())
    accounts = tuple((system, check_account(system, handle, field="accounts")) for system, handle in accounts)
    country = " ".join(country.split())
    if len(country) > 100:
        raise RegistryError("country", _("The country is at most 100 characters."))
    return Applicant(name=name, emails=emails, accounts=accounts, country=country)


def _problem(error: RegistryError) -> str:
    return f"{error.field}: {error.message}" if error.field and error.field != "file" else str(error.message)


def rows_from_csv(data: bytes) -> list[Row]:
    """Applicants from a CSV of `name,emails,accounts[,country]`; a bad row is kept with its problem
    (the rest is still screened). A file that cannot be read as such a CSV raises RegistryError."""
    rows = []
    for number, cells in read_csv(data, required=APPLICANT_COLUMNS, optional=OPTIONAL_APPLICANT_COLUMNS,
                                  max_bytes=settings.STEWARD_SCREENING_MAX_BYTES,
                                  max_rows=settings.STEWARD_SCREENING_MAX_ROWS):
        if isinstance(cells, str):
            rows.append(Row(number, None, cells))
            continue
        try:
            applicant = check_applicant(name=cells["name"], emails=split_list(cells["emails"]),
                                        accounts=split_accounts(cells["accounts"]), country=cells.get("country", ""))
        except RegistryError as error:
            rows.append(Row(number, None, _problem(error), given=" ".join(cells["name"].split())[:300]))
            continue
        rows.append(Row(number, applicant))
    return rows


@dataclass(frozen=True)
class Finding:
    """What screening found for one applicant: the people matched (MATCH or REVIEW), best first, and
    the ids of their records that count."""

    matches: tuple[tuple[int, matching.Match], ...]  # (person id, match)
    records: tuple[int, ...] = ()

    @property
    def referred(self) -> bool:
        return bool(self.matches)


def _looked_up(subjects: list[matching.Subject]) -> list[dict[int, Counted]]:
    return counting_candidates(subjects, limit=CANDIDATES)


def _candidates_ahead(chunks: list[list[matching.Subject]]) -> Iterator[list[dict[int, Counted]]]:
    """Each chunk's candidates. On PostgreSQL, with several chunks, the next chunk's are looked up on a
    connection of their own while this one is scored, so the database and Python work at once (on two
    cores). Not inside a transaction: another connection would not see what it has written."""
    if len(chunks) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        yield from map(_looked_up, chunks)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening") as pool:
        try:
            ahead = pool.submit(_looked_up, chunks[0])
            for following in [*chunks[1:], None]:
                found = ahead.result()
                if following is not None:
                    ahead = pool.submit(_looked_up, following)
                yield found
        finally:
            pool.submit(connections.close_all)  # the thread's own connection, after its last look-up


def find(applicants: Sequence[Applicant]) -> list[Finding]:
    """The matching itself: candidates from the blind index of people whose records may count (the keys'
    flag), kept when a record counts today, then scoring."""
    findings: list[Finding] = []
    chunks = [[applicant.subject() for applicant in applicants[start:start + CHUNK]]
              for start in range(0, len(applicants), CHUNK)]
    for subjects, hits in zip(chunks, _candidates_ahead(chunks), strict=True):
        opened = screening_subjects({pk: counted for found in hits for pk, counted in found.items()})
        for subject, found in zip(subjects, hits, strict=True):
            matches = []
            for pk in found:
                match = matching.score(subject, opened[pk])
                if match.verdict != matching.Verdict.NONE:
                    matches.append((pk, match))
            matches.sort(key=lambda item: -item[1].score)
            findings.append(Finding(tuple(matches), tuple(r for pk, _match in matches for r in found[pk].records)))
    return findings


def _evidence(finding: Finding) -> str:
    return json.dumps([{"person": person, "score": round(match.score, 3), "verdict": str(match.verdict),
                        "evidence": [{"kind": item.kind, "how": str(item.how), "applicant": item.applicant,
                                      "record": item.record, "score": round(item.score, 3)} for item in match.evidence]}
                       for person, match in finding.matches], ensure_ascii=False)


def screen(rows: Sequence[Row], *, purpose: str, channel: str, by: Actor, ip: str | None = None) -> Screening:
    """Screen the rows and keep the answers: one Screening, a row for each input row, a referral
    for each applicant referred. Bad rows are kept as "not screened" with their problem. The matching
    only reads the registry and runs before the answers' transaction (`find` can then look ahead)."""
    access.require(by, RegistryAction.SCREEN)
    if purpose not in Purpose.values:
        raise RegistryError("purpose", _("Choose what the applicants are screened for."))
    if not rows:
        raise RegistryError("file", _("There is nobody to screen: the file has no data rows."))
    good = [row for row in rows if row.applicant is not None]
    findings = dict(zip((row.number for row in good), find([row.applicant for row in good if row.applicant]), strict=True))
    return _kept(rows, findings, purpose=purpose, channel=channel, by=by, ip=ip)


@transaction.atomic
def _kept(rows: Sequence[Row], findings: dict[int, Finding], *, purpose: str, channel: str, by: Actor,
          ip: str | None) -> Screening:
    screening = Screening.objects.create(
        purpose=purpose, channel=channel, submitted_by=by if isinstance(by, User) else None,
        rows=len(rows), referred=sum(finding.referred for finding in findings.values()),
        invalid=len(rows) - len(findings), data_key=crypto.new_data_key(DataKey.Purpose.SCREENING))
    applicants = []
    for row in rows:
        finding = findings.get(row.number)
        result = Result.INVALID if finding is None else Result.REFERRED if finding.referred else Result.CLEAR
        applicant = ScreeningRow(screening=screening, row=row.number, result=result, problem=row.problem[:300])
        applicant.applicant = row.applicant.as_json() if row.applicant else json.dumps({"given": row.given},
                                                                                        ensure_ascii=False)
        applicants.append(applicant)
    ScreeningRow.objects.bulk_create(applicants)
    referred = [(applicant, findings[applicant.row]) for applicant in applicants if applicant.result == Result.REFERRED]
    if referred:
        _refer(screening, referred)
    audit.record(by, "registry.screen", screening, ip=ip, detail={
        "purpose": purpose, "channel": channel, "rows": screening.rows, "referred": screening.referred,
        "not_screened": screening.invalid})
    return screening


def _refer(screening: Screening, referred: list[tuple[ScreeningRow, Finding]]) -> None:
    """A referral for each applicant referred (their rows were just written, with their ids), linked to the
    people matched and those people's records that count: a fixed number of statements whatever the rows."""
    referrals = []
    for applicant, finding in referred:
        best = finding.matches[0][1]
        referral = Referral(applicant=applicant, score=best.score, verdict=str(best.verdict))
        referral.evidence = _evidence(finding)
        referrals.append(referral)
    Referral.objects.bulk_create(referrals)
    people: dict[str, list[int]] = {"referral": [], "person": []}
    records: dict[str, list[int]] = {"referral": [], "violationrecord": []}
    for referral, (_applicant, finding) in zip(referrals, referred, strict=True):
        for person, _match in finding.matches:
            people["referral"].append(referral.pk)
            people["person"].append(person)
        for record in finding.records:
            records["referral"].append(referral.pk)
            records["violationrecord"].append(record)
    insert_columns(Referral.people.through, people)  # a referral of a CSV row links about 20 of each
    insert_columns(Referral.records.through, records)
    outbox.send(ReferralsWaiting(screening=screening.pk))


# --- What the screener sees -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One row as its screener sees it: the row, who they gave, and the answer — nothing more."""

    row: int
    given: str
    result: str  # clear, referred, not screened
    label: str
    outcome: str = ""  # the working group's outcome, once decided
    outcome_label: str = ""
    conditions: str = ""
    problem: str = ""


def my_screenings(by: Actor) -> QuerySet[Screening]:
    access.require(by, RegistryAction.SCREEN)
    return Screening.objects.filter(submitted_by=by if isinstance(by, User) else None)


def screening_for(screening_id: int, *, by: Actor) -> Screening:
    """A screening for its own screener; anyone else is told it does not exist."""
    access.require(by, RegistryAction.SCREEN)
    screening = Screening.objects.filter(pk=screening_id, submitted_by=by if isinstance(by, User) else None).first()
    if screening is None:
        raise access.Hidden(RegistryAction.SCREEN)
    return screening


def answers(screening: Screening, *, by: Actor, ip: str | None = None) -> list[Answer]:
    screening = screening_for(screening.pk, by=by)
    rows = list(ScreeningRow.objects.filter(screening=screening).select_related("screening__data_key", "referral"))
    audit.record(by, "registry.screening_view", screening, ip=ip)
    found = []
    for row in rows:
        given = json.loads(row.applicant)
        referral = getattr(row, "referral", None) if row.result == Result.REFERRED else None
        decided = referral is not None and referral.outcome != Referral.Outcome.OPEN
        found.append(Answer(
            row=row.row, given=given.get("name") or given.get("given", ""), result=row.result,
            label=str(row.get_result_display()), problem=row.problem,
            outcome=referral.outcome if referral is not None and decided else "",
            outcome_label=str(referral.get_outcome_display()) if referral is not None and decided else "",
            conditions=referral.conditions if referral is not None and referral.outcome == Referral.Outcome.CONDITIONS else ""))
    return found


def export_rows(found: Sequence[Answer]) -> list[list[str]]:
    """The screener's answers as CSV rows: `row,name,result`, every cell safe to open in a spreadsheet."""
    table = [["row", "name", "result"]]
    for answer in found:
        result = answer.outcome or ("not screened" if answer.result == Result.INVALID else answer.result)
        table.append([str(answer.row), safe_cell(answer.given), result])
    return table


# --- The working group -----------------------------------------------------------------------


def open_referrals(*, by: Actor) -> QuerySet[Referral]:
    access.require(by, RegistryAction.REFERRALS)
    return (Referral.objects.filter(outcome=Referral.Outcome.OPEN)
            .select_related("applicant__screening__submitted_by").order_by("pk"))


def decided_referrals(*, by: Actor) -> QuerySet[Referral]:
    access.require(by, RegistryAction.REFERRALS)
    return (Referral.objects.exclude(outcome=Referral.Outcome.OPEN)
            .select_related("applicant__screening", "decided_by").order_by("-decided_at")[:50])


def _conflicted(referral: Referral, by: Actor) -> bool:
    """A working-group member whose own linked account is among the people matched does not see it."""
    return isinstance(by, User) and StaffAccount.objects.filter(
        user=by, identity__person__in=referral.people.all()).exists()


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    applicant: Applicant
    purpose: str
    matches: list[dict[str, Any]]  # per person: score, verdict, evidence
    people: list[Person]
    records: list[tuple[ViolationRecord, bool]]  # with whether the reader may read it in full


def read_referral(referral_id: int, *, by: Actor, ip: str | None = None) -> ReferralView:
    access.require(by, RegistryAction.REFERRALS)
    referral = (Referral.objects.select_related("applicant__screening__data_key", "decided_by")
                .filter(pk=referral_id).first())
    if referral is None or _conflicted(referral, by):
        raise access.Hidden(RegistryAction.REFERRALS)
    people = list(referral.people.prefetch_related(*with_details()).order_by("pk"))
    records = list(referral.records.order_by("-starts_on", "-pk"))
    audit.record(by, "registry.referral_view", referral, ip=ip, detail={"people": [person.pk for person in people]})
    return ReferralView(referral=referral, applicant=Applicant.from_json(referral.applicant.applicant),
                        purpose=str(referral.applicant.screening.get_purpose_display()),
                        matches=_labelled(json.loads(referral.evidence)), people=people,
                        records=visible_records(records, by=by))


KINDS = {"email": _lazy("Email address"), "account": _lazy("Account"), "name": _lazy("Name")}


def _labelled(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored evidence with the words the page shows for its kinds and ways of matching."""
    hows = {str(how): how.label for how in matching.How}
    for match in matches:
        for item in match["evidence"]:
            item["kind_label"] = KINDS.get(item["kind"], item["kind"])
            item["how_label"] = hows.get(item["how"], item["how"])
    return matches


@transaction.atomic
def decide_referral(referral_id: int, *, outcome: str, conditions: str = "", note: str = "", by: Actor,
                    ip: str | None = None) -> Referral:
    access.require(by, RegistryAction.REFERRALS)
    referral = Referral.objects.select_for_update().select_related("applicant__screening__data_key").filter(
        pk=referral_id).first()
    if referral is None or _conflicted(referral, by):
        raise access.Hidden(RegistryAction.REFERRALS)
    if referral.outcome != Referral.Outcome.OPEN:
        raise RegistryError(None, _("This referral was already decided."))
    if outcome not in {Referral.Outcome.APPROVED, Referral.Outcome.DECLINED, Referral.Outcome.CONDITIONS}:
        raise RegistryError("outcome", _("Choose approve, decline or approve with conditions."))
    conditions, note = conditions.strip(), note.strip()
    if outcome == Referral.Outcome.CONDITIONS and not conditions:
        raise RegistryError("conditions", _("Write the conditions: the screener is shown them."))
    if outcome != Referral.Outcome.CONDITIONS and conditions:
        raise RegistryError("conditions", _("Conditions go with “approved with conditions” only."))
    if len(conditions) > 2000 or len(note) > 5000:
        raise RegistryError("conditions" if len(conditions) > 2000 else "note", _("This text is too long."))
    referral.outcome, referral.decided_by, referral.decided_at = outcome, by if isinstance(by, User) else None, timezone.now()
    referral.conditions, referral.note = conditions, note
    referral.save(update_fields=["outcome", "decided_by", "decided_at", "conditions_sealed", "note_sealed"])
    audit.record(by, "registry.referral_decide", referral, ip=ip, detail={"outcome": outcome})
    outbox.send(ReferralDecided(referral=referral.pk))
    return referral
