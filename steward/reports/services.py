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
from langdetect import DetectorFactory, LangDetectException, detect

from steward.cases import conflicts as case_conflicts
from steward.cases import services as cases
from steward.cases import tasks as case_tasks
from steward.cases.models import Case, Party, Space
from steward.core import access, audit, crypto
from steward.core.errors import DomainError
from steward.core.models import DataKey

from . import receipts, tasks, uploads
from .models import Evidence, Message, Report, ongoing_as_bool

log = logging.getLogger(__name__)
DetectorFactory.seed = 0  # language detection is deterministic


class DuplicateSubmission(DomainError):
    def __init__(self) -> None:
        super().__init__(_("This report was already received. Use the receipt code you were given to follow it."))


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
    danger_now: bool = False
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


# The opening of a report tells its language as well as the whole: detection time grows with the
# length (about 9 ms CPU at 20,000 characters against 1.4 ms at 1,000); the answer hardly ever does.
DETECT_LANGUAGE_CHARS = 1000


def detect_language(text: str) -> str:
    text = text.strip()[:DETECT_LANGUAGE_CHARS]
    try:
        return detect(text) if len(text) >= 12 else ""
    except LangDetectException:
        return ""


def submission_hash(token: str) -> str:
    return crypto.keyed_hash(token, purpose="submission")


def submit_report(intake: Intake, *, recorded_by: User | None = None, ip: str | None = None) -> tuple[Report, str]:
    """Store a report and open its case; return the report and its receipt code (shown once).

    Everything happens in one transaction: a failure anywhere leaves no report, no case and
    no file behind. Once this returns, the report is durably stored.
    """
    if recorded_by is not None:
        access.require(recorded_by, "record_report")
    stored: list[str] = []
    try:
        # The audit entries join the chain last, so intakes wait for each other only for the append and the commit.
        with transaction.atomic(), audit.deferred():
            report, code = _store(intake, recorded_by, stored, ip)
    except IntegrityError:
        uploads.discard(stored)
        if Report.objects.filter(submission_hash=submission_hash(intake.submission_token)).exists():
            raise DuplicateSubmission() from None
        raise
    except BaseException:
        uploads.discard(stored)
        raise
    return report, code


def _store(intake: Intake, recorded_by: User | None, stored: list[str], ip: str | None) -> tuple[Report, str]:
    token_hash = submission_hash(intake.submission_token)
    if Report.objects.filter(submission_hash=token_hash).exists():
        raise DuplicateSubmission()
    language = detect_language(intake.narrative)
    ongoing = ongoing_as_bool(intake.ongoing)
    case = cases.open_case(space=intake.space, danger=intake.danger_now, ongoing=ongoing, language=language,
                           channel=intake.channel)
    key = crypto.new_data_key(DataKey.Purpose.REPORT)

    def sealed(name: str, value: str) -> crypto.Pending | None:
        return crypto.pending(key, value, field=f"report.{name}") if value else None

    code, receipt_hash = receipts.issue()
    email = "" if intake.anonymous else intake.contact_email.strip()
    report = Report.objects.create(
        case=case, data_key=key, channel=intake.channel, recorded_by=recorded_by,
        occurred_at=intake.occurred_at, occurred_approx_sealed=sealed("occurred_approx", intake.occurred_approx),
        space=intake.space, location_sealed=sealed("location", intake.location),
        narrative_sealed=crypto.pending(key, intake.narrative, field="report.narrative"),
        involved_sealed=sealed("involved", intake.involved), witnesses_sealed=sealed("witnesses", intake.witnesses),
        wishes_sealed=sealed("wishes", intake.wishes),
        categories_sealed=sealed("categories", json.dumps(intake.categories) if intake.categories else ""),
        ongoing=intake.ongoing, danger_now=intake.danger_now,
        reporter_role=intake.reporter_role, consent_contact_reported=intake.consent_contact_reported,
        consent_name_to_reported=intake.consent_name_to_reported and not intake.anonymous,
        anonymous=intake.anonymous,
        contact_name_sealed=sealed("contact_name", "" if intake.anonymous else intake.contact_name),
        contact_email_sealed=sealed("contact_email", email),
        contact_email_index=crypto.blind_index(email, purpose="email") if email else "",
        preferred_language=intake.preferred_language, detected_language=language,
        receipt_hash=receipt_hash, submission_hash=token_hash,
    )
    for account in intake.accounts:
        cases.add_party(case, system=account.system, handle=account.handle, role=Party.Role.REPORTED)
    _attach(report, intake.files, stored)
    if email:  # a reporter writing from a staff member's address makes that staff member conflicted
        case_conflicts.detect(case)
    audit.record(recorded_by, "report.submit", report, ip=ip, actor_kind=None if recorded_by else "reporter",
                 detail={"channel": intake.channel, "files": len(intake.files)})
    if email:
        transaction.on_commit(lambda: tasks.acknowledge_report.enqueue(report.pk))
    return report, code


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
