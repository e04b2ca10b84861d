"""Enforcement: planning a rollout when a decision or an interim measure asks for one, planning
its reversal when it ends, and what staff do on the rollout page (retry, mark done by hand).

Planning runs inside the transaction of the decision that causes it (a subscriber of the
decisions app's events), so a decision is never recorded without its rollout. Nothing here
calls a system: the worker executes the planned actions (enforcement/execution.py).

The reversal undoes what was done and only that. Actions not yet carried out are cancelled; an
action that changed nothing (the person was already banned from that room) has nothing to undo;
and a change another rollout still needs (an appeal changed a temporary ban into a permanent one)
is handed on to that rollout instead of being undone, so the person is never let back in between.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from steward.cases.models import Case
from steward.core import access, audit, crypto
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.decisions import services as decisions
from steward.decisions.events import (
    AppealDecided,
    DecisionEnded,
    DecisionRecorded,
    InterimMeasureEnded,
    InterimMeasureImposed,
)
from steward.decisions.models import Decision, InterimMeasure, InterimRestriction
from steward.registry.models import Identity, System

from . import connectors
from .connectors.base import ConfigurationError, ConnectorError
from .models import (
    CONNECTOR_KEY_PURPOSE,
    FINISHED,
    OWN_STEPS,
    PHASE_OF,
    ActionStatus,
    ConnectorConfig,
    Direction,
    Kind,
    Phase,
    Rollout,
    RolloutAction,
    Step,
)
from .permissions import EnforcementAction

ROLLOUT_JOB = SystemActor("enforcement rollout")
NOTE_LIMIT = 2000
# Restrictions of a decision's level (its snapshot) and of an interim measure that no API carries out.
LEVEL_STEPS = (("tool_access", "revoked", Step.TOOL_ACCESS), ("leadership_suspended", True, Step.LEADERSHIP),
               ("events_barred", True, Step.EVENTS))
INTERIM_STEPS = {InterimRestriction.TOOL_ACCESS: Step.TOOL_ACCESS, InterimRestriction.LEADERSHIP: Step.LEADERSHIP,
                 InterimRestriction.EVENTS: Step.EVENTS}


class RolloutError(DomainError):
    """A refused action on the rollout page; `field` names the form field it belongs to."""

    def __init__(self, field_name: str, message: object) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass
class _Planned:
    kind: str
    system: str = ""
    identity: Identity | None = None
    target: str = ""
    step: str = ""
    reverses: RolloutAction | None = None
    status: str = ActionStatus.PLANNED
    last_error: str = ""
    change: dict[str, Any] = field(default_factory=dict)
    delay: datetime.timedelta | None = None  # not before then (the follow-up check)


def _end_of(day: datetime.date | None) -> datetime.datetime | None:
    """A ban's last day ends at midnight after it, in the server's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def _same_place(action: RolloutAction | _Planned) -> tuple[int | None, str, str]:
    identity_id = action.identity.pk if action.identity is not None else None
    return (identity_id, action.kind, action.target)


# --- Planning ------------------------------------------------------------------------------------


def _steps_on_systems(subject_id: int, *, ban: str, systems: Iterable[str]) -> list[_Planned]:
    """The actions a ban implies on every identity of the person, on every system in scope."""
    scope = set(systems)
    configs = {config.system: config for config in ConnectorConfig.objects.filter(enabled=True).select_related("data_key")}
    identities = Identity.objects.filter(person_id=subject_id).select_related("data_key").order_by("system", "pk")
    planned: list[_Planned] = []
    for identity in identities:
        if scope and identity.system not in scope:
            continue
        config = configs.get(identity.system)
        connector = connectors.build(identity.system, config.options, {}) if config is not None else None
        if connector is None:
            planned.append(_Planned(Kind.MANUAL, identity.system, identity, step=Step.CARRY_OUT))
            continue
        handle = identity.handle
        if not connector.valid_handle(handle):
            planned.append(_Planned(Kind.MANUAL, identity.system, identity, step=Step.FIX_IDENTITY))
            continue
        planned += [_Planned(step.kind, identity.system, identity, target=step.target)
                    for step in connector.plan(handle, ban=ban)]
    return planned


def start_rollout(case: Case, *, because: str, subject_id: int, ban: str, ends_on: datetime.date | None,
                  starts_on: datetime.date, systems: Iterable[str], steps: Iterable[str] = (),
                  decision: Decision | None = None, measure: InterimMeasure | None = None) -> Rollout | None:
    """Plan the rollout of a decision or measure; None when it asks nothing of any system."""
    planned = _steps_on_systems(subject_id, ban=ban, systems=systems) if ban else []
    if ban and not planned:  # a ban never passes silently: someone must look for the accounts
        planned.append(_Planned(Kind.MANUAL, step=Step.NO_ACCOUNT))
    planned += [_Planned(Kind.MANUAL, step=step) for step in steps]
    if not planned:
        return None
    if decision is not None:  # the person hears of the decision before they lose any access
        planned = [_Planned(Kind.TELL_PERSON), *planned, *_moderator_steps(planned)]
    if ban in {"temporary", "permanent"}:
        planned.append(_Planned(Kind.FOLLOW_UP, delay=datetime.timedelta(days=settings.STEWARD_ROLLOUT_FOLLOW_UP_DAYS)))
    rollout = Rollout.objects.create(case=case, decision=decision, measure=measure, subject_id=subject_id,
                                     direction=Direction.APPLY, because=because, ban=ban if ban != "interim" else "",
                                     ends_on=ends_on)
    expires_at = _end_of(ends_on) if ban in {"temporary", "interim"} else None
    # Steps done by hand belong to the case's handler, or to who decided, until someone takes them over.
    owner = case.assignee_id or (decision.decided_by_id if decision else measure.imposed_by_id if measure else None)
    rows = _write(rollout, planned, expires_at=expires_at, due_on=starts_on, owner_id=owner)
    _take_over(rows)
    refresh(rollout)
    audit.record(ROLLOUT_JOB, "rollout.plan", rollout, detail={
        "case": case.pk, "decision": decision.pk if decision else None, "measure": measure.pk if measure else None,
        "actions": len(rows), "systems": sorted({row.system for row in rows if row.system})})
    return rollout


def _moderator_steps(planned: list[_Planned]) -> list[_Planned]:
    """One step per system acted on whose configuration names moderators to tell."""
    acted_on = {spec.system for spec in planned if spec.kind not in {Kind.MANUAL, *OWN_STEPS}}
    told = ConnectorConfig.objects.filter(system__in=acted_on, enabled=True).values_list("system", "options")
    return [_Planned(Kind.TELL_MODERATORS, system) for system, options in sorted(told) if options.get("moderators")]


def _write(rollout: Rollout, planned: list[_Planned], *, expires_at: datetime.datetime | None,
           due_on: datetime.date | None, start: int = 0, owner_id: int | None = None) -> list[RolloutAction]:
    rows, now = [], timezone.now()
    for position, spec in enumerate(planned, start=start):
        row = RolloutAction(rollout=rollout, position=position, phase=PHASE_OF.get(Kind(spec.kind), Phase.REVOKE),
                            system=spec.system, identity=spec.identity,
                            kind=spec.kind, target=spec.target, step=spec.step, reverses=spec.reverses,
                            status=spec.status, last_error=spec.last_error, change=spec.change,
                            expires_at=expires_at if spec.reverses is None else None,
                            due_on=due_on if spec.kind == Kind.MANUAL else None,
                            owner_id=owner_id if spec.kind == Kind.MANUAL else None,
                            next_attempt_at=now + spec.delay if spec.delay else now,
                            idempotency_key=f"rollout-{rollout.pk}-{position}")
        row.save(force_insert=True)
        rows.append(row)
    return rows


def _systems_of(rollout: Rollout) -> list[str]:
    if rollout.decision_id is not None:
        return list(Decision.objects.get(pk=rollout.decision_id).systems)
    measure = InterimMeasure.objects.filter(pk=rollout.measure_id).first() if rollout.measure_id else None
    return list(measure.systems) if measure is not None else []


def add_new_accounts(rollout: Rollout) -> int:
    """The follow-up check: plan the ban on accounts of the person linked in the registry since
    the rollout was planned (on the systems in scope); returns how many accounts were added."""
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if rollout.status == Rollout.Status.REVERSED or rollout.subject_id is None or not rollout.ban:
            return 0
        covered = set(rollout.actions.exclude(identity=None).values_list("identity_id", flat=True))
        new = [spec for spec in _steps_on_systems(rollout.subject_id, ban=rollout.ban, systems=_systems_of(rollout))
               if spec.identity is not None and spec.identity.pk not in covered]
        if not new:
            return 0
        last = rollout.actions.order_by("-position").values_list("position", flat=True).first() or 0
        rows = _write(rollout, new, expires_at=_end_of(rollout.ends_on) if rollout.ban == "temporary" else None,
                      due_on=timezone.localdate(), start=last + 1)
        _take_over(rows)
        refresh(rollout)
        accounts = len({row.identity_id for row in rows})
        audit.record(ROLLOUT_JOB, "rollout.follow_up", rollout, detail={
            "case": rollout.case_id, "accounts": accounts, "actions": len(rows)})
        return accounts


def _take_over(rows: list[RolloutAction]) -> None:
    """A new action takes over what a pending reversal was about to undo on the same place: the
    reversal step is cancelled and the change (Steward's ban) becomes the new action's to undo."""
    for row in rows:
        if row.kind == Kind.MANUAL or row.identity_id is None:
            continue
        waiting = (RolloutAction.objects.select_for_update(of=("self",))
                   .filter(identity_id=row.identity_id, kind=row.kind, target=row.target, status=ActionStatus.PLANNED,
                           reverses__isnull=False).select_related("reverses").first())
        if waiting is None or waiting.reverses is None or not waiting.reverses.change:
            continue
        handed_on = _("Handed on to a later rollout that needs it.")
        waiting.status, waiting.last_error = ActionStatus.CANCELLED, handed_on
        waiting.save(update_fields=["status", "last_error"])
        RolloutAction.objects.filter(pk=waiting.reverses.pk).update(status=ActionStatus.REVERTED, last_error=handed_on)
        row.change = {**waiting.reverses.change, "handed_on_from": waiting.reverses.pk}
        row.save(update_fields=["change"])
        refresh(waiting.rollout)


def plan_for_decision(event: DecisionRecorded) -> Rollout | None:
    """DecisionRecorded: a ban level bans on every system; a level's other restrictions become manual steps."""
    if event.subject is None:
        return None
    decision = Decision.objects.select_related("case").get(pk=event.decision)
    restrictions = decision.restrictions or {}
    steps = [step for name, value, step in LEVEL_STEPS if restrictions.get(name) == value]
    ban = event.ban if event.ban in {"temporary", "permanent"} else ""
    return start_rollout(decision.case, because=Rollout.Because.DECISION, subject_id=event.subject, ban=ban,
                         ends_on=event.ends_on, starts_on=event.starts_on, systems=decision.systems, steps=steps,
                         decision=decision)


def plan_for_interim_measure(event: InterimMeasureImposed) -> Rollout | None:
    """A suspension is carried out like a temporary ban until the measure ends; the other
    restrictions are manual steps (no contact is nothing a system can enforce)."""
    measure = InterimMeasure.objects.select_related("case").get(pk=event.measure)
    suspended = event.restriction == InterimRestriction.SUSPENDED
    step = INTERIM_STEPS.get(InterimRestriction(event.restriction)) if event.restriction in InterimRestriction.values else None
    return start_rollout(measure.case, because=Rollout.Because.INTERIM, subject_id=event.subject,
                         ban="interim" if suspended else "", ends_on=event.ends_on, starts_on=event.starts_on,
                         systems=event.systems, steps=[step] if step else [], measure=measure)


# --- Reversal ------------------------------------------------------------------------------------


def _successor(action: RolloutAction, reversing: Rollout) -> RolloutAction | None:
    """An action of another rollout still in force that wants the same ban on the same place."""
    if action.identity_id is None:
        return None
    return (RolloutAction.objects.select_for_update(of=("self",))
            .filter(identity_id=action.identity_id, kind=action.kind, target=action.target, reverses__isnull=True,
                    rollout__direction=Direction.APPLY)
            .exclude(rollout=reversing).exclude(rollout__status=Rollout.Status.REVERSED)
            .exclude(status__in=[ActionStatus.CANCELLED, ActionStatus.REVERTED]).order_by("-pk").first())


def start_reversal(rollout: Rollout, *, because: str) -> Rollout | None:
    """Plan the inverse of what `rollout` did; cancel what it has not done yet."""
    rollout = Rollout.objects.select_for_update().get(pk=rollout.pk)
    if rollout.status == Rollout.Status.REVERSED:
        return None  # already reversed: a second end changes nothing
    planned: list[_Planned] = []
    cancelled = handed_on = 0
    for action in rollout.actions.select_for_update(of=("self",)).select_related("identity__data_key").order_by("position", "pk"):
        if action.kind in OWN_STEPS:  # messages and checks: nothing to undo, and not to do any more
            if not action.finished and action.status != ActionStatus.RUNNING:
                action.status = ActionStatus.CANCELLED
                action.save(update_fields=["status"])
                cancelled += 1
            continue
        if action.is_manual:
            if action.status == ActionStatus.DONE and action.step != Step.UNDO:
                planned.append(_Planned(Kind.MANUAL, action.system, action.identity, step=Step.UNDO, reverses=action))
            elif not action.finished:
                action.status = ActionStatus.CANCELLED
                action.save(update_fields=["status"])
                cancelled += 1
            continue
        if action.status != ActionStatus.RUNNING and not action.change:
            if not action.finished:  # never carried out: nothing to undo
                action.status = ActionStatus.CANCELLED
                action.save(update_fields=["status"])
                cancelled += 1
            continue
        successor = _successor(action, rollout) if action.status != ActionStatus.RUNNING else None
        if successor is not None:
            successor.change = {**action.change, **successor.change, "handed_on_from": action.pk}
            successor.save(update_fields=["change"])
            action.status, action.last_error = ActionStatus.REVERTED, _("Handed on to a later rollout that needs it.")
            action.save(update_fields=["status", "last_error"])
            handed_on += 1
            continue
        planned.append(_Planned(action.kind, action.system, action.identity, target=action.target, reverses=action))
    rollout.status, rollout.closed_at = Rollout.Status.REVERSED, timezone.now()
    rollout.save(update_fields=["status", "closed_at"])
    reversal = None
    if planned:
        reversal = Rollout.objects.create(case_id=rollout.case_id, decision_id=rollout.decision_id,
                                          measure_id=rollout.measure_id, subject_id=rollout.subject_id,
                                          direction=Direction.REVERT, because=because, reverses=rollout,
                                          ban=rollout.ban)
        _write(reversal, planned, expires_at=None, due_on=timezone.localdate())
    audit.record(ROLLOUT_JOB, "rollout.reverse", rollout, detail={
        "case": rollout.case_id, "because": because, "reversal": reversal.pk if reversal else None,
        "actions": len(planned), "cancelled": cancelled, "handed_on": handed_on})
    return reversal


def _reverse_all(rollouts: Iterable[Rollout], because: str) -> list[Rollout]:
    return [reversal for rollout in rollouts if (reversal := start_reversal(rollout, because=because)) is not None]


def _applied(**where: Any) -> list[Rollout]:
    return list(Rollout.objects.filter(direction=Direction.APPLY, **where).exclude(status=Rollout.Status.REVERSED))


def reverse_for_decision_end(event: DecisionEnded) -> list[Rollout]:
    return _reverse_all(_applied(decision_id=event.decision), Rollout.Because.BAN_ENDED)


def reverse_for_appeal(event: AppealDecided) -> list[Rollout]:
    """Reversed: undo the decision's rollout. Changed: the new decision planned its own rollout
    (DecisionRecorded, same transaction), which takes over what both still need."""
    because = {"reversed": Rollout.Because.APPEAL_REVERSED, "changed": Rollout.Because.APPEAL_CHANGED}.get(event.outcome)
    if because is None:
        return []
    return _reverse_all(_applied(decision_id=event.decision), because)


def reverse_for_interim_end(event: InterimMeasureEnded) -> list[Rollout]:
    return _reverse_all(_applied(measure_id=event.measure), Rollout.Because.INTERIM_ENDED)


# --- State ---------------------------------------------------------------------------------------


def refresh(rollout: Rollout) -> Rollout:
    """The rollout's status from its actions': done when every one is, needing a person when one does."""
    rollout = Rollout.objects.select_for_update().get(pk=rollout.pk)
    if rollout.status == Rollout.Status.REVERSED:
        return rollout
    statuses = set(rollout.actions.values_list("status", flat=True))
    if statuses <= FINISHED:
        status, closed_at = Rollout.Status.CLOSED, rollout.closed_at or timezone.now()
    elif statuses & {ActionStatus.NEEDS_HUMAN, ActionStatus.FAILED, ActionStatus.UNVERIFIED}:
        status, closed_at = Rollout.Status.ATTENTION, None
    else:
        status, closed_at = Rollout.Status.OPEN, None
    if (status, closed_at) != (rollout.status, rollout.closed_at):
        rollout.status, rollout.closed_at = status, closed_at
        rollout.save(update_fields=["status", "closed_at"])
        if status == Rollout.Status.CLOSED:
            audit.record(ROLLOUT_JOB, "rollout.close", rollout, detail={"case": rollout.case_id})
    return rollout


# --- The rollout page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemProgress:
    system: str
    label: str
    actions: tuple[RolloutAction, ...]

    @property
    def counts(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for action in self.actions:
            found[action.status] += 1
        return dict(found)

    @property
    def finished(self) -> int:
        return sum(1 for action in self.actions if action.finished)


@dataclass(frozen=True)
class Announcement:
    subject: str
    body: str


@dataclass(frozen=True)
class RolloutView:
    rollout: Rollout
    systems: tuple[SystemProgress, ...]
    announcement: Announcement | None = None


def _announcement(rollout: Rollout, actions: Iterable[RolloutAction]) -> Announcement | None:
    """The community announcement the team may publish for a decision in force, from its template
    in the reader's language, naming the person by their accounts (the reasons are never in it);
    None when the decision's kind has no announcement."""
    if rollout.direction != Direction.APPLY or rollout.decision_id is None or rollout.status == Rollout.Status.REVERSED:
        return None
    accounts = sorted({f"{action.identity.handle} ({action.get_system_display()})" for action in actions
                       if action.identity is not None})
    if not accounts:
        return None
    try:
        subject, body = decisions.compose_announcement(rollout.decision_id, language=translation.get_language(),
                                                       person=", ".join(accounts))
    except decisions.MessageError:
        return None
    return Announcement(subject, body)


def _views(rollouts: Iterable[Rollout]) -> list[RolloutView]:
    labels = dict(System.choices)
    views = []
    for rollout in rollouts:
        grouped: dict[str, list[RolloutAction]] = defaultdict(list)
        for action in rollout.actions.select_related("identity__data_key", "done_by", "owner", "rollout__case__data_key"):
            grouped[action.system].append(action)
        systems = tuple(SystemProgress(system, str(labels.get(system, system)) if system else
                                       _("Messages, checks and steps on no system"), tuple(actions))
                        for system, actions in sorted(grouped.items(), key=lambda item: (item[0] != "", item[0])))
        views.append(RolloutView(rollout, systems, _announcement(rollout, (a for each in grouped.values() for a in each))))
    return views


def read_rollouts(case: Case, *, by: User, ip: str | None) -> list[RolloutView]:
    """The case's rollouts for the rollout page: they name the person's accounts, so the read is audited."""
    access.require(by, EnforcementAction.VIEW_ROLLOUT, case)
    rollouts = list(Rollout.objects.filter(case=case).select_related("decision", "measure").order_by("created_at", "pk"))
    audit.record(by, "rollout.view", case, ip=ip, detail={"rollouts": [rollout.pk for rollout in rollouts]})
    return _views(rollouts)


def _action_for(by: User, action_id: int, case: Case) -> RolloutAction:
    access.require(by, EnforcementAction.WORK_ROLLOUT, case)
    action = (RolloutAction.objects.select_for_update(of=("self",)).select_related("rollout__case__data_key")
              .filter(pk=action_id, rollout__case=case).first())
    if action is None:
        raise access.Hidden(EnforcementAction.WORK_ROLLOUT)
    return action


@transaction.atomic
def retry_action(case: Case, action_id: int, *, by: User, ip: str | None = None) -> RolloutAction:
    """Try a failed, stuck or unverified action again now, with a fresh round of attempts."""
    action = _action_for(by, action_id, case)
    if not action.retryable:
        raise RolloutError("__all__", _("Only a failed or unverified step on a system can be retried; "
                                        "this one is “%(status)s”.") % {"status": action.get_status_display()})
    if action.rollout.status == Rollout.Status.REVERSED:
        raise RolloutError("__all__", _("This rollout was reversed: its steps are not carried out any more."))
    before = action.status
    action.status, action.attempts, action.next_attempt_at, action.lease_expires_at = (
        ActionStatus.PLANNED, 0, timezone.now(), None)
    action.save(update_fields=["status", "attempts", "next_attempt_at", "lease_expires_at"])
    refresh(action.rollout)
    audit.record(by, "rollout.retry", action, ip=ip, detail={"case": case.pk, "rollout": action.rollout_id,
                                                              "status_before": before})
    return action


@transaction.atomic
def mark_done(case: Case, action_id: int, *, by: User, note: str, ip: str | None = None) -> RolloutAction:
    """A person did the step (or checked it) themselves; their note says what they did."""
    action = _action_for(by, action_id, case)
    note = note.strip()
    erased = case.erased_at is not None  # the ban outlives the case, but nothing is sealed with it any more
    if erased and note:
        raise RolloutError("note", _("This case was erased: no note can be kept with it. Mark the step done "
                                     "without a note."))
    if not note and not erased:
        raise RolloutError("note", _("Write what you did or checked."))
    if len(note) > NOTE_LIMIT:
        raise RolloutError("note", _("Keep the note under %(limit)s characters.") % {"limit": NOTE_LIMIT})
    if not action.may_be_marked_done:
        raise RolloutError("__all__", _("This step is “%(status)s”: there is nothing left to do by hand.")
                           % {"status": action.get_status_display()})
    before = action.status
    if note:
        action.note = note  # sealed with the case
    action.status, action.done_by, action.lease_expires_at = ActionStatus.DONE, by, None
    action.done_at = action.finished_at = timezone.now()
    action.save(update_fields=["note_sealed", "status", "done_by", "done_at", "finished_at", "lease_expires_at"])
    if action.reverses_id is not None:
        RolloutAction.objects.filter(pk=action.reverses_id).update(status=ActionStatus.REVERTED)
    refresh(action.rollout)
    audit.record(by, "rollout.mark_done", action, ip=ip, detail={"case": case.pk, "rollout": action.rollout_id,
                                                                  "status_before": before})
    return action


@transaction.atomic
def take_step(case: Case, action_id: int, *, by: User, ip: str | None = None) -> RolloutAction:
    """`by` becomes the owner of a step done by hand that is not finished yet."""
    action = _action_for(by, action_id, case)
    if not action.is_manual or action.finished:
        raise RolloutError("__all__", _("Only a step done by hand that is not finished yet can be taken over."))
    before = action.owner_id
    action.owner = by
    action.save(update_fields=["owner"])
    audit.record(by, "rollout.take", action, ip=ip, detail={"case": case.pk, "rollout": action.rollout_id,
                                                             "owner_before": before})
    return action


def open_rollouts(by: User) -> list[Rollout]:
    """Every rollout not done yet on a case `by` may work on, for the rollouts list: case
    references and states only (a conflict of interest hides a case's rollout here too)."""
    access.require(by, EnforcementAction.ROLLOUTS)
    rows = (Rollout.objects.filter(status__in=[Rollout.Status.OPEN, Rollout.Status.ATTENTION])
            .select_related("case").order_by("created_at", "pk"))
    return [rollout for rollout in rows if access.can(by, EnforcementAction.VIEW_ROLLOUT, rollout.case)]


# --- Connector configuration ---------------------------------------------------------------------


def _moderators(given: Any) -> list[str]:
    """The addresses told what to enforce on a system once access is revoked (every connector has them)."""
    addresses = [str(address).strip() for address in (given or []) if str(address).strip()]
    wrong = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise RolloutError("moderators", _("Not an email address: %(addresses)s") % {"addresses": ", ".join(wrong)})
    return addresses


@transaction.atomic
def configure_connector(system: str, *, by: User, settings: dict[str, Any], credentials: dict[str, str],
                        enabled: bool = True, ip: str | None = None) -> ConnectorConfig:
    """Create or change a system's connector. Credentials left empty keep the stored ones; stored
    ones are never read back to the page."""
    access.require(by, EnforcementAction.CONFIGURE_CONNECTORS)
    cls = connectors.connector_class(system)
    if cls is None:
        raise RolloutError("system", _("Steward has no connector for %(system)s yet: its steps are done by hand.")
                           % {"system": dict(System.choices).get(system, system)})
    config = ConnectorConfig.objects.select_for_update().select_related("data_key").filter(system=system).first()
    given = {name: value.strip() for name, value in credentials.items() if value and value.strip()}
    kept = config.credentials if config is not None else {}
    settings = dict(settings)
    moderators = _moderators(settings.pop("moderators", []))
    try:
        cleaned = cls.check_configuration(settings, {**kept, **given})
    except ConfigurationError as error:
        raise RolloutError(error.field, error.message) from None
    if moderators:
        cleaned["moderators"] = moderators
    if config is None:
        config = ConnectorConfig(system=system, data_key=crypto.shared_key(CONNECTOR_KEY_PURPOSE))
    config.options, config.enabled, config.updated_by, config.updated_at = cleaned, enabled, by, timezone.now()
    if given or not kept:
        config.credentials_text = json.dumps({**kept, **given}, sort_keys=True)
    config.save()
    audit.record(by, "connector.configure", config, ip=ip, detail={
        "system": system, "enabled": enabled, "credentials_changed": bool(given), "settings": sorted(cleaned)})
    return config


def test_connector(system: str, *, by: User, ip: str | None = None) -> tuple[bool, str]:
    """Try the stored settings and credentials against the system (harmless reads); audited."""
    access.require(by, EnforcementAction.CONFIGURE_CONNECTORS)
    config = ConnectorConfig.objects.select_related("data_key").filter(system=system).first()
    connector = connectors.build(system, config.options, config.credentials) if config is not None else None
    if connector is None:
        raise RolloutError("system", _("Save the connector's settings first."))
    try:
        found, ok = connector.test_connection(), True
    except ConnectorError as error:
        found, ok = error.reason, False
    with transaction.atomic():
        audit.record(by, "connector.test", config, ip=ip, detail={"system": system, "ok": ok})
    return ok, found


def connector_configs() -> list[ConnectorConfig]:
    return list(ConnectorConfig.objects.order_by("system"))


# --- The case page (steward.cases.providers) -----------------------------------------------------


@dataclass(frozen=True)
class RolloutSummary:
    pk: int
    case: int
    direction: str
    direction_label: str
    status: str
    status_label: str
    finished: int
    total: int
    needs_human: int


class RolloutsForCases:
    """What the case page shows of its rollouts: their state, no account names."""

    def for_page(self, case_id: int) -> list[RolloutSummary]:
        summaries = []
        for rollout in Rollout.objects.filter(case_id=case_id).order_by("created_at", "pk"):
            statuses = list(rollout.actions.values_list("status", flat=True))
            summaries.append(RolloutSummary(
                rollout.pk, rollout.case_id, rollout.direction, str(rollout.get_direction_display()), rollout.status,
                str(rollout.get_status_display()), sum(1 for status in statuses if status in FINISHED), len(statuses),
                sum(1 for status in statuses if status in {ActionStatus.NEEDS_HUMAN, ActionStatus.FAILED,
                                                           ActionStatus.UNVERIFIED})))
        return summaries

    def carried_out_on(self, case_id: int) -> datetime.date | None:
        """The day the standing decision's last access was revoked, once every revocation is
        finished (the follow-up check a week later does not hold it back)."""
        newest = (Rollout.objects.filter(case_id=case_id, direction=Direction.APPLY, decision__isnull=False,
                                         decision__set_aside_at__isnull=True)
                  .order_by("-created_at", "-pk").first())
        if newest is None or newest.status == Rollout.Status.REVERSED:
            return None
        revoking = list(newest.actions.filter(phase=Phase.REVOKE).values_list("status", "finished_at"))
        if not revoking or any(status not in FINISHED for status, _finished in revoking):
            return None
        return timezone.localdate(max((finished or newest.created_at) for _status, finished in revoking))
