from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import crypto
from steward.core.models import DataKey

from .systems import System as System


class Person(models.Model):
    """Someone involved in one or more cases, known through their accounts (identities)."""

    created_at = models.DateTimeField(auto_now_add=True)
    # When the screening index (MatchKey) last took this person's names and identities in; none:
    # not yet (the worker's registry.index job catches up, so filing a report does no indexing).
    indexed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The person as screening scores them (names and identities, see people.screening_subjects), sealed
    # under `subject_key` and bound to the person's id, written with the index: one row to open per
    # candidate instead of every name and identity row. None until the index takes the person in.
    subject_sealed = models.BinaryField(null=True, blank=True, editable=False)
    subject_key = models.ForeignKey(DataKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Person {self.pk}"


class Identity(models.Model):
    """One account of a person on one system. The handle is sealed; look-ups use its blind index."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    system = models.CharField(max_length=16, choices=System.choices)
    row_uuid = crypto.row_uuid_field()  # the handle is bound to it (see core.crypto)
    handle_sealed = crypto.SealedField()
    handle = crypto.Sealed("identity.handle", key="data_key")
    handle_index = models.CharField(max_length=64)
    # The handle is stored normalised (see services.normalise_handle), so indexing it again needs nothing more.
    handle_blind = crypto.BlindIndex("handle_index", purpose=lambda identity: f"identity:{identity.system}",
                                     value=lambda identity: identity.handle)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "handle_index"], name="identity_unique_per_system")]

    def __str__(self) -> str:
        return f"{self.get_system_display()} identity {self.pk}"


class StaffAccount(models.Model):
    """An account on a community system that a staff member says is theirs.

    When that account is a party to a case (reporter, reported person, witness) the staff
    member has a conflict of interest there: the case is hidden from them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_accounts")
    identity = models.OneToOneField(Identity, on_delete=models.PROTECT, related_name="staff_account")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return f"Staff account {self.pk}"


class PersonName(models.Model):
    """A name or alias of a person, in any script. Sealed; screening finds it through MatchKey."""

    class Kind(models.TextChoices):
        NAME = "name", _("Name")
        ALIAS = "alias", _("Alias")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NAME)
    row_uuid = crypto.row_uuid_field()
    name_sealed = crypto.SealedField()
    name = crypto.Sealed("person_name.name", key="data_key")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of person {self.person_id}"


class MatchKey(models.Model):
    """The screening index: keyed blind indexes of a person's normalised identifiers and name keys
    (registry.matching.index_keys). Screening looks these up and opens only the people they point at."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    # The person has a record that may count (`ViolationRecordQuerySet.may_count`). Screening reads only
    # these keys, from a partial index, instead of checking every key's people against their records.
    counts = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "person"], name="match_key_unique")]
        indexes = [models.Index(fields=["key", "person"], condition=Q(counts=True), name="match_key_counting")]

    def __str__(self) -> str:
        return f"Match key of person {self.person_id}"


class IdentityChange(models.Model):
    """Who linked an identity to a person, or unlinked it, and why (the reason is sealed)."""

    class Change(models.TextChoices):
        LINKED = "linked", _("Linked")
        UNLINKED = "unlinked", _("Unlinked")
        NAME_ADDED = "name_added", _("Name added")
        NAME_REMOVED = "name_removed", _("Name removed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_changes")
    change = models.CharField(max_length=16, choices=Change.choices)
    system = models.CharField(max_length=16, blank=True)
    row_uuid = crypto.row_uuid_field()
    reason_sealed = crypto.SealedField()
    reason = crypto.Sealed("identity_change.reason", key="data_key")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.change} on person {self.person_id}"


class Ban(models.TextChoices):
    NONE = "none", _("No ban")
    TEMPORARY = "temporary", _("Temporary ban")
    PERMANENT = "permanent", _("Permanent ban")


class ViolationRecordQuerySet(models.QuerySet["ViolationRecord"]):
    def counting(self, today: datetime.date | None = None) -> ViolationRecordQuerySet:
        """Records that still count: not set aside, begun, and not past the date they stop counting."""
        today = today or timezone.localdate()
        return self.may_count(today).filter(starts_on__lte=today)

    def may_count(self, today: datetime.date | None = None) -> ViolationRecordQuerySet:
        """Records that count or will once begun: not set aside and not past the date they stop counting.
        Only time takes a record out of this set (the daily job then updates the index's flags), so the
        flag `MatchKey.counts` drawn from it never leaves out a person who counts."""
        today = today or timezone.localdate()
        return self.filter(Q(set_aside_at__isnull=True) & (Q(counts_until__isnull=True) | Q(counts_until__gte=today)))


class ViolationRecord(models.Model):
    """That a person was found to have violated the guidelines, and the consequence: no narrative.

    Written from a decision (`decision` is its id: the decisions app sits above the registry) or
    entered by HR or Legal for a matter handled outside Steward. It outlives the case's erasure."""

    class Source(models.TextChoices):
        DECISION = "decision", _("Decision in Steward")
        ENTERED = "entered", _("Entered by HR or Legal")
        IMPORTED = "imported", _("Imported by HR or Legal")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="violation_records")
    source = models.CharField(max_length=10, choices=Source.choices)
    decision = models.PositiveIntegerField(null=True, blank=True, unique=True)
    case = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)  # the id of an imported row
    level = models.CharField(max_length=200, blank=True)
    level_key = models.CharField(max_length=50, blank=True)
    ban = models.CharField(max_length=10, choices=Ban.choices, default=Ban.NONE)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)  # the end of a temporary sanction
    counts_until = models.DateField(null=True, blank=True)  # none: it always counts
    # Restricted records (HR and Legal matters) are shown in full to HR and Legal only.
    restricted = models.BooleanField(default=False)
    set_aside_at = models.DateTimeField(null=True, blank=True)  # reversed on appeal, or withdrawn
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ViolationRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], condition=~Q(reference=""), name="record_reference_unique"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="record_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Violation record {self.pk} of person {self.person_id}"

    def counts(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (self.set_aside_at is None and self.starts_on <= today
                and (self.counts_until is None or self.counts_until >= today))


class Purpose(models.TextChoices):
    GRANT = "grant", _("Grant")
    FELLOWSHIP = "fellowship", _("Fellowship")
    LEADERSHIP = "leadership", _("Leadership role")
    EVENT = "event", _("Event invitation")


class Screening(models.Model):
    """One submission by a screener: one applicant or a CSV of them, for one purpose.

    The applicants' details are sealed with the screening's own data key, so a screening can be
    erased on its own."""

    class Channel(models.TextChoices):
        FORM = "form", _("Form")
        CSV = "csv", _("CSV upload")
        API = "api", _("API")
        COMMAND = "command", _("Command line")

    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Screening {self.pk}"


class Result(models.TextChoices):
    CLEAR = "clear", _("Clear")
    REFERRED = "referred", _("Referred")
    INVALID = "invalid", _("Not screened")


class ScreeningRow(models.Model):
    """One applicant of a screening and the only answer the screener gets: clear or referred
    (and, once the working group has decided, its outcome). Why is in the referral."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="applicants")
    row = models.PositiveIntegerField()  # 1-based data row of the input
    result = models.CharField(max_length=10, choices=Result.choices)
    # Why a row was not screened, in the screener's words (names the column, never a registry fact).
    problem = models.CharField(max_length=300, blank=True)
    row_uuid = crypto.row_uuid_field()
    # What the screener gave (name, emails, accounts, country as JSON), for them and the working group.
    applicant_sealed = crypto.SealedField()
    applicant = crypto.Sealed("screening_row.applicant", key="screening.data_key")

    class Meta:
        ordering = ["row"]
        constraints = [models.UniqueConstraint(fields=["screening", "row"], name="screening_row_unique")]

    def __str__(self) -> str:
        return f"Row {self.row} of screening {self.screening_id}"


class Referral(models.Model):
    """A referred applicant in the working group's queue: the match evidence (sealed), the people
    and records it matched, and the working group's decision, of which the screener sees only the outcome."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Waiting for the working group")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CONDITIONS = "conditions", _("Approved with conditions")

    applicant = models.OneToOneField(ScreeningRow, on_delete=models.CASCADE, related_name="referral")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    row_uuid = crypto.row_uuid_field()
    score = models.FloatField()
    # MATCH (over the threshold) or REVIEW (the band below it): both are referred.
    verdict = models.CharField(max_length=8)
    people = models.ManyToManyField(Person, related_name="+")
    records = models.ManyToManyField(ViolationRecord, related_name="referrals")
    evidence_sealed = crypto.SealedField()
    evidence = crypto.Sealed("referral.evidence", key="applicant.screening.data_key")
    # Shown to the screener with an approval with conditions; the working group writes them for the screener.
    conditions_sealed = crypto.SealedField(null=True, blank=True)
    conditions = crypto.Sealed("referral.conditions", key="applicant.screening.data_key")
    note_sealed = crypto.SealedField(null=True, blank=True)
    note = crypto.Sealed("referral.note", key="applicant.screening.data_key")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Referral {self.pk}"
