"""Decisions on cases, along the consequence ladder.

The reasons and the reporter's summary are sealed with the case's data key, so erasing
the case erases them too. The ban record (outcome, end date, the person it applies to)
is kept in clear columns: it holds nothing from the reports and must outlive an erased
case for as long as the ban is enforced.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, case_sealed
from steward.core import crypto
from steward.registry.models import Person


class Outcome(models.TextChoices):
    """The consequence ladder, mildest first."""

    NO_VIOLATION = "no_violation", _("No violation")
    CORRECTION = "correction", _("Correction (private warning)")
    WARNING = "warning", _("Warning")
    TEMPORARY_BAN = "temporary_ban", _("Temporary ban")
    PERMANENT_BAN = "permanent_ban", _("Permanent ban")


BANS = {Outcome.TEMPORARY_BAN, Outcome.PERMANENT_BAN}


def active_ban_filter(today: datetime.date) -> Q:
    return Q(outcome=Outcome.PERMANENT_BAN) | Q(outcome=Outcome.TEMPORARY_BAN, ban_until__gte=today)


class DecisionQuerySet(models.QuerySet["Decision"]):
    def active_bans(self, today: datetime.date | None = None) -> DecisionQuerySet:
        return self.filter(active_ban_filter(today or timezone.localdate()))


class Decision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    row_uuid = crypto.row_uuid_field()
    # The ban record, in clear: who, what, until when.
    subject = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    ban_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # Sealed with the case key: gone when the case is erased.
    reporter_summary_sealed = crypto.SealedField()
    reporter_summary = case_sealed("decision.reporter_summary")
    rationale_sealed = crypto.SealedField()
    rationale = case_sealed("decision.rationale")

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=Outcome.TEMPORARY_BAN, ban_until__isnull=False)
                | (~Q(outcome=Outcome.TEMPORARY_BAN) & Q(ban_until__isnull=True)),
                name="decision_ban_until_only_for_temporary_bans",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk} on {self.case_id}: {self.outcome}"

    @property
    def is_ban(self) -> bool:
        return self.outcome in BANS

    def is_active_ban(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.outcome == Outcome.PERMANENT_BAN:
            return True
        return self.outcome == Outcome.TEMPORARY_BAN and self.ban_until is not None and self.ban_until >= today

    @property
    def ban_record(self) -> dict[str, object]:
        """What enforcement needs, readable even after the case was erased."""
        return {"outcome": self.outcome, "ban_until": self.ban_until.isoformat() if self.ban_until else None,
                "subject": self.subject_id, "decided_at": self.decided_at.isoformat(), "case": self.case_id}
