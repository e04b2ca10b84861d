from __future__ import annotations

from django.conf import settings
from django.db import models
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
        SUBSCRIBERS = "subscribers", _("guideline subscribers")
        STAFF_SECRETS = "staff_secrets", _("staff second-factor secrets")

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    wrapped = models.BinaryField(null=True)
    # Which key of the KEK keyset wrapped it, so rotation knows what is left to re-wrap.
    kek_key_id = models.BigIntegerField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"DataKey {self.pk} ({self.purpose})"


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every read of case content and every change."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # "staff", "reporter" or "system"; reporters are never identified beyond this word.
    actor_kind = models.CharField(max_length=16)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


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
