"""Intake and the reporter's side of a case."""

from __future__ import annotations

import io
import json
import logging
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
from steward.core import access, audit, crypto, outbox, sealed_files
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import held, receipts, uploads
from .messages import AcknowledgeReport, ReporterNotice
from .models import Evidence, HeldUpload, Message, Report, SubmissionReceipt, ongoing_as_bool
from .permissions import INTAKE, REENCRYPT_EVIDENCE, ReportAction
from .uploads import CleanFile as CleanFile  # the files a report or a reply carries (see Intake)

log = logging.getLogger(__name__)


class DuplicateSubmission(DomainError):
    """The same form was sent again. `code` is its receipt code while it can still be shown again, else None."""

    def __init__(self, code: str | None = None, report: Report | None = None) -> None:
        self.code, self.report = code, report
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


def submission_hash(token: str) -> str:
    return crypto.keyed_hash(token, purpose="submission")


def submit_report(intake: Intake, *, recorded_by: User | None = None, ip: str | None = None) -> tuple[Report, str]:
    """Store a report and open its case; return the report and its receipt code.

    Everything happens in one transaction: a failure anywhere leaves no report, no case and
    no file behind. Once this returns, the report is durably stored. The files held for this
    form (sent before a correction) are attached with the new ones. The same form sent again
    raises DuplicateSubmission carrying the same code, for `SubmissionReceipt.KEEP_FOR`.
    """
    if recorded_by is not None:
        access.require(recorded_by, ReportAction.RECORD_REPORT)
    token_hash = submission_hash(intake.submission_token)
    kept = list(HeldUpload.objects.filter(submission_hash=token_hash, held_at__gte=_hold_cutoff()))
    stored: list[str] = []
    try:
        # The audit entries join the chain last, so intakes wait for each other only for the append and the commit.
        with transaction.atomic(), audit.deferred():
            report, code = _store(intake, recorded_by, stored, ip, kept)
    except DuplicateSubmission:
        uploads.discard(stored)
        raise _duplicate(intake.submission_token, token_hash) from None
    except IntegrityError:
        uploads.discard(stored)
        if Report.objects.filter(submission_hash=token_hash).exists():
            raise _duplicate(intake.submission_token, token_hash) from None
        raise
    except BaseException:
        uploads.discard(stored)
        raise
    held.discard([upload.stored_name for upload in kept])  # their rows went with the transaction
    return report, code


def _duplicate(token: str, token_hash: str) -> DuplicateSubmission:
    receipt = (SubmissionReceipt.objects.select_related("report").filter(
        submission_hash=token_hash, created_at__gte=timezone.now() - SubmissionReceipt.KEEP_FOR).first())
    code = held.open_code(token, receipt) if receipt else None
    return DuplicateSubmission(code, receipt.report if code and receipt else None)


def _store(intake: Intake, recorded_by: User | None, stored: list[str], ip: str | None,
           kept: list[HeldUpload]) -> tuple[Report, str]:
    token_hash = submission_hash(intake.submission_token)
    if Report.objects.filter(submission_hash=token_hash).exists():
        raise DuplicateSubmission()
    ongoing = ongoing_as_bool(intake.ongoing)
    # The case's language is the one the reporter chose for our replies. Guessing it from the text
    # (langdetect) cost a fifth of an intake's CPU and never told staff more than that choice did.
    # Both keys in one statement: the case's, and the report's own (a report can be split into another case).
    case_key, key = crypto.new_data_keys(DataKey.Purpose.CASE, DataKey.Purpose.REPORT)
    case = cases.open_case(space=intake.space, danger=bool(intake.danger_now), ongoing=ongoing,
                           language=intake.preferred_language, channel=intake.channel, data_key=case_key)

    code, receipt_hash = receipts.issue()
    email = "" if intake.anonymous else intake.contact_email.strip()
    accounts = json.dumps([[a.system, a.handle] for a in intake.accounts]) if intake.accounts else ""
    report = Report(
        case=case, data_key=key, channel=intake.channel, recorded_by=recorded_by,
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
    SubmissionReceipt.objects.create(report=report, submission_hash=token_hash,
                                     code_sealed=held.seal_code(intake.submission_token, token_hash, code))
    for account in intake.accounts:
        cases.add_party(case, system=account.system, handle=account.handle, role=Party.Role.REPORTED, by=INTAKE)
    loaded = [held.load(intake.submission_token, upload) for upload in kept]
    files = [clean for clean in loaded if clean is not None] + list(intake.files)
    _attach(report, files, stored)
    HeldUpload.objects.filter(pk__in=[upload.pk for upload in kept]).delete()
    if email:  # a reporter writing from a staff member's address makes that staff member conflicted
        cases.detect_conflicts(case, by=INTAKE)
    audit.record(recorded_by, "report.submit", report, ip=ip, actor_kind=None if recorded_by else "reporter",
                 detail={"channel": intake.channel, "files": len(files)})
    if email:
        outbox.send(AcknowledgeReport(report=report.pk))
    return report, code


def _hold_cutoff() -> datetime:
    return timezone.now() - HeldUpload.HOLD_FOR


def held_files(token: str | None) -> list[held.HeldFile]:
    """The files kept for this form, as its re-display lists them (decrypted with the form's token)."""
    if token is None:
        return []
    rows = HeldUpload.objects.filter(submission_hash=submission_hash(token), held_at__gte=_hold_cutoff())
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
    receipts_gone, _detail = SubmissionReceipt.objects.filter(created_at__lt=now - SubmissionReceipt.KEEP_FOR).delete()
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
    digest = receipts.code_hash(code)
    if digest is None:
        return None
    return Report.objects.select_related("case", "case__assignee", "data_key").filter(receipt_hash=digest).first()


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
