from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataKey(models.Model):
    """A data-encryption key, stored only wrapped by the key-encryption key.

    Every case, report and the registry get their own. Setting `wrapped` to None
    (destroy) makes everything sealed with it unreadable: that is how erasure works.
    """

    class Purpose(models.TextChoices):
        CASE = "case", _("case")
        REPORT = "report", _("report")
        REGISTRY = "registry", _("registry")
        SCREENING = "screening", _("screening")
        SUBSCRIBERS = "subscribers", _("guideline subscribers")
        STAFF_SECRETS = "staff_secrets", _("staff second-factor secrets")
        TRAINING = "training", _("training survey comments")

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    wrapped = models.BinaryField(null=True)
    # Which key of the KEK keyset wrapped it, so rotation knows what is left to re-wrap.
    kek_key_id = models.BigIntegerField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"DataKey {self.pk} ({self.purpose})"


class AuditEntry(models.Model):
    """Append-only record of every read of case content and every change.

    Writers only insert (no position, no hash), so they never wait on each other; the
    sequencer (`audit.sequence`) later gives each entry its position `seq` and chains it
    to the one before with `prev_hash` and `hash`. Signed checkpoints pin the chain's head.
    """

    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # "staff", "reporter" or "system"; reporters are never identified beyond this word.
    actor_kind = models.CharField(max_length=16)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        # Sequenced entries in log order, then the ones still waiting for the sequencer.
        ordering = [models.F("seq").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The sequencer's queue: small, since entries leave it within a fraction of a second.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="core_audit_unsequenced"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.action} {self.object_type}:{self.object_id}"


class AuditLogHead(models.Model):
    """The sequencer's single row: how many entries are chained and the last one's hash.

    Sequencers lock this row (and only they do), so two of them never hand out the same position.
    """

    size = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"audit log head at {self.size}"


class AuditCheckpoint(models.Model):
    """A signed statement of the log's size and head hash at a time.

    Kept here so the latest can be printed and handed out; verification trusts only the
    signature, checked with the public key, never this table.
    """

    size = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.BigIntegerField()
    signature = models.BinaryField()

    class Meta:
        ordering = ["-size", "-signed_at"]

    def __str__(self) -> str:
        return f"audit checkpoint at {self.size}"


class OutboxMessage(models.Model):
    """One side effect to deliver (an email today; connector calls and webhooks later), written in
    the same transaction as the change that causes it and delivered by the worker (core.outbox).

    The payload holds identifiers only: the handler of `kind` reads what it needs when it sends,
    so an erased report sends nothing and no message text is ever stored here."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        DROPPED = "dropped", _("Nothing to send")  # the recipient or object was gone at send time
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=100)
    priority = models.SmallIntegerField(default=0)  # higher first among the due (the P1 safety alert)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While SENDING: until when the claiming worker owns the row; a later dispatcher finding it
    # SENDING past this time knows that worker stopped mid-send.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # A send may have happened without being recorded (the worker stopped during it); it was sent again.
    uncertain = models.BooleanField(default=False)
    last_error = models.CharField(max_length=200, blank=True)  # an exception type and code, never content
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        ordering = ["-priority", "next_attempt_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class ScheduledJob(models.Model):
    """The shared state of one periodic job (core.scheduler): when it runs next and who runs it
    now, so that several workers run each occurrence once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A scoped, revocable credential for Steward's API, created by an administrator.

    Only a keyed hash of the secret is stored (like receipt codes), so a database dump
    yields no usable token. A token with an owner acts as that staff member and never grants
    more than they hold at the moment of use: an offboarded owner's tokens stop working.
    """

    name = models.CharField(max_length=100)
    # The first characters of the secret, shown so that administrators can tell tokens apart.
    hint = models.CharField(max_length=16, blank=True)
    # None until the owner collects a token made for them: its secret is shown to them, not to its creator.
    secret_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    scopes = models.JSONField(default=list)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="api_tokens")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"


class UsedLink(models.Model):
    """A signed single-use link that was used (`core.links`): its nonce, so it cannot be used again."""

    purpose = models.CharField(max_length=40)
    nonce = models.CharField(max_length=32)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "nonce"], name="used_link_once")]
