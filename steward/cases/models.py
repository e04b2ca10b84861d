from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import crypto
from steward.core.errors import DomainError
from steward.core.models import DataKey
from steward.registry.models import Person


class Space(models.Model):
    """A community space the organisation configured: where an incident can happen."""

    class Kind(models.TextChoices):
        REPOSITORY = "repository", _("Code repository")
        FORUM = "forum", _("Forum")
        CHAT = "chat", _("Chat room")
        EVENT = "event", _("Event")
        MAILING_LIST = "mailing_list", _("Mailing list")
        SOCIAL_MEDIA = "social_media", _("Social media")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="space_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Priority(models.TextChoices):
    P1 = "P1", _("P1 — threat to someone's safety")
    P2 = "P2", _("P2 — serious or ongoing harm, or staff/leaders involved")
    P3 = "P3", _("P3 — violation without ongoing harm")
    P4 = "P4", _("P4 — minor, out of scope or no violation")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]

# Queue order: P1 first, then untriaged reports (they may be P1 or P2 until someone
# looks), then P2…P4.
RANK = {Priority.P1: 1, None: 2, Priority.P2: 3, Priority.P3: 4, Priority.P4: 5}


class ErasureReason(models.TextChoices):
    """Why a case was erased. A fixed list, so the reason kept in clear never holds case details."""

    RETENTION = "retention", _("Retention period ended")
    REQUEST = "request", _("Erasure request from someone involved")
    LEGAL = "legal", _("Legal obligation")
    MISTAKE = "mistake", _("Opened by mistake or spam")


class Case(models.Model):
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=2, choices=Priority.choices, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(default=2)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_cases")
    space = models.ForeignKey(Space, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    danger = models.BooleanField(default=False)
    ongoing = models.BooleanField(null=True)
    language = models.CharField(max_length=16, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    decision_summary_sealed = models.BinaryField(null=True, blank=True)
    # Crypto-erasure: the case's and its reports' data keys are destroyed; what stays is not sensitive.
    erased_at = models.DateTimeField(null=True, blank=True)
    erasure_reason = models.CharField(max_length=20, choices=ErasureReason.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["rank", "due_at"], name="case_queue_order"),
            models.Index(fields=["status", "rank", "due_at"], name="case_status_queue"),
            models.Index(fields=["assignee", "rank", "due_at"], name="case_assignee_queue"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"C-{self.pk:05d}"

    @property
    def is_overdue(self) -> bool:
        return self.status != Status.CLOSED and self.due_at < timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    def set_priority(self, priority: str | None) -> None:
        self.priority = priority
        self.rank = RANK[Priority(priority) if priority else None]

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def seal(self, value: str, field: str) -> bytes:
        if self.erased_at is not None:
            raise DomainError(_("This case was erased: nothing can be added to it."))
        return crypto.seal(self.data_key, value, field=f"case.{field}")

    def unseal(self, blob: bytes | memoryview | None, field: str) -> str:
        return crypto.unseal(self.data_key, blob, field=f"case.{field}")

    @property
    def decision_summary(self) -> str:
        return self.unseal(self.decision_summary_sealed, "decision_summary")


class Party(models.Model):
    """A person involved in a case, and how."""

    class Role(models.TextChoices):
        REPORTED = "reported", _("Reported person")
        REPORTER = "reporter", _("Reporter")
        WITNESS = "witness", _("Witness")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="party_unique")]


class TimelineEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Non-sensitive facts only (statuses, priorities, ids); free text goes in detail_sealed.
    data = models.JSONField(default=dict, blank=True)
    detail_sealed = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def detail(self) -> str:
        return self.case.unseal(self.detail_sealed, "timeline")

    def describe(self) -> str:
        from .timeline import describe

        return describe(self)


class Note(models.Model):
    """Internal note: never shown to the reporter."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    body_sealed = models.BinaryField()

    class Meta:
        ordering = ["at", "pk"]

    @property
    def body(self) -> str:
        return self.case.unseal(self.body_sealed, "note")


class Triage(models.Model):
    """One triage decision, with the guided answers that led to it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="triages")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    answers_sealed = models.BinaryField()
    proposed = models.CharField(max_length=2, choices=Priority.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    reason_sealed = models.BinaryField()

    class Meta:
        ordering = ["at", "pk"]

    @property
    def reason(self) -> str:
        return self.case.unseal(self.reason_sealed, "triage_reason")

    @property
    def answers(self) -> dict[str, object]:
        return json.loads(self.case.unseal(self.answers_sealed, "triage_answers") or "{}")
