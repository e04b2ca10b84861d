from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import access, crypto
from steward.core.models import DataKey
from steward.registry.models import Person

from . import timeline


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


class Part(StrEnum):
    """The parts of a case a consultation can share. Everyone else who may view a case sees all of them."""

    SUMMARY = "summary"
    REPORTS = "reports"
    EVIDENCE = "evidence"
    NOTES = "notes"
    PARTIES = "parties"
    # Who reported: the reporter parties and the contact details on the reports. Without it a
    # consultant may read about the conduct (and the reported people) but not who spoke up.
    REPORTER_IDENTITY = "reporter_identity"


class ErasureReason(models.TextChoices):
    """Why a case was erased. A fixed list, so the reason kept in clear never holds case details."""

    RETENTION = "retention", _("Retention period ended")
    REQUEST = "request", _("Erasure request from someone involved")
    LEGAL = "legal", _("Legal obligation")
    MISTAKE = "mistake", _("Opened by mistake or spam")


ERASED = _("This case was erased: nothing can be added to it.")


def case_sealed(field: str, *, key: str = "case.data_key", column: str | None = None,
                erased_reads_as: str | None = None) -> crypto.Sealed:
    """A sealed text of a case's row, under the case's data key (field ``case.<field>``).

    Writing to an erased case is refused with a message for the user, as a domain error."""
    return crypto.Sealed(f"case.{field}", key=key, column=column, erased=ERASED, erased_reads_as=erased_reads_as)


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
    row_uuid = crypto.row_uuid_field()  # sealed values are bound to it (see core.crypto)
    decision_summary_sealed = crypto.SealedField(null=True, blank=True)
    decision_summary = case_sealed("decision_summary", key="data_key")
    # A short neutral title staff give the case (never the reporter's words unless someone types them), sealed.
    title_sealed = crypto.SealedField(null=True, blank=True)
    title = case_sealed("title", key="data_key", erased_reads_as="")  # empty when there is none or the case was erased
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

    # Need to know: the facts `core.access` decides on (the rules are in cases.permissions).

    @classmethod
    def conflicted_q(cls, user: Any) -> Q:
        """Cases where this staff member has a conflict: a confirmed (recorded, declared or confirmed by
        a triager) one, or one of their linked accounts is a party. A reporter's unverified email
        address matching theirs is only a possible conflict and hides nothing by itself."""
        confirmed = CaseConflict.objects.filter(user_id=user.pk, status=CaseConflict.Status.CONFIRMED)
        return (Q(pk__in=confirmed.values("case_id"))
                | Q(pk__in=Party.objects.filter(person__identities__staff_account__user_id=user.pk).values("case_id")))

    @classmethod
    def consulted_q(cls, user: Any, kinds: Iterable[str]) -> Q:
        """Cases with a consultation of these kinds open for this staff member that shares the summary."""
        return Q(pk__in=Consultation.objects.filter(Consultation.granting_q(), consultant_id=user.pk, kind__in=list(kinds),
                                                    shares_summary=True).values("case_id"))

    def staff_facts(self, user: Any) -> access.StaffFacts:
        conflicted = Case.objects.filter(Case.conflicted_q(user), pk=self.pk).exists()
        consulted: dict[str, frozenset[str]] = {}
        if not conflicted:
            for consultation in Consultation.objects.filter(Consultation.granting_q(), case_id=self.pk, consultant_id=user.pk):
                consulted[consultation.kind] = consulted.get(consultation.kind, frozenset()) | consultation.scope
        return access.StaffFacts(conflicted=conflicted, consulted=consulted)


class CaseReading(models.Model):
    """When a staff member last opened a case's page showing the reporters' messages.

    A message from a reporter after that moment is unread for them (the queue marks it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="readings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    messages_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_reading_unique")]


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
    row_uuid = crypto.row_uuid_field()
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Non-sensitive facts only (statuses, priorities, ids); free text goes in detail_sealed.
    data = models.JSONField(default=dict, blank=True)
    detail_sealed = crypto.SealedField(null=True, blank=True)
    detail = case_sealed("timeline")

    class Meta:
        ordering = ["at", "pk"]

    def describe(self) -> str:
        return timeline.describe(self.kind, self.data)

    @classmethod
    def add(cls, case: Case, kind: str, by: Any = None, detail: str = "", **data: object) -> TimelineEvent:
        """Add an event to the case's timeline; `detail` (free text) is sealed with the case's key."""
        event = cls(case=case, kind=kind, actor=by if by is not None and by.is_authenticated else None, data=data)
        event.detail = detail
        event.save(force_insert=True)
        return event


class Note(models.Model):
    """Internal note: never shown to the reporter."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    row_uuid = crypto.row_uuid_field()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    body_sealed = crypto.SealedField()
    body = case_sealed("note")

    class Meta:
        ordering = ["at", "pk"]


class Triage(models.Model):
    """One triage decision, with the guided answers that led to it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="triages")
    row_uuid = crypto.row_uuid_field()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    answers_sealed = crypto.SealedField()
    answers_json = case_sealed("triage_answers", column="answers_sealed")
    proposed = models.CharField(max_length=2, choices=Priority.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    reason_sealed = crypto.SealedField()
    reason = case_sealed("triage_reason")

    class Meta:
        ordering = ["at", "pk"]

    @property
    def answers(self) -> dict[str, object]:
        answers: dict[str, object] = json.loads(self.answers_json or "{}")
        return answers


class CaseConflict(models.Model):
    """A staff member's conflict of interest on a case: once confirmed, the case is hidden from them for good.

    Detected when Steward notices them among the parties (through an account they linked), or
    declared by themselves; both are confirmed at once. A reporter's contact email matching a staff
    address is unverified, so it only raises a possible conflict until a triager confirms it.
    """

    class Source(models.TextChoices):
        DETECTED = "detected", _("Detected")
        DECLARED = "declared", _("Declared")
        REPORTER_EMAIL = "reporter_email", _("Reporter's email address")

    class Status(models.TextChoices):
        # An unverified reporter email matching a staff address: a triager confirms or dismisses it.
        POSSIBLE = "possible", _("Possible")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conflicts")
    row_uuid = crypto.row_uuid_field()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_conflicts")
    source = models.CharField(max_length=16, choices=Source.choices)
    # Only a confirmed conflict hides the case; a possible one waits for a triager.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    reason_sealed = crypto.SealedField(null=True, blank=True)
    reason = case_sealed("conflict_reason")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_conflict_unique")]


class Consultation(models.Model):
    """A question to an HR, Legal or Security consultant about a case, sharing only some of it.

    The consultant reads the shared parts while the consultation is open, and after answering
    until the case is closed; withdrawing it ends their access at once.
    """

    class Kind(models.TextChoices):
        HR = "hr", _("HR")
        LEGAL = "legal", _("Legal")
        SECURITY = "security", _("Security")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    row_uuid = crypto.row_uuid_field()
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # What the consultant may read (see Part).
    shares_summary = models.BooleanField(default=True)
    shares_reports = models.BooleanField(default=False)
    shares_evidence = models.BooleanField(default=False)
    shares_notes = models.BooleanField(default=False)
    shares_parties = models.BooleanField(default=False)
    shares_reporter_identity = models.BooleanField(default=False)
    question_sealed = crypto.SealedField()
    question = case_sealed("consultation_question")
    answer_sealed = crypto.SealedField(null=True, blank=True)
    answer = case_sealed("consultation_answer")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["consultant", "status"], name="consultation_consultant")]

    @staticmethod
    def granting_q() -> Q:
        """Consultations that still give their consultant access."""
        return Q(status="open") | (Q(status="answered") & ~Q(case__status="closed"))  # a case status

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(part for part in Part if getattr(self, f"shares_{part}"))

    @property
    def shared(self) -> list[str]:
        names = {"summary": _("summary"), "reports": _("reports"), "evidence": _("evidence"), "notes": _("notes"),
                 "parties": _("people involved"), "reporter_identity": _("who reported")}
        return [str(names[part]) for part in Part if part in self.scope]


class ConsultationRule(models.Model):
    """The decision-making policy: when a case shows this condition, a decision needs a consultation
    of this kind first, and asking for it shares this scope by default. Administrators edit the rules;
    with no rule applying, the community team decides alone."""

    class Condition(models.TextChoices):
        STAFF_INVOLVED = "staff_involved", _("A staff member or contractor of the organisation is involved")
        LEGAL_EXPOSURE = "legal_exposure", _("There is possible legal exposure")
        THREATS = "threats", _("Someone was threatened")
        MINOR_INVOLVED = "minor_involved", _("A minor is involved")
        DIFFERENT_JURISDICTIONS = "different_jurisdictions", _("The reporter and the reported person live in different countries")
        SAFETY_RISK = "safety_risk", _("Someone's safety is at risk")

    condition = models.CharField(max_length=32, choices=Condition.choices, unique=True)
    kind = models.CharField(max_length=16, choices=Consultation.Kind.choices)
    enabled = models.BooleanField(default=True)
    # The parts a consultation asked under this rule shares by default (see Part).
    shares_summary = models.BooleanField(default=True)
    shares_reports = models.BooleanField(default=False)
    shares_evidence = models.BooleanField(default=False)
    shares_notes = models.BooleanField(default=False)
    shares_parties = models.BooleanField(default=False)
    shares_reporter_identity = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.get_condition_display())

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(part for part in Part if getattr(self, f"shares_{part}"))
