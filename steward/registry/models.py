from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from steward.core import crypto
from steward.core.models import DataKey


class System(models.TextChoices):
    """Community systems a person can hold an account on."""

    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    DISCOURSE = "discourse", "Discourse"
    MATRIX = "matrix", "Matrix"
    SLACK = "slack", "Slack"
    BUGZILLA = "bugzilla", "Bugzilla"
    MAILING_LIST = "email", _("Email / mailing list")
    OTHER = "other", _("Other")


class Person(models.Model):
    """Someone involved in one or more cases, known through their accounts (identities)."""

    created_at = models.DateTimeField(auto_now_add=True)

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
