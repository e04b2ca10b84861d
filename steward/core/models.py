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
