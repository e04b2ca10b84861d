from __future__ import annotations

import json
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, Space
from steward.core import crypto
from steward.core.models import DataKey
from steward.policy import services as policy

from . import uploads


def ongoing_as_bool(answer: str) -> bool | None:
    """The reporter's "is it still happening?" as the case stores it: yes, no or unknown (None)."""
    return {Report.Ongoing.YES: True, Report.Ongoing.NO: False}.get(Report.Ongoing(answer))


class Report(models.Model):
    """What one person told us, in their words. Sealed with the report's own data key,
    so merging or splitting cases moves reports without re-encrypting them."""

    class Channel(models.TextChoices):
        WEB = "web", _("the reporting form")
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        IN_PERSON = "in_person", _("in person")
        MODERATOR = "moderator", _("another moderator")

    class Ongoing(models.TextChoices):
        YES = "yes", _("Yes, it is still happening")
        NO = "no", _("No, it has stopped")
        UNKNOWN = "unknown", _("I don't know")

    class ReporterRole(models.TextChoices):
        AFFECTED = "affected", _("It happened to me")
        WITNESS = "witness", _("I saw or heard it happen to someone else")
        OTHER = "other", _("Other (for example, someone told me about it)")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()  # sealed values are bound to it (see core.crypto)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(null=True, blank=True)
    occurred_approx_sealed = crypto.SealedField(null=True, blank=True)
    occurred_approx = crypto.Sealed("report.occurred_approx", key="data_key")
    space = models.ForeignKey(Space, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location_sealed = crypto.SealedField(null=True, blank=True)
    location = crypto.Sealed("report.location", key="data_key")
    narrative_sealed = crypto.SealedField()
    narrative = crypto.Sealed("report.narrative", key="data_key")
    involved_sealed = crypto.SealedField(null=True, blank=True)
    involved = crypto.Sealed("report.involved", key="data_key")
    witnesses_sealed = crypto.SealedField(null=True, blank=True)
    witnesses = crypto.Sealed("report.witnesses", key="data_key")
    wishes_sealed = crypto.SealedField(null=True, blank=True)
    wishes = crypto.Sealed("report.wishes", key="data_key")
    # Slugs of the guideline categories the reporter chose (JSON list), sealed: they reveal what happened.
    categories_sealed = crypto.SealedField(null=True, blank=True)
    categories_json = crypto.Sealed("report.categories", key="data_key", column="categories_sealed")
    # The accounts the reporter named ([[system, handle], …] as JSON), sealed: shown back to them as they gave them.
    accounts_sealed = crypto.SealedField(null=True, blank=True)
    accounts_json = crypto.Sealed("report.accounts", key="data_key", column="accounts_sealed")
    ongoing = models.CharField(max_length=8, choices=Ongoing.choices, default=Ongoing.UNKNOWN)
    # None: the reporter did not answer ("not said"); triage asks again.
    danger_now = models.BooleanField(null=True, blank=True, default=None)
    reporter_role = models.CharField(max_length=16, choices=ReporterRole.choices, blank=True)  # "": not said
    consent_contact_reported = models.BooleanField(default=False)
    consent_name_to_reported = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=True)
    contact_name_sealed = crypto.SealedField(null=True, blank=True)
    contact_name = crypto.Sealed("report.contact_name", key="data_key")
    contact_email_sealed = crypto.SealedField(null=True, blank=True)
    contact_email = crypto.Sealed("report.contact_email", key="data_key")
    contact_email_index = models.CharField(max_length=64, blank=True, db_index=True)
    contact_email_blind = crypto.BlindIndex("contact_email_index", purpose="email",
                                            value=lambda report: report.contact_email)
    preferred_language = models.CharField(max_length=16, blank=True)
    # The language guessed from the narrative, for reports filed while Steward guessed it; empty since.
    detected_language = models.CharField(max_length=16, blank=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    # Keyed hash of the form's one-time token: a second submit of the same form is refused.
    submission_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R-{self.pk:05d}"

    @property
    def is_erased(self) -> bool:
        return self.data_key.wrapped is None or self.case.erased_at is not None

    @property
    def categories(self) -> list[str]:
        text = self.categories_json
        return [str(slug) for slug in json.loads(text)] if text else []

    @property
    def category_labels(self) -> list[str]:
        return policy.category_labels(self.categories)

    @property
    def accounts(self) -> list[tuple[str, str]]:
        text = self.accounts_json
        return [(str(system), str(handle)) for system, handle in json.loads(text)] if text else []


class Message(models.Model):
    """The two-way thread between the people handling a case and one reporter.

    Threads are per report, so two reporters on a merged case never see each other's words.
    """

    class Direction(models.TextChoices):
        TO_REPORTER = "to_reporter", _("To the reporter")
        FROM_REPORTER = "from_reporter", _("From the reporter")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    row_uuid = crypto.row_uuid_field()
    direction = models.CharField(max_length=16, choices=Direction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    body_sealed = crypto.SealedField()
    body = crypto.Sealed("message.body", key="report.data_key")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Evidence(models.Model):
    """A file a reporter gave us. The bytes live encrypted in the evidence storage under `stored_name`
    (see uploads: the stored formats), bound to this row."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    row_uuid = crypto.row_uuid_field()
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="files")
    stored_name = models.CharField(max_length=64, unique=True)
    name_sealed = crypto.SealedField()
    name = crypto.Sealed("evidence.name", key="report.data_key")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    # The file's streaming key, wrapped under the report's data key; None for a file stored whole (format 1).
    file_key_sealed = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def open_file(self) -> BinaryIO:
        """The file's content, decrypted as it is read (close it). Callers check access and audit first."""
        return uploads.open_stored(self.report.data_key, self.stored_name, self.file_key_sealed, row=self.row_uuid)

    def read_file(self) -> bytes:
        with self.open_file() as stream:
            return stream.read()

    @property
    def is_image(self) -> bool:
        """Images can be previewed on the case page, from a copy Steward re-encodes."""
        return self.content_type in uploads.STORED_SUFFIXES  # the image types intake stores


class HeldUpload(models.Model):
    """A file attached to a report form that came back for a correction, kept until the report is filed.

    Sealed (name and bytes) under a key derived from the form's submission token, which only the
    reporter's browser holds; deleted when the report is filed, when the reporter removes it, or
    after `HOLD_FOR` when the form is never sent again."""

    HOLD_FOR = timedelta(days=1)

    submission_hash = models.CharField(max_length=64, db_index=True)
    stored_name = models.CharField(max_length=64, unique=True)
    name_sealed = models.BinaryField()
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    held_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The file's streaming key, wrapped under the token's key; None for a file stored whole (format 1).
    file_key_sealed = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["held_at", "pk"]


class ReceivedReport(models.Model):
    """A report form Steward has answered with a receipt code.

    Answering the reporter costs one sealed row: what they sent, sealed under the data key the
    report will keep. A moment later the worker files it into a new case (`services.file_received`,
    through the outbox, so a failure is retried and shows on the deliveries page), or the first use
    of its receipt code does, whichever comes first; filing empties the sealed intake. Reports that
    carry files, say someone is in danger now, or are recorded by staff are filed before the answer
    and get their row already filed.

    The row stays for `KEEP_FOR` with the receipt code sealed under a key derived from the form's
    submission token: a form sent again (a reload, a retry on a slow network, a lost response) is
    answered with the same code, and without the token, which only the reporter's browser holds, the
    code cannot be opened. Its unique submission hash is what makes a form file once."""

    KEEP_FOR = timedelta(days=1)

    row_uuid = crypto.row_uuid_field()
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    submission_hash = models.CharField(max_length=64, unique=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    code_sealed = models.BinaryField()
    intake_sealed = crypto.SealedField(null=True, blank=True)
    intake = crypto.Sealed("received.intake", key="data_key")  # the answers, as JSON
    report = models.OneToOneField(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["filed_at", "received_at"], name="received_report_filing")]
