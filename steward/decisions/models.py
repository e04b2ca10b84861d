"""Decisions on cases, along the organisation's consequence ladder.

The ladder is data: a `Ladder` is one version of it, its `Level`s are the rungs. Exactly one
ladder is current; new decisions take their level from it. A ladder that decisions use is frozen
(a new version is started to change it), and each decision also keeps a snapshot of its level,
so a decision reads the same whatever later versions say.

The reasons, the conditions for return and the reporter's summary are sealed with the case's
data key, so erasing the case erases them too. The ban record (level snapshot, dates, the person
it applies to) is kept in clear columns: it holds nothing from the reports and must outlive an
erased case for as long as the ban is enforced.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, Space, case_sealed
from steward.core import crypto
from steward.registry.models import Person, System

from . import preset_files


class Ban(models.TextChoices):
    NONE = "none", _("No ban")
    TEMPORARY = "temporary", _("Temporary ban")
    PERMANENT = "permanent", _("Permanent ban")


class ToolAccess(models.TextChoices):
    KEPT = "kept", _("Kept")
    REVOKED = "revoked", _("Revoked")


class MessageKind(models.TextChoices):
    """The default communication template of a level (the templates themselves live elsewhere)."""

    NO_ACTION = "no_action", _("No action")
    WARNING = "warning", _("Warning")
    MEDIATION = "mediation", _("Mediation")
    LIMITED = "limited", _("Limited activities")
    SUSPENSION = "suspension", _("Suspension")
    PERMANENT_BAN = "permanent_ban", _("Permanent ban")


class Outcome(models.TextChoices):
    """What a decision is: a level of the ladder, or one of the outcomes that are not sanctions."""

    LEVEL = "level", _("A level of the consequence ladder")
    NO_VIOLATION = "no_violation", _("No violation")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    UNKNOWN_PERSON = "unknown_person", _("Violation, responsible person unknown")
    FLAGGED = "flagged", _("Flagged (no sanction now, counted for future risk)")


# Timeline events recorded before the ladder was data name the old fixed outcomes.
LEGACY_OUTCOMES = [("correction", _("Correction (private warning)")), ("warning", _("Warning")),
                   ("temporary_ban", _("Temporary ban")), ("permanent_ban", _("Permanent ban"))]

# The outcomes chosen instead of a level, in the order the decision page offers them.
OTHER_OUTCOMES = [Outcome.NO_VIOLATION, Outcome.OUT_OF_SCOPE, Outcome.UNKNOWN_PERSON, Outcome.FLAGGED]


class Ladder(models.Model):
    """One version of the organisation's consequence ladder."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CURRENT = "current", _("Current")
        RETIRED = "retired", _("Retired")

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    preset = models.SlugField(max_length=50, blank=True)  # the shipped preset it started from
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="ladder_unique_version"),
            models.UniqueConstraint(fields=["status"], condition=Q(status="current"), name="ladder_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def levels_in_order(self) -> list[Level]:
        return list(self.levels.order_by("position"))


class Level(models.Model):
    """One rung of a ladder: the impact it fits, its consequence and what the person may not do."""

    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()  # 0 = mildest
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    impact = models.TextField()
    consequence = models.TextField()
    no_contact = models.BooleanField(default=False)
    cooling_off = models.BooleanField(default=False)
    tool_access = models.CharField(max_length=8, choices=ToolAccess.choices, default=ToolAccess.KEPT)
    leadership_suspended = models.BooleanField(default=False)
    events_barred = models.BooleanField(default=False)
    ban = models.CharField(max_length=10, choices=Ban.choices, default=Ban.NONE)
    default_duration_days = models.PositiveIntegerField(default=0)  # 0: no duration
    onboarding_required = models.BooleanField(default=False)
    breach_leads_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message_kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.WARNING)

    class Meta:
        ordering = ["ladder", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "key"], name="level_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def digest(self) -> str:
        return preset_files.digest(self.name, self.impact, self.consequence)

    @property
    def is_ban(self) -> bool:
        return self.ban != Ban.NONE

    def restrictions(self) -> dict[str, object]:
        """What the person may and may not do, as kept in a decision's snapshot."""
        return {"no_contact": self.no_contact, "cooling_off": self.cooling_off, "tool_access": self.tool_access,
                "leadership_suspended": self.leadership_suspended, "events_barred": self.events_barred,
                "onboarding_required": self.onboarding_required,
                "default_duration_days": self.default_duration_days}


class LevelTranslation(models.Model):
    """A level's texts in one language, with the digest of the English they were made from."""

    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)
    name = models.CharField(max_length=200)
    impact = models.TextField()
    consequence = models.TextField()
    source_digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "language"], name="level_translation_unique_language")]

    def __str__(self) -> str:
        return f"{self.level} {self.language}"

    @property
    def is_filled(self) -> bool:
        return bool(self.name.strip() and self.impact.strip() and self.consequence.strip())


def active_ban_filter(today: datetime.date) -> Q:
    # A decision set aside on appeal (reversed, or replaced by another) no longer bans anyone.
    return (Q(starts_on__lte=today, set_aside_at__isnull=True)
            & (Q(ban=Ban.PERMANENT) | Q(ban=Ban.TEMPORARY, ends_on__gte=today)))


class DecisionQuerySet(models.QuerySet["Decision"]):
    def active_bans(self, today: datetime.date | None = None) -> DecisionQuerySet:
        return self.filter(active_ban_filter(today or timezone.localdate()))


class Decision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    row_uuid = crypto.row_uuid_field()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The level decided, and a snapshot of it as it was: the decision reads the same whatever
    # later versions of the ladder say.
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    level_key = models.CharField(max_length=50, blank=True)
    level_name = models.CharField(max_length=200, blank=True)
    level_position = models.PositiveSmallIntegerField(null=True, blank=True)
    ladder_name = models.CharField(max_length=200, blank=True)
    ladder_version = models.PositiveIntegerField(null=True, blank=True)
    restrictions = models.JSONField(default=dict, blank=True)
    # The ban record, in clear: who, what, from and until when.
    subject = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    ban = models.CharField(max_length=10, choices=Ban.choices, default=Ban.NONE)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)
    # Where it applies: empty means every space / every system.
    spaces = models.ManyToManyField(Space, blank=True, related_name="+")
    systems = models.JSONField(default=list, blank=True)
    # What Steward recommended (a level key or an outcome), so a departure from it stays visible.
    recommended = models.CharField(max_length=50, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # Sealed with the case key: gone when the case is erased.
    reporter_summary_sealed = crypto.SealedField()
    reporter_summary = case_sealed("decision.reporter_summary")
    rationale_sealed = crypto.SealedField()
    rationale = case_sealed("decision.rationale")
    conditions_sealed = crypto.SealedField(null=True, blank=True)
    conditions = case_sealed("decision.conditions", erased_reads_as="")
    departure_reason_sealed = crypto.SealedField(null=True, blank=True)
    departure_reason = case_sealed("decision.departure_reason", erased_reads_as="")
    # Appeals (decisions/appeals.py): the decision this one replaced on appeal, and when this one
    # was set aside (reversed, or replaced). Its snapshot stays as it was decided.
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    set_aside_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ban=Ban.TEMPORARY, ends_on__isnull=False) | (~Q(ban=Ban.TEMPORARY) & Q(ends_on__isnull=True)),
                name="decision_end_only_for_temporary_bans",
            ),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.LEVEL, level_key__gt="") | (~Q(outcome=Outcome.LEVEL) & Q(ban=Ban.NONE)),
                name="decision_ban_only_for_levels",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk} on {self.case_id}: {self.code}"

    @property
    def code(self) -> str:
        """The level's key, or the outcome: what the timeline, the API and the exports name."""
        return self.level_key if self.outcome == Outcome.LEVEL else self.outcome

    @property
    def label(self) -> str:
        return self.level_name if self.outcome == Outcome.LEVEL else str(self.get_outcome_display())

    @property
    def is_ban(self) -> bool:
        return self.ban != Ban.NONE

    @property
    def system_labels(self) -> list[str]:
        labels = dict(System.choices)
        return [str(labels.get(system, system)) for system in self.systems]

    def is_active_ban(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        if not self.is_ban or self.starts_on > today or self.set_aside_at is not None:
            return False
        return self.ban == Ban.PERMANENT or (self.ends_on is not None and self.ends_on >= today)

    @property
    def appeal_until(self) -> datetime.date:
        """The last day this decision can be appealed (decisions/appeals.py)."""
        return self.decided_at.date() + datetime.timedelta(days=settings.STEWARD_APPEAL_DAYS)

    @property
    def appeal_window_open(self) -> bool:
        return timezone.localdate() <= self.appeal_until

    def took_part(self) -> set[int]:
        """The staff who took part in this decision, whom its appeal does not go to: who decided,
        who proposed it, and everyone who signed off or voted on its proposal (a vote set aside by
        a change still weighed in on the question)."""
        people = {self.decided_by_id}
        proposal = Proposal.objects.filter(decision=self).first()
        if proposal is not None:
            people.add(proposal.proposed_by_id)
            people.update(Vote.objects.filter(proposal=proposal).values_list("voter_id", flat=True))
        return {pk for pk in people if pk is not None}

    @property
    def ban_record(self) -> dict[str, object]:
        """What enforcement needs, readable even after the case was erased."""
        return {"outcome": self.code, "ban": self.ban, "starts_on": self.starts_on.isoformat(),
                "ends_on": self.ends_on.isoformat() if self.ends_on else None,
                "subject": self.subject_id, "decided_at": self.decided_at.isoformat(), "case": self.case_id}


# --- Appeals (decisions/appeals.py) ------------------------------------------------------------


class Appeal(models.Model):
    """An appeal against a decision, by a reporter (from the follow-up page) or by the person it
    applies to (through their single-use link). The grounds and the reasons of whoever decided it
    are sealed with the case key. A changed decision is a new Decision that `replaces` this one."""

    class Appellant(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        REPORTED = "reported", _("Person the decision applies to")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        CHANGED = "changed", _("Changed")
        REVERSED = "reversed", _("Reversed")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()
    appellant = models.CharField(max_length=10, choices=Appellant.choices)
    report = models.PositiveIntegerField(null=True, blank=True)  # the report whose reporter appealed (its id)
    filed_at = models.DateTimeField(default=timezone.now)
    grounds_sealed = crypto.SealedField()
    grounds = case_sealed("appeal.grounds", erased_reads_as="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    new_decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reasons_sealed = crypto.SealedField(null=True, blank=True)
    reasons = case_sealed("appeal.reasons", erased_reads_as="")

    class Meta:
        ordering = ["filed_at", "pk"]
        constraints = [
            # Each side appeals a decision once: the person it applies to, and each reporter.
            models.UniqueConstraint(fields=["decision", "appellant", "report"], name="appeal_once_per_reporter"),
            models.UniqueConstraint(fields=["decision"], condition=Q(appellant="reported"),
                                    name="appeal_once_by_reported_person"),
        ]

    def __str__(self) -> str:
        return f"Appeal {self.pk} on decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN



# --- Interim measures, return after a ban, check-ins and breaches (decisions/interim.py, returns.py) ---


class InterimRestriction(models.TextChoices):
    """What an interim measure keeps the person from while the case is open."""

    NO_CONTACT = "no_contact", _("No contact with the people involved")
    SUSPENDED = "suspended", _("Suspended from the spaces and systems named")
    TOOL_ACCESS = "tool_access", _("Tool access revoked")
    LEADERSHIP = "leadership", _("Leadership roles suspended")
    EVENTS = "events", _("Barred from events")


class InterimMeasure(models.Model):
    """A temporary protective measure on a case not yet decided. It ends on its date (the daily
    job) or when the decision is recorded, whichever comes first. The record, like a ban's, is in
    clear columns; the reason is sealed with the case."""

    class Ended(models.TextChoices):
        DATE = "date", _("Its end date was reached")
        DECISION = "decision", _("The decision was recorded")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()
    # Not kept against an erasure of the person (registry.forget_people): the measure then names nobody.
    subject = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    restriction = models.CharField(max_length=20, choices=InterimRestriction.choices)
    spaces = models.ManyToManyField(Space, blank=True, related_name="+")  # none: every space
    systems = models.JSONField(default=list, blank=True)  # none: every system
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField()
    imposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    imposed_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=10, choices=Ended.choices, blank=True)
    reason_sealed = crypto.SealedField()
    reason = case_sealed("interim.reason", erased_reads_as="")

    class Meta:
        ordering = ["imposed_at", "pk"]

    def __str__(self) -> str:
        return f"Interim measure {self.pk} on {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def system_labels(self) -> list[str]:
        labels = dict(System.choices)
        return [str(labels.get(system, system)) for system in self.systems]


class Return(models.Model):
    """The way back after a temporary ban: the invitation (when the level requires onboarding),
    the acknowledgement of the guidelines, the ban's end and the reinstatement."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="+")
    onboarding_required = models.BooleanField()
    invited_at = models.DateTimeField(null=True, blank=True)
    # Onboarding: the guidelines version acknowledged, and the onboarding course (below).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_version = models.CharField(max_length=20, blank=True)
    acknowledged_language = models.CharField(max_length=16, blank=True)
    # The second onboarding step, when there is an onboarding course: it was assigned, then passed.
    course_assigned_at = models.DateTimeField(null=True, blank=True)
    course_done_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # the ban's end was recorded
    reinstated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Return after decision {self.decision_id}"

    @property
    def onboarding_done(self) -> bool:
        """The guidelines acknowledged and, when the onboarding course was assigned, the course passed."""
        if not self.onboarding_required:
            return True
        return self.acknowledged_at is not None and (self.course_assigned_at is None or self.course_done_at is not None)


class CheckIn(models.Model):
    """A check-in with the returned person, due some months after the reinstatement, for the
    case's handler; done with a note (sealed with the case)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    note_sealed = crypto.SealedField(null=True, blank=True)
    note = case_sealed("check_in.note", erased_reads_as="")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["decision", "months"], name="check_in_unique_per_decision")]

    def __str__(self) -> str:
        return f"Check-in {self.pk} on {self.case_id}"


class Breach(models.Model):
    """A breach of a ban while it runs. It escalates along the ladder: the case awaits a new
    decision, for which the banned level's `breach_leads_to` is recommended."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()
    observed_on = models.DateField()
    # What the ladder said a breach leads to, when recorded (the key is matched on the current ladder).
    leads_to_key = models.CharField(max_length=50, blank=True)
    leads_to_name = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # The decision recorded after it (None while the case still awaits it).
    followed_by = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note_sealed = crypto.SealedField()
    note = case_sealed("breach.note", erased_reads_as="")

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"Breach {self.pk} on {self.case_id}"



# --- Proposals, sign-off and the people's say before a decision is enacted -------------------


class DecisionPolicy(models.Model):
    """How many decision makers must agree before a proposal is enacted (one row, edited by
    administrators). Four eyes: at or above a level position of the current ladder, a second
    decision maker signs off. Quorum: that many decision makers agree in all, the proposer
    counting as one. Both off: the proposer enacts alone."""

    four_eyes_from_position = models.PositiveSmallIntegerField(null=True, blank=True)
    quorum = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Decision policy (four eyes from {self.four_eyes_from_position}, quorum {self.quorum})"


class Proposal(models.Model):
    """A decision as proposed: the decision form's content, kept until it is enacted (then it
    points at the Decision) or withdrawn. Its texts are sealed with the case key."""

    class Status(models.TextChoices):
        OPEN = "open", _("Proposed")
        ENACTED = "enacted", _("Enacted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="proposals")
    row_uuid = crypto.row_uuid_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    spaces = models.ManyToManyField(Space, blank=True, related_name="+")
    systems = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    decision = models.OneToOneField(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal")
    reporter_summary_sealed = crypto.SealedField()
    reporter_summary = case_sealed("proposal.reporter_summary")
    rationale_sealed = crypto.SealedField()
    rationale = case_sealed("proposal.rationale")
    conditions_sealed = crypto.SealedField(null=True, blank=True)
    conditions = case_sealed("proposal.conditions", erased_reads_as="")
    departure_reason_sealed = crypto.SealedField(null=True, blank=True)
    departure_reason = case_sealed("proposal.departure_reason", erased_reads_as="")
    # What the reported person's decision message says (decisions/decision_messages.py): the
    # messages are written from these when the proposal is enacted.
    message_language = models.CharField(max_length=16, blank=True)
    behaviour_sealed = crypto.SealedField(null=True, blank=True)
    behaviour = case_sealed("proposal.behaviour", erased_reads_as="")
    impact_sealed = crypto.SealedField(null=True, blank=True)
    impact = case_sealed("proposal.impact", erased_reads_as="")
    expected_change_sealed = crypto.SealedField(null=True, blank=True)
    expected_change = case_sealed("proposal.expected_change", erased_reads_as="")

    class Meta:
        ordering = ["proposed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(status="open"),
                                               name="proposal_one_open_per_case")]

    def __str__(self) -> str:
        return f"Proposal {self.pk} on {self.case_id}"

    @property
    def label(self) -> str:
        return self.level.name if self.level is not None else str(self.get_outcome_display())


class Vote(models.Model):
    """One decision maker's sign-off or rejection of one version of a proposal. A change to the
    proposal sets earlier votes aside (`current` false): they agreed to something else."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    row_uuid = crypto.row_uuid_field()
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    current = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)
    note_sealed = crypto.SealedField(null=True, blank=True)
    note = case_sealed("vote.note", key="proposal.case.data_key", erased_reads_as="")

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["proposal", "voter"], condition=Q(current=True),
                                               name="vote_once_per_proposal")]

    def __str__(self) -> str:
        return f"Vote {self.pk} on proposal {self.proposal_id}"


class ResponseRequest(models.Model):
    """The reported person's chance to respond to a proposal: the neutral description the
    decision maker wrote (never who reported), the language it is in, and the response, given
    through the single-use "respond" link or recorded by staff when it came another way."""

    class Channel(models.TextChoices):
        LINK = "link", _("Through the link in the email")
        OTHER = "other", _("Received another way, recorded by staff")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="response_requests")
    row_uuid = crypto.row_uuid_field()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=16, default="en")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False)
    description_sealed = crypto.SealedField()
    description = case_sealed("response.description", key="proposal.case.data_key", erased_reads_as="")
    responded_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    response_sealed = crypto.SealedField(null=True, blank=True)
    response = case_sealed("response.response", key="proposal.case.data_key", erased_reads_as="")

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"Response request {self.pk} on proposal {self.proposal_id}"


class ReporterNotice(models.Model):
    """The reporters told the proposed outcome before it is enacted: a short neutral text the
    decision maker wrote (sealed with the case key), read on each report's follow-up page. One per
    proposal; the feedback it gathers is recorded, not binding."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="reporter_notice")
    row_uuid = crypto.row_uuid_field()
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    told_at = models.DateTimeField(default=timezone.now)
    text_sealed = crypto.SealedField()
    text = case_sealed("reporter_notice.text", key="proposal.case.data_key", erased_reads_as="")

    def __str__(self) -> str:
        return f"Reporter notice on proposal {self.proposal_id}"


class ReporterFeedback(models.Model):
    """One reporter's feedback on the proposed outcome, recorded once per report (sealed with the
    case key). `report` is the report's id: reports sit beside decisions, not below them."""

    notice = models.ForeignKey(ReporterNotice, on_delete=models.CASCADE, related_name="feedback")
    row_uuid = crypto.row_uuid_field()
    report = models.PositiveIntegerField()
    agrees = models.BooleanField(null=True, blank=True)  # None: the reporter did not say
    given_at = models.DateTimeField(default=timezone.now)
    body_sealed = crypto.SealedField()
    body = case_sealed("reporter_feedback.body", key="notice.proposal.case.data_key", erased_reads_as="")

    class Meta:
        ordering = ["given_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "report"], name="reporter_feedback_once_per_report")]

    def __str__(self) -> str:
        return f"Reporter feedback {self.pk} on proposal notice {self.notice_id}"


# --- Decision messages (decisions/decision_messages.py) --------------------------------------


class Audience(models.TextChoices):
    """Who a decision message is for. The reported person's and the reporters' are written with the
    decision; the moderators' and the community announcement when the decision is enforced."""

    REPORTED = "reported", _("Person the decision applies to")
    REPORTER = "reporter", _("Reporter")
    MODERATORS = "moderators", _("Moderators of affected spaces")
    ANNOUNCEMENT = "community", _("Community announcement")


class MessageTemplate(models.Model):
    """The text of one kind of decision message for one audience in one language, with
    {placeholders}. Installed from the shipped presets and edited by administrators. A translation
    keeps the digest of the English it was made from, so a changed English text marks it outdated."""

    kind = models.CharField(max_length=20)  # a MessageKind, or an outcome that is not a level
    audience = models.CharField(max_length=10, choices=Audience.choices)
    language = models.CharField(max_length=16)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    source_digest = models.CharField(max_length=64, blank=True)  # "" for the English itself
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "audience", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "audience", "language"],
                                               name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.kind}.{self.audience} ({self.language})"

    @property
    def digest(self) -> str:
        return preset_files.message_digest(self.subject, self.body)


class DecisionMessage(models.Model):
    """What a decision told one recipient: the person it applies to, or the reporter of one report.
    Subject and body are sealed with the case key. The reported person's body keeps the
    {appeal_link} slot: their single-use link is made when the email is written, never stored."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="messages")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    row_uuid = crypto.row_uuid_field()
    audience = models.CharField(max_length=10, choices=Audience.choices)
    language = models.CharField(max_length=16)
    report = models.PositiveIntegerField(null=True, blank=True)  # the report whose reporter it is for (its id)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    subject_sealed = crypto.SealedField()
    subject = case_sealed("decision_message.subject", erased_reads_as="")
    body_sealed = crypto.SealedField()
    body = case_sealed("decision_message.body", erased_reads_as="")

    class Meta:
        ordering = ["decision", "audience", "pk"]

    def __str__(self) -> str:
        return f"Decision message {self.pk} ({self.audience}) on decision {self.decision_id}"
