"""Rollouts: a decision or an interim measure carried out on every system the person uses.

A `Rollout` is the plan for one decision or measure in one direction (apply, or revert what an
earlier rollout did); its `RolloutAction`s are the steps, one row each, executed by the worker
(enforcement/execution.py) or done by hand. An action records the state it found before acting
(`before`) and what Steward changed (`change`), so a reversal undoes only that: a person who was
already banned from a room before the decision stays banned when the decision ends.

The rows hold identifiers and choices: which identity, which room, which kind of step. The
handle itself stays sealed in the registry; a note written on a manual step is sealed with the
case's key. A `ConnectorConfig` holds a system's credentials sealed under the connectors' own
data key; they are written once and never shown again.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, case_sealed
from steward.core import crypto
from steward.core.models import DataKey
from steward.decisions.models import Decision, InterimMeasure
from steward.registry.models import Identity, Person, System

CONNECTOR_KEY_PURPOSE = "connectors"  # the shared data key sealing connector credentials


class ConnectorConfig(models.Model):
    """How Steward reaches one system: its settings in clear (addresses, rooms), its credentials sealed."""

    system = models.CharField(max_length=16, choices=System.choices, unique=True)
    enabled = models.BooleanField(default=True)
    options = models.JSONField(default=dict, blank=True)  # addresses, rooms: nothing secret
    row_uuid = crypto.row_uuid_field()
    credentials_sealed = crypto.SealedField()
    credentials_text = crypto.Sealed("enforcement.connector.credentials", key="data_key", column="credentials_sealed")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_system_display()} connector"

    @property
    def credentials(self) -> dict[str, str]:
        text = self.credentials_text
        loaded = json.loads(text) if text else {}
        return {str(name): str(value) for name, value in loaded.items()}


class Direction(models.TextChoices):
    APPLY = "apply", _("Carry out")
    REVERT = "revert", _("Reverse")


class Rollout(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        ATTENTION = "attention", _("Needs a person")
        CLOSED = "closed", _("Done")
        REVERSED = "reversed", _("Reversed")

    class Because(models.TextChoices):
        DECISION = "decision", _("Decision recorded")
        INTERIM = "interim", _("Interim measure imposed")
        BAN_ENDED = "ban_ended", _("Temporary ban ended")
        APPEAL_REVERSED = "appeal_reversed", _("Decision reversed on appeal")
        APPEAL_CHANGED = "appeal_changed", _("Decision changed on appeal")
        INTERIM_ENDED = "interim_ended", _("Interim measure ended")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(InterimMeasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.APPLY)
    because = models.CharField(max_length=20, choices=Because.choices)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ban = models.CharField(max_length=10, blank=True)  # "temporary", "permanent" or "" (restrictions only)
    ends_on = models.DateField(null=True, blank=True)  # a temporary ban's or a measure's end
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(decision__isnull=False) | models.Q(measure__isnull=False),
                                   name="rollout_carries_out_a_decision_or_measure"),
            models.CheckConstraint(condition=models.Q(direction="apply", reverses__isnull=True)
                                   | models.Q(direction="revert", reverses__isnull=False),
                                   name="rollout_reversal_names_what_it_reverses"),
        ]

    def __str__(self) -> str:
        return f"Rollout {self.pk} ({self.direction}) on {self.case_id}"


class Kind(models.TextChoices):
    """What a step does. The connectors' steps are named here so that every system's read alike."""

    BAN_FROM_ROOM = "ban_from_room", _("Ban from room")
    SUSPEND_ACCOUNT = "suspend_account", _("Suspend account")
    PUBLISH_POLICY_RULE = "publish_policy_rule", _("Publish ban to the policy list")
    BLOCK_USER = "block_user", _("Block the user in the organisation")
    REMOVE_FROM_TEAMS = "remove_from_teams", _("Remove from teams")
    REMOVE_COLLABORATOR = "remove_collaborator", _("Remove as outside collaborator")
    REMOVE_MEMBER = "remove_member", _("Remove from the group")
    INSTANCE_BAN = "instance_ban", _("Ban from the instance")
    SILENCE = "silence", _("Silence the account")
    DEACTIVATE_ACCOUNT = "deactivate_account", _("Deactivate the account")
    REMOVE_FROM_WORKSPACE = "remove_from_workspace", _("Remove from the workspace")
    DISABLE_LOGIN = "disable_login", _("Disable the account's sign-in")
    BAN_FROM_LIST = "ban_from_list", _("Ban the address from the list")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe from the list")
    SEND_WEBHOOK = "send_webhook", _("Send the signed event")
    # Steward's own steps, on no system: they order the rollout for the person's safety.
    TELL_PERSON = "tell_person", _("Tell the person of the decision")
    TELL_MODERATORS = "tell_moderators", _("Tell the system's moderators what to enforce")
    FOLLOW_UP = "follow_up", _("Look for new accounts a week later")
    MANUAL = "manual", _("Step done by hand")


class Phase(models.IntegerChoices):
    """The order of a rollout, for the person's safety: they hear of the decision from Steward
    before they lose access, and moderators are told once access is revoked. An automatic step
    waits while a step of an earlier phase is still planned or running (steps done by hand never
    hold the others up)."""

    TELL = 0, _("Tell the person")
    REVOKE = 1, _("Revoke access")
    INFORM = 2, _("Tell the moderators")
    FOLLOW_UP = 3, _("Follow-up check")


PHASE_OF = {Kind.TELL_PERSON: Phase.TELL, Kind.TELL_MODERATORS: Phase.INFORM, Kind.FOLLOW_UP: Phase.FOLLOW_UP}
OWN_STEPS = frozenset(PHASE_OF)  # carried out by Steward itself, not by a connector


class Step(models.TextChoices):
    """What a manual step asks a person to do."""

    CARRY_OUT = "carry_out", _("Carry out the decision on this system (no connector is configured for it)")
    FIX_IDENTITY = "fix_identity", _("Carry out by hand: the account name is not one this system uses")
    NO_ACCOUNT = "no_account", _("No account of the person is known on the systems in scope: find them and carry "
                                 "the ban out by hand")
    TOOL_ACCESS = "tool_access", _("Revoke tool access (commit rights, moderator and maintainer roles)")
    LEADERSHIP = "leadership", _("Suspend leadership roles")
    EVENTS = "events", _("Bar from events and in-person spaces (tell the organisers)")
    UNDO = "undo", _("Undo the step done by hand")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    VERIFIED = "verified", _("Verified")
    UNVERIFIED = "unverified", _("Done, not verifiable")
    REVERTED = "reverted", _("Reversed")
    NEEDS_HUMAN = "needs_human", _("Needs a person")
    CANCELLED = "cancelled", _("Cancelled")


# An action in one of these is finished: the rollout closes when every action is.
FINISHED = frozenset({ActionStatus.DONE, ActionStatus.VERIFIED, ActionStatus.REVERTED, ActionStatus.CANCELLED})
# What a person can retry, or mark done by hand after doing or checking it themselves.
RETRYABLE = frozenset({ActionStatus.FAILED, ActionStatus.NEEDS_HUMAN, ActionStatus.UNVERIFIED})


class RolloutActionQuerySet(models.QuerySet["RolloutAction"]):
    def on_systems(self) -> RolloutActionQuerySet:
        """The steps a connector carries out: not those done by hand, nor Steward's own."""
        return self.exclude(kind__in=[Kind.MANUAL, *OWN_STEPS])


class RolloutAction(models.Model):
    objects = RolloutActionQuerySet.as_manager()

    rollout = models.ForeignKey(Rollout, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveIntegerField(default=0)  # the order of the plan
    phase = models.PositiveSmallIntegerField(choices=Phase.choices, default=Phase.REVOKE)
    system = models.CharField(max_length=16, choices=System.choices, blank=True)  # "" for steps on no system
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    target = models.CharField(max_length=255, blank=True)  # a room, a policy room: where on the system
    step = models.CharField(max_length=16, choices=Step.choices, blank=True)  # manual steps: what to do
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # The state found before the first attempt, and what Steward changed: a reversal undoes that only.
    before = models.JSONField(null=True, blank=True)
    change = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # a temporary ban's end, for the systems that keep one
    # Manual steps: who does it, by when, and their note when done (sealed with the case).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    due_on = models.DateField(null=True, blank=True)
    row_uuid = crypto.row_uuid_field()
    note_sealed = crypto.SealedField(null=True, blank=True)
    note = case_sealed("enforcement.action_note", key="rollout.case.data_key", column="note_sealed",
                       erased_reads_as="")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # when it reached a finished status
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rollout_id", "position", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="rolloutaction_due")]

    def __str__(self) -> str:
        return f"Rollout action {self.pk} ({self.kind})"

    @property
    def is_manual(self) -> bool:
        return self.kind == Kind.MANUAL

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE and not self.is_manual

    @property
    def may_be_marked_done(self) -> bool:
        return self.status in RETRYABLE or (self.is_manual and self.status == ActionStatus.PLANNED)

    def describe(self) -> str:
        """What the step is, in the reader's language."""
        label = str(self.get_step_display() if self.is_manual else self.get_kind_display())
        if self.reverses_id is not None and not self.is_manual:
            return str(_("Undo: %(step)s")) % {"step": label}
        return label

    def change_summary(self) -> dict[str, Any]:
        return dict(self.change or {})
