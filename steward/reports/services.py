"""Intake and the reporter's side of a case."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import conflicts as case_conflicts
from steward.cases import services as cases
from steward.cases import tasks as case_tasks
from steward.cases.models import Case, Party, Space
from steward.core import access, audit, crypto
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import held, receipts, tasks, uploads
from .models import Evidence, HeldUpload, Message, Report, SubmissionReceipt, ongoing_as_bool

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
        access.require(recorded_by, "record_report")
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

    def sealed(name: str, value: str) -> crypto.Pending | None:
        return crypto.pending(key, value, field=f"report.{name}") if value else None

    code, receipt_hash = receipts.issue()
    email = "" if intake.anonymous else intake.contact_email.strip()
    accounts = json.dumps([[a.system, a.handle] for a in intake.accounts]) if intake.accounts else ""
    report = Report.objects.create(
        case=case, data_key=key, channel=intake.channel, recorded_by=recorded_by,
        occurred_at=intake.occurred_at, occurred_approx_sealed=sealed("occurred_approx", intake.occurred_approx),
        space=intake.space, location_sealed=sealed("location", intake.location),
        narrative_sealed=crypto.pending(key, intake.narrative, field="report.narrative"),
        involved_sealed=sealed("involved", intake.involved), witnesses_sealed=sealed("witnesses", intake.witnesses),
        wishes_sealed=sealed("wishes", intake.wishes),
        categories_sealed=sealed("categories", json.dumps(intake.categories) if intake.categories else ""),
        accounts_sealed=sealed("accounts", accounts),
        ongoing=intake.ongoing, danger_now=intake.danger_now,
        reporter_role=intake.reporter_role, consent_contact_reported=intake.consent_contact_reported,
        consent_name_to_reported=intake.consent_name_to_reported and not intake.anonymous,
        anonymous=intake.anonymous,
        contact_name_sealed=sealed("contact_name", "" if intake.anonymous else intake.contact_name),
        contact_email_sealed=sealed("contact_email", email),
        contact_email_index=crypto.blind_index(email, purpose="email") if email else "",
        preferred_language=intake.preferred_language,
        receipt_hash=receipt_hash, submission_hash=token_hash,
    )
    SubmissionReceipt.objects.create(report=report, submission_hash=token_hash,
                                     code_sealed=held.seal_code(intake.submission_token, token_hash, code))
    for account in intake.accounts:
        cases.add_party(case, system=account.system, handle=account.handle, role=Party.Role.REPORTED)
    loaded = [held.load(intake.submission_token, upload) for upload in kept]
    files = [clean for clean in loaded if clean is not None] + list(intake.files)
    _attach(report, files, stored)
    HeldUpload.objects.filter(pk__in=[upload.pk for upload in kept]).delete()
    if email:  # a reporter writing from a staff member's address makes that staff member conflicted
        case_conflicts.detect(case)
    audit.record(recorded_by, "report.submit", report, ip=ip, actor_kind=None if recorded_by else "reporter",
                 detail={"channel": intake.channel, "files": len(files)})
    if email:
        transaction.on_commit(lambda: tasks.acknowledge_report.enqueue(report.pk))
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


def _attach(report: Report, files: list[uploads.CleanFile], stored: list[str], message: Message | None = None) -> None:
    for clean in files:
        stored_name = uploads.store(report.data_key, clean)
        stored.append(stored_name)
        Evidence.objects.create(
            report=report, message=message, stored_name=stored_name, content_type=clean.content_type,
            size=len(clean.data), name_sealed=crypto.pending(report.data_key, clean.name, field="evidence.name"),
        )


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
            message = Message.objects.create(
                report=report, direction=Message.Direction.FROM_REPORTER,
                body_sealed=crypto.pending(report.data_key, body, field="message.body"),
            )
            _attach(report, files, stored, message)
            if body.strip():
                cases.record_event(case, "message_from_reporter", report=report.reference)
            if files:
                cases.record_event(case, "evidence_added", count=len(files))
            audit.record(None, "report.reply", report, actor_kind="reporter", detail={"files": len(files)})
            if case.assignee_id:
                transaction.on_commit(lambda: case_tasks.notify_assignee.enqueue(case.pk, "reporter_message"))
    except BaseException:
        uploads.discard(stored)
        raise
    return message


@transaction.atomic
def message_reporter(report: Report, *, by: User, body: str, ip: str | None = None) -> Message:
    """Staff write to the reporter of one report; the reporter reads it with their code."""
    access.require(by, "message", report.case)
    if report.is_erased:
        raise DomainError(_("This case was erased: nothing can be added to it."))
    if not body.strip():
        raise DomainError(_("The message is empty."))
    message = Message.objects.create(report=report, direction=Message.Direction.TO_REPORTER, author=by,
                                     body_sealed=crypto.pending(report.data_key, body, field="message.body"))
    cases.record_event(report.case, "message_to_reporter", by, report=report.reference)
    audit.record(by, "report.message", report, ip=ip, detail={"message": message.pk})
    if report.contact_email_sealed:
        transaction.on_commit(lambda: tasks.notify_reporter.enqueue(report.pk))
    return message


def evidence_for_staff(evidence: Evidence, *, by: User, ip: str | None) -> bytes:
    access.require(by, "evidence", evidence.report.case)
    audit.record(by, "evidence.download", evidence, ip=ip)
    return uploads.load(evidence.report.data_key, evidence.stored_name)


def evidence_preview_for_staff(evidence: Evidence, *, by: User, ip: str | None) -> tuple[bytes, str] | None:
    """A re-encoded copy of an evidence image (bytes, content type), audited like a download;
    None when the file is not an image that can be previewed."""
    access.require(by, "evidence", evidence.report.case)
    if not evidence.is_image or evidence.report.is_erased:
        return None
    try:
        copy = uploads.preview(uploads.load(evidence.report.data_key, evidence.stored_name), evidence.content_type)
    except uploads.NoPreview:
        return None
    audit.record(by, "evidence.preview", evidence, ip=ip)
    return copy
