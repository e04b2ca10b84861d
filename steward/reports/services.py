"""Intake and the reporter's side of a case."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth.models import User
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.events import CasesMerged, ReportSplitOff
from steward.cases.models import Case, Party, Space
from steward.cases.permissions import CaseAction
from steward.core import access, audit, crypto, outbox, rows, sealed_files
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import held, receipts, uploads
from .messages import AcknowledgeReport, FileReport, ReporterNotice
from .models import Evidence, HeldUpload, Message, ReceivedReport, Report, ongoing_as_bool
from .permissions import INTAKE, REENCRYPT_EVIDENCE, ReportAction
from .uploads import CleanFile as CleanFile  # the files a report or a reply carries (see Intake)

log = logging.getLogger(__name__)


class DuplicateSubmission(DomainError):
    """The same form was sent again. `code` is its receipt code while it can still be shown again, else None;
    `danger` is what the report said about danger now; `report` is the report once it is filed."""

    def __init__(self, code: str | None = None, danger: bool | None = None, report: Report | None = None) -> None:
        self.code, self.danger, self.report = code, danger, report
        super().__init__(_("We had already received this report. Here is its receipt code again.") if code else
                         _("This report was already received. Use the receipt code you were given to follow it."))


@dataclass
class Account:
    system: str
    handle: str


@dataclass
class Intake:
    """A report as the form (or a staff member recording it) gives it to us, already validated."""

    narrative: str
    reporter_role: str
    submission_token: str
    occurred_at: datetime | None = None
    occurred_approx: str = ""
    space: Space | None = None
    location: str = ""
    involved: str = ""
    accounts: list[Account] = field(default_factory=list)
    ongoing: str = Report.Ongoing.UNKNOWN
    danger_now: bool | None = None  # None: not answered
    witnesses: str = ""
    wishes: str = ""
    consent_contact_reported: bool = False
    consent_name_to_reported: bool = False
    anonymous: bool = True
    contact_name: str = ""
    contact_email: str = ""
    preferred_language: str = ""
    channel: str = Report.Channel.WEB
    files: list[uploads.CleanFile] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # slugs from the current guidelines
    held_files: int = 0  # files the form holds from before a correction (the form lists them)

    # What a received report keeps until it is filed: the answers, not the token or the files.
    _KEPT = ("narrative", "reporter_role", "occurred_approx", "location", "involved", "ongoing", "danger_now",
             "witnesses", "wishes", "consent_contact_reported", "consent_name_to_reported", "anonymous",
             "contact_name", "contact_email", "preferred_language", "channel", "categories")

    def to_json(self) -> str:
        data: dict[str, object] = {name: getattr(self, name) for name in self._KEPT}
        data |= {"occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
                 "space": self.space.pk if self.space else None,
                 "accounts": [[account.system, account.handle] for account in self.accounts]}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Intake:
        data = json.loads(text)
        occurred_at, space_id = data.pop("occurred_at"), data.pop("space")
        accounts = [Account(system, handle) for system, handle in data.pop("accounts")]
        return cls(**data, submission_token=NOT_KEPT, accounts=accounts,
                   occurred_at=datetime.fromisoformat(occurred_at) if occurred_at else None,
                   space=_space(space_id) if space_id else None)


def _space(pk: int) -> Space | None:
    """The space a received report names: from the cached active ones, else (made inactive since) its row;
    None if removed since."""
    return cases.active_space(pk) or Space.objects.filter(pk=pk).first()


NOT_KEPT = ""  # a received report is filed without its form's token, which is never stored


@dataclass(frozen=True)
class Receipt:
    """What the reporter is answered: the receipt code, and whether they said someone is in danger now."""

    code: str
    danger: bool | None


def submission_hash(token: str) -> str:
    return crypto.keyed_hash(token, purpose="submission")


def files_at_once(intake: Intake) -> bool:
    """Whether a report is filed before the reporter is answered rather than a moment later: when it
    carries files (they are sealed under its key as they are stored) or says someone is in danger
    now (the case is P1 and Security is alerted at once)."""
    return bool(intake.files or intake.held_files or intake.danger_now)


def receive_report(intake: Intake) -> Receipt:
    """The reporter's form was sent: store the report durably and answer with its receipt code.

    Most reports are stored as one sealed `ReceivedReport` (with the report's data key and an outbox
    message that files it), so answering costs a few statements, and `file_received` opens the case a
    moment later in the worker, or when the receipt code is first used. The rest are filed at once
    (`files_at_once`). The same form sent again raises DuplicateSubmission with the same code."""
    if files_at_once(intake):
        report, code = submit_report(intake)
        return Receipt(code, report.danger_now)
    token_hash = submission_hash(intake.submission_token)
    code, receipt_hash = receipts.issue()
    code_sealed, answers = held.seal_code(intake.submission_token, token_hash, code), intake.to_json()

    def received_rows(batch: rows.Batch) -> None:  # the answer's three rows, in one round trip (core.rows)
        key = batch.add(crypto.new_unsaved_data_key(DataKey.Purpose.REPORT))
        received = ReceivedReport(data_key=key, submission_hash=token_hash, receipt_hash=receipt_hash,
                                  code_sealed=code_sealed)
        received.intake = answers
        batch.add(received)
        batch.add(outbox.message_row(FileReport(received=received.pk)))

    try:
        rows.together(received_rows)
    except IntegrityError:
        raise _duplicate(intake.submission_token, token_hash) from None
    return Receipt(code, intake.danger_now)


def file_received(received_id: int) -> Report | None:
    """File a received report into a new case, as if it had been filed when it was received (its
    case's clocks start then). Filing twice files once: the worker's message and the reporter's
    first use of the code may both ask. None when the row is gone (past `KEEP_FOR`)."""
    with transaction.atomic(), audit.deferred():
        received = ReceivedReport.objects.select_for_update().select_related("data_key").filter(pk=received_id).first()
        if received is None or received.report_id is not None:
            return received.report if received else None
        intake = Intake.from_json(received.intake)
        report = _store(intake, token_hash=received.submission_hash, receipt_hash=received.receipt_hash,
                        key=received.data_key, received_at=received.received_at)
        received.report, received.filed_at, received.intake = report, timezone.now(), ""
        received.save(update_fields=["report", "filed_at", "intake_sealed"])
    return report


def submit_report(intake: Intake, *, recorded_by: User | None = None, ip: str | None = None) -> tuple[Report, str]:
    """Store a report and open its case now; return the report and its receipt code.

    Everything happens in one transaction: a failure anywhere leaves no report, no case and
    no file behind. Once this returns, the report is durably stored. The files held for this
    form (sent before a correction) are attached with the new ones. The same form sent again
    raises DuplicateSubmission carrying the same code, for `ReceivedReport.KEEP_FOR`.
    """
    if recorded_by is not None:
        access.require(recorded_by, ReportAction.RECORD_REPORT)
    token_hash = submission_hash(intake.submission_token)
    if ReceivedReport.objects.filter(submission_hash=token_hash).exists():
        raise _duplicate(intake.submission_token, token_hash)
    kept = list(HeldUpload.objects.filter(submission_hash=token_hash, held_at__gte=_hold_cutoff()))
    stored: list[str] = []
    code, receipt_hash = receipts.issue()
    try:
        # The audit entries join the chain last, so intakes wait for each other only for the append and the commit.
        with transaction.atomic(), audit.deferred():
            (key,) = crypto.new_data_keys(DataKey.Purpose.REPORT)
            report = _store(intake, token_hash=token_hash, receipt_hash=receipt_hash, key=key,
                            recorded_by=recorded_by, ip=ip, kept=kept, stored=stored)
            ReceivedReport.objects.create(data_key=key, submission_hash=token_hash, receipt_hash=receipt_hash,
                                          code_sealed=held.seal_code(intake.submission_token, token_hash, code),
                                          received_at=report.received_at, report=report, filed_at=report.received_at)
    except IntegrityError:
        uploads.discard(stored)
        if ReceivedReport.objects.filter(submission_hash=token_hash).exists():
            raise _duplicate(intake.submission_token, token_hash) from None
        raise
    except BaseException:
        uploads.discard(stored)
        raise
    held.discard([upload.stored_name for upload in kept])  # their rows went with the transaction
    return report, code


def _duplicate(token: str, token_hash: str) -> DuplicateSubmission:
    receipt = (ReceivedReport.objects.select_related("report").filter(
        submission_hash=token_hash, received_at__gte=timezone.now() - ReceivedReport.KEEP_FOR).first())
    code = held.open_code(token, receipt) if receipt else None
    if receipt is None or code is None:
        return DuplicateSubmission()
    if receipt.report is None:
        return DuplicateSubmission(code)  # not filed yet: filed without files or danger now
    return DuplicateSubmission(code, receipt.report.danger_now, receipt.report)


def _store(intake: Intake, *, token_hash: str, receipt_hash: str, key: DataKey, received_at: datetime | None = None,
           recorded_by: User | None = None, ip: str | None = None, kept: Sequence[HeldUpload] = (),
           stored: list[str] | None = None) -> Report:
    """Write the report's rows and open its case, inside the caller's transaction."""
    received_at = received_at or timezone.now()
    ongoing = ongoing_as_bool(intake.ongoing)
    # The case's language is the one the reporter chose for our replies. Guessing it from the text
    # (langdetect) cost a fifth of an intake's CPU and never told staff more than that choice did.
    case = cases.open_case(space=intake.space, danger=bool(intake.danger_now), ongoing=ongoing,
                           language=intake.preferred_language, channel=intake.channel, opened_at=received_at,
                           data_key=crypto.new_data_keys(DataKey.Purpose.CASE)[0])
    email = "" if intake.anonymous else intake.contact_email.strip()
    accounts = json.dumps([[a.system, a.handle] for a in intake.accounts]) if intake.accounts else ""
    report = Report(
        case=case, data_key=key, channel=intake.channel, recorded_by=recorded_by, received_at=received_at,
        occurred_at=intake.occurred_at, space=intake.space,
        ongoing=intake.ongoing, danger_now=intake.danger_now,
        reporter_role=intake.reporter_role, consent_contact_reported=intake.consent_contact_reported,
        consent_name_to_reported=intake.consent_name_to_reported and not intake.anonymous,
        anonymous=intake.anonymous,
        contact_email_index=crypto.blind_index(email, purpose="email") if email else "",
        preferred_language=intake.preferred_language,
        receipt_hash=receipt_hash, submission_hash=token_hash,
    )
    report.occurred_approx, report.location, report.narrative = intake.occurred_approx, intake.location, intake.narrative
    report.involved, report.witnesses, report.wishes = intake.involved, intake.witnesses, intake.wishes
    report.categories_json = json.dumps(intake.categories) if intake.categories else ""
    report.accounts_json = accounts
    report.contact_name = "" if intake.anonymous else intake.contact_name
    report.contact_email = email
    report.save(force_insert=True)
    for account in intake.accounts:
        cases.add_party(case, system=account.system, handle=account.handle, role=Party.Role.REPORTED, by=INTAKE)
    loaded = [held.load(intake.submission_token, upload) for upload in kept]
    files = [clean for clean in loaded if clean is not None] + list(intake.files)
    _attach(report, files, stored if stored is not None else [])
    if kept:
        HeldUpload.objects.filter(pk__in=[upload.pk for upload in kept]).delete()
    if email:  # a reporter writing from a staff member's address makes that staff member conflicted
        cases.detect_conflicts(case, by=INTAKE)
    audit.record(recorded_by, "report.submit", report, ip=ip, actor_kind=None if recorded_by else "reporter",
                 detail={"channel": intake.channel, "files": len(files)})
    if email:
        outbox.send(AcknowledgeReport(report=report.pk))
    return report


def _hold_cutoff() -> datetime:
    return timezone.now() - HeldUpload.HOLD_FOR


def held_files(token: str | None, listed: Sequence[str] | None = None) -> list[held.HeldFile]:
    """The files kept for this form, as its re-display lists them (decrypted with the form's token).
    With `listed`, the ids the sent form lists: only those, and no query when it lists none (a first send)."""
    wanted = None if listed is None else [int(value) for value in listed if value.isdigit()]
    if token is None or wanted == []:
        return []
    rows = HeldUpload.objects.filter(submission_hash=submission_hash(token), held_at__gte=_hold_cutoff())
    if wanted is not None:
        rows = rows.filter(pk__in=wanted)
    return [held.describe(token, row) for row in rows]


def hold_files(token: str, files: list[uploads.CleanFile]) -> None:
    """Keep the files of a form that came back for a correction, sealed under the form's token.

    Also the place where holds nobody came back for are cleared (with the daily purge as the backstop)."""
    purge_held()
    if not files:
        return
    token_hash = submission_hash(token)
    written: list[str] = []
    try:
        with transaction.atomic():
            for clean in files:
                written.append(held.write(token, token_hash, clean).stored_name)
    except BaseException:
        held.discard(written)
        raise


def release_files(token: str, ids: list[str]) -> None:
    """The reporter removed files from the form before sending it: they are deleted, not sent."""
    wanted = [int(value) for value in ids if value.isdigit()]
    if not wanted:
        return
    with transaction.atomic():
        rows = list(HeldUpload.objects.select_for_update().filter(submission_hash=submission_hash(token), pk__in=wanted))
        HeldUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()
    held.discard([row.stored_name for row in rows])


def purge_held(now: datetime | None = None) -> int:
    """Delete held files nobody came back for, and receipt codes past the time they may be shown again."""
    now = now or timezone.now()
    expired = list(HeldUpload.objects.filter(held_at__lt=now - HeldUpload.HOLD_FOR).values_list("pk", "stored_name"))
    if expired:
        HeldUpload.objects.filter(pk__in=[pk for pk, _name in expired]).delete()
        held.discard([name for _pk, name in expired])
    # Only filed ones: a received report waits for its filing however long that takes.
    receipts_gone, _detail = ReceivedReport.objects.filter(filed_at__isnull=False,
                                                           received_at__lt=now - ReceivedReport.KEEP_FOR).delete()
    return len(expired) + receipts_gone


def remove_orphan_files(*, older_than: datetime) -> int:
    """Delete stored evidence and held files written before ``older_than`` that no row points at: left by an
    erasure interrupted after its commit, or a process that died between writing a file and its row."""
    known = set(Evidence.objects.values_list("stored_name", flat=True))
    found = uploads.orphans(known, older_than=older_than)
    uploads.discard(found)
    known_held = set(HeldUpload.objects.values_list("stored_name", flat=True))
    found_held = sealed_files.orphans(held.storage(), known_held, older_than=older_than)
    held.discard(found_held)
    if found or found_held:
        log.info("removed %d orphaned evidence files and %d orphaned held files", len(found), len(found_held))
    return len(found) + len(found_held)


def _attach(report: Report, files: list[uploads.CleanFile], stored: list[str], message: Message | None = None) -> None:
    for clean in files:
        evidence = Evidence(report=report, message=message, content_type=clean.content_type, size=clean.size)
        evidence.name = clean.name
        with clean.open() as source:  # the file is bound to its row before the row is written
            evidence.stored_name, evidence.file_key_sealed = uploads.store(report.data_key, source, size=clean.size,
                                                                          row=evidence.row_uuid)
        stored.append(evidence.stored_name)
        evidence.save(force_insert=True)


def find_report(code: str) -> Report | None:
    """The report of a receipt code; a report received but not filed yet is filed now."""
    digest = receipts.code_hash(code)
    if digest is None:
        return None
    found = Report.objects.select_related("case", "case__assignee", "data_key").filter(receipt_hash=digest).first()
    if found is None:
        received = ReceivedReport.objects.filter(receipt_hash=digest, report__isnull=True).values_list("pk", flat=True).first()
        if received is not None and file_received(received) is not None:
            found = Report.objects.select_related("case", "case__assignee", "data_key").filter(receipt_hash=digest).first()
    return found


def reporter_view(report: Report) -> Report:
    """The reporter opened their follow-up page: their unread messages are now read."""
    report.messages.filter(direction=Message.Direction.TO_REPORTER, read_at__isnull=True).update(read_at=timezone.now())
    audit.record(None, "report.follow_up", report, actor_kind="reporter")
    return report


def reporter_reply(report: Report, *, body: str, files: list[uploads.CleanFile]) -> Message | None:
    """The reporter adds information or files from the follow-up portal."""
    if report.is_erased:
        raise DomainError(_("This report has been erased."))
    if not body.strip() and not files:
        raise DomainError(_("Write a message or choose a file to send."))
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=report.case_id)
            message = Message(report=report, direction=Message.Direction.FROM_REPORTER)
            message.body = body
            message.save(force_insert=True)
            _attach(report, files, stored, message)
            if body.strip():
                cases.record_event(case, "message_from_reporter", report=report.reference)
            if files:
                cases.record_event(case, "evidence_added", count=len(files))
            audit.record(None, "report.reply", report, actor_kind="reporter", detail={"files": len(files)})
            if case.assignee_id:
                cases.notify_assignee(case, "reporter_message")
    except BaseException:
        uploads.discard(stored)
        raise
    return message


@transaction.atomic
def message_reporter(report: Report, *, by: User, body: str, ip: str | None = None) -> Message:
    """Staff write to the reporter of one report; the reporter reads it with their code."""
    access.require(by, CaseAction.MESSAGE, report.case)
    if report.is_erased:
        raise DomainError(_("This case was erased: nothing can be added to it."))
    if not body.strip():
        raise DomainError(_("The message is empty."))
    message = Message(report=report, direction=Message.Direction.TO_REPORTER, author=by)
    message.body = body
    message.save(force_insert=True)
    cases.record_event(report.case, "message_to_reporter", by, report=report.reference)
    audit.record(by, "report.message", report, ip=ip, detail={"message": message.pk})
    if report.contact_email_sealed:
        outbox.send(ReporterNotice(report=report.pk))
    return message


def evidence_for_staff(evidence: Evidence, *, by: User, ip: str | None) -> BinaryIO:
    """The evidence file, decrypted as it is read, for a download (the response closes it); audited."""
    access.require(by, CaseAction.EVIDENCE, evidence.report.case)
    stream = evidence.open_file()
    try:
        audit.record(by, "evidence.download", evidence, ip=ip)
    except BaseException:
        stream.close()
        raise
    return stream


def evidence_preview_for_staff(evidence: Evidence, *, by: User, ip: str | None) -> tuple[bytes, str] | None:
    """A re-encoded copy of an evidence image (bytes, content type), audited like a download;
    None when the file is not an image that can be previewed."""
    access.require(by, CaseAction.EVIDENCE, evidence.report.case)
    if not evidence.is_image or evidence.report.is_erased:
        return None
    try:
        copy = uploads.preview(evidence.read_file(), evidence.content_type)  # images are within the pixel limit
    except uploads.NoPreview:
        return None
    audit.record(by, "evidence.preview", evidence, ip=ip)
    return copy


# The reports follow their case (the cases app publishes these inside its merge or split).


def follow_merge(event: CasesMerged) -> None:
    """Cases were merged: their reports now belong to the target. Each report keeps its own data
    key, so moving it needs no re-encryption."""
    Report.objects.filter(case_id__in=event.sources).update(case_id=event.target)


def follow_split(event: ReportSplitOff) -> None:
    """A report was split off into a new case of its own."""
    if not Report.objects.filter(pk=event.report, case_id=event.source).update(case_id=event.target):
        raise DomainError(_("That report is not part of this case."))


# Erasure (retention calls these inside its erasure transaction).


@dataclass(frozen=True)
class ErasedReports:
    reports: int
    files: int


def erase_reports(case: Case, *, by: access.Actor, authority: StrEnum) -> ErasedReports:
    """Crypto-erase every report filed into `case`: their data keys are destroyed (narratives,
    messages and file names become unreadable for good), their evidence rows go and the files are
    deleted once the transaction commits. The email's blind index is cleared too, since it would
    still link a report to an address. `authority` is the retention app's action that allows erasing."""
    access.require(by, authority, case)
    reports = list(Report.objects.select_for_update().filter(case=case).select_related("data_key"))
    evidence = Evidence.objects.filter(report__in=reports)
    files = list(evidence.values_list("stored_name", flat=True))
    evidence.delete()
    for report in reports:
        crypto.destroy(report.data_key)
    Report.objects.filter(pk__in=[report.pk for report in reports]).update(contact_email_index="")
    transaction.on_commit(lambda: uploads.discard(files))
    return ErasedReports(reports=len(reports), files=len(files))


@dataclass
class Reencrypted:
    """What `reencrypt_evidence` did, file by file counted."""

    rewritten: int = 0  # stored whole (format 1), now streamed under their own key
    copied: int = 0  # already streamed, copied from the old folder into the evidence storage
    current: int = 0  # nothing to do
    missing: int = 0  # no file found for the row
    erased: int = 0  # the report's key is destroyed: nothing can be read, nothing is copied
    damaged: int = 0  # the stored file did not decrypt: left as it is


def reencrypt_evidence(*, source_dir: Path | None = None, dry_run: bool = False) -> Reencrypted:
    """Bring every evidence file into the current format in the configured evidence storage.

    Files stored whole (before streaming) are decrypted and encrypted again, segment by segment under a
    key of their own, under a new name; the row moves to it in one transaction and the old file is deleted
    afterwards, so an interruption leaves each row with a file it can read. With ``source_dir`` (the old
    MEDIA_ROOT/evidence folder, when moving to an object store) files are read from there and left there.
    Runs as the system, audited per file; a second run changes nothing."""
    done = Reencrypted()
    rows = Evidence.objects.select_related("report__data_key").order_by("pk")
    for evidence in rows.iterator(chunk_size=200):
        if evidence.report.data_key.wrapped is None:
            done.erased += 1
            continue
        storage = uploads.storage()
        if evidence.file_key_sealed is not None:
            if source_dir is None or storage.exists(evidence.stored_name):
                done.current += 1
            elif not (source_dir / evidence.stored_name).is_file():
                done.missing += 1
                log.warning("evidence %s has no stored file", evidence.pk)
            else:
                if not dry_run:  # ciphertext as it is: its name and row do not change
                    with (source_dir / evidence.stored_name).open("rb") as source:
                        storage.save(evidence.stored_name, File(source, evidence.stored_name))
                done.copied += 1
            continue
        try:
            if source_dir is None:
                sealed = sealed_files.read_all(storage, evidence.stored_name)
            else:
                sealed = (source_dir / evidence.stored_name).read_bytes()
        except FileNotFoundError:
            done.missing += 1
            log.warning("evidence %s has no stored file", evidence.pk)
            continue
        try:
            data = crypto.open_bytes(evidence.report.data_key, sealed, field=f"evidence.file:{evidence.stored_name}")
        except crypto.SealError:
            done.damaged += 1
            log.warning("evidence %s did not decrypt: it is left as it is", evidence.pk)
            continue
        if not dry_run:
            _rewrite(evidence, data, delete_old=source_dir is None)
        done.rewritten += 1
    return done


def _rewrite(evidence: Evidence, data: bytes, *, delete_old: bool) -> None:
    old_name = evidence.stored_name
    new_name, wrapped = uploads.store(evidence.report.data_key, io.BytesIO(data), size=len(data), row=evidence.row_uuid)
    try:
        with transaction.atomic():
            locked = Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
            # Else another run rewrote it meanwhile, or its case was erased.
            unchanged = locked is not None and locked.stored_name == old_name
            if locked is not None and unchanged:
                locked.stored_name, locked.file_key_sealed = new_name, wrapped
                locked.save(update_fields=["stored_name", "file_key_sealed"])
                audit.record(REENCRYPT_EVIDENCE, "evidence.reencrypt", locked)
    except BaseException:
        uploads.discard([new_name])
        raise
    if not unchanged:
        uploads.discard([new_name])
    elif delete_old:
        uploads.discard([old_name])
