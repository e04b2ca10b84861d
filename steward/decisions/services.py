"""Recording a decision: one function checks who may, validates, moves the case to
"decided", snapshots the level, seals the texts, writes the timeline and the audit log, in one
transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import providers
from steward.cases import services as cases
from steward.cases.models import Case, Party, Space, Status, Triage
from steward.core import access, audit, events
from steward.core.errors import DomainError
from steward.registry import services as registry
from steward.registry.models import Person, System

from . import decision_messages, ladders, recommendation, returns
from .events import AppealDecided, DecisionRecorded
from .models import Ban, Decision, Ladder, Level, MessageKind, Outcome
from .permissions import DecisionAction

# What record_decision takes for the reported person's message, for callers in other apps.
MessageInput = decision_messages.MessageInput
# The enforcement messages, for the enforcement app (it checks who may ask): (subject, body) of the
# message to the moderators of affected spaces and of the community announcement; a MessageError
# (a DomainError) when the decision's kind has no such message or an argument is blank.
compose_for_moderators = decision_messages.compose_for_moderators
compose_announcement = decision_messages.compose_announcement
MessageError = decision_messages.MessageError


class DecisionError(DomainError):
    """A refused decision; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def _ends_on(level: Level | None, starts_on: datetime.date, ends_on: datetime.date | None,
             today: datetime.date) -> datetime.date | None:
    """The end a decision gets: a temporary ban's (by default start + the level's duration);
    none for anything else."""
    if level is None or level.ban != Ban.TEMPORARY:
        if ends_on is not None:
            raise DecisionError("ends_on", _("Only a temporary ban has an end date; leave it empty for this decision."))
        return None
    if ends_on is None:
        ends_on = starts_on + datetime.timedelta(days=level.default_duration_days)
    if ends_on <= starts_on:
        raise DecisionError("ends_on", _("A temporary ban must end after the day it starts."))
    if ends_on <= today:
        raise DecisionError("ends_on", _("The end of a temporary ban must be a date in the future."))
    return ends_on


def _validate(case: Case, *, level: Level | None, outcome: str, subject: Person | None, systems: list[str],
              reporter_summary: str, rationale: str) -> None:
    if outcome not in Outcome.values:
        raise DecisionError("choice", _("Choose a level of the consequence ladder or one of the other outcomes."))
    if (outcome == Outcome.LEVEL) != (level is not None):
        raise DecisionError("choice", _("Choose either a level of the consequence ladder or another outcome."))
    if level is not None and level.ladder.status != Ladder.Status.CURRENT:
        raise DecisionError("choice", _("This level belongs to another version of the consequence ladder; "
                                        "choose a level of the current one."))
    if level is not None and level.is_ban and subject is None:
        raise DecisionError("subject", _("Choose the person the ban applies to."))
    if outcome == Outcome.UNKNOWN_PERSON and subject is not None:
        raise DecisionError("subject", _("The responsible person is unknown: leave the person empty."))
    if subject is not None and not Party.objects.filter(case=case, person=subject).exists():
        raise DecisionError("subject", _("The person must be one of the people involved in this case."))
    unknown = [system for system in systems if system not in System.values]
    if unknown:
        raise DecisionError("systems", _("Unknown system: %(system)s.") % {"system": ", ".join(unknown)})
    if not reporter_summary.strip():
        raise DecisionError("reporter_summary", _("Write the decision summary the reporter will see."))
    if not rationale.strip():
        raise DecisionError("rationale", _("Write the reasons for the decision."))


def read_for_decision(case: Case, *, by: User, ip: str | None) -> None:
    """The decision page shows who is involved in the case: a read of its content, audited."""
    access.require(by, DecisionAction.DECIDE, case)
    audit.record(by, "case.view", case, ip=ip, detail={"page": "decision"})


def _check_consultations(case: Case, *, by: User, override_reason: str, ip: str | None) -> None:
    """The decision-making policy: no decision while a required consultation is open or not asked,
    unless overridden with a reason (sealed, audited; see cases.services)."""
    try:
        cases.check_consultations_before_decision(case, by=by, authority=DecisionAction.DECIDE,
                                                  override_reason=override_reason, ip=ip)
    except DomainError as error:
        raise DecisionError("override_reason", error.message) from None


def current_level(key: str) -> Level | None:
    """The current ladder's level with this key, for callers that name levels (the demo, imports)."""
    return Level.objects.filter(ladder__status=Ladder.Status.CURRENT, key=key).select_related("ladder").first()


def reported_people(case: Case) -> list[Person]:
    """Whose earlier decisions the recommendation weighs: the case's reported people."""
    return list(Person.objects.filter(parties__case=case, parties__role=Party.Role.REPORTED).distinct().order_by("pk"))


def recommend_for(case: Case, people: list[Person], *, by: User,
                  today: datetime.date | None = None) -> recommendation.Recommendation:
    """Steward's proposal for this case, as `by` may see it (hidden cases do not count). After a
    breach of a ban on the case, the ladder's next step (see returns.escalation)."""
    if (escalated := returns.escalation(case)) is not None:
        return escalated
    triage = Triage.objects.filter(case=case).select_related("case__data_key").order_by("-at", "-pk").first()
    answers = dict(triage.answers) if triage is not None else {}
    if triage is not None:
        answers.setdefault("priority", triage.priority)
    earlier = [recommendation.Earlier(d.outcome, d.level_position, d.level_name, timezone.localtime(d.decided_at).date())
               for d in history(people, by=by, exclude_case=case)]
    ladder = ladders.current_ladder()
    levels = ladder.levels_in_order() if ladder is not None else []
    return recommendation.recommend(answers, earlier, levels, today or timezone.localdate())


@transaction.atomic
def record_decision(case: Case, *, by: User, reporter_summary: str, rationale: str, level: Level | None = None,
                    outcome: str | None = None, subject: Person | None = None,
                    starts_on: datetime.date | None = None, ends_on: datetime.date | None = None,
                    spaces: Sequence[Space] = (), systems: Sequence[str] = (), conditions: str = "",
                    departure_reason: str = "", ip: str | None = None, override_reason: str = "",
                    replaces: Decision | None = None,
                    message: decision_messages.MessageInput | None = None) -> Decision:
    """The one way a case becomes "decided". `level` (of the current ladder) or `outcome` (one
    of the outcomes that are not levels); empty `spaces`/`systems` mean everywhere. Choosing
    other than the recommendation needs `departure_reason`. `replaces`: the decision an appeal
    changed (only `appeals.decide_appeal` passes it); it is set aside, its snapshot kept.
    `message`: the decision's messages are written from it (decision_messages.compose) and sent
    through the outbox; without it none are (the appeal's own notices tell both sides)."""
    case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
    access.require(by, DecisionAction.DECIDE, case)
    if case.erased_at is not None:
        raise DecisionError("__all__", _("This case was erased: nothing can be added to it."))
    if replaces is not None:
        replaces = Decision.objects.select_for_update().get(pk=replaces.pk)
        access.require(by, DecisionAction.DECIDE_APPEAL, case)
        if replaces.case_id != case.pk or replaces.set_aside_at is not None or case.status != Status.DECIDED:
            raise DecisionError("__all__", _("Only the decision in force on this case can be replaced."))
        if by.pk in replaces.took_part():
            raise DecisionError("__all__", _("You took part in this decision: someone who did not decides its appeal."))
    elif case.status != Status.AWAITING_DECISION:
        raise DecisionError("__all__", _("Only a case awaiting a decision can be decided; this one is “%(status)s”.") % {
            "status": case.get_status_display()})
    if level is not None:
        level = Level.objects.select_related("ladder").get(pk=level.pk)
    outcome = outcome if outcome is not None else Outcome.LEVEL
    today = timezone.localdate()
    starts_on = starts_on or today
    _validate(case, level=level, outcome=outcome, subject=subject, systems=list(systems),
              reporter_summary=reporter_summary, rationale=rationale)
    ends_on = _ends_on(level, starts_on, ends_on, today)
    proposed = recommend_for(case, reported_people(case), by=by, today=today)
    chosen = level.key if level is not None else outcome
    departed = chosen != proposed.code
    if departed and not departure_reason.strip():
        raise DecisionError("departure_reason", _("Steward recommended “%(label)s”: write why you chose otherwise.")
                            % {"label": proposed.label})
    if replaces is None:  # on appeal the consultations were those of the decision appealed
        _check_consultations(case, by=by, override_reason=override_reason, ip=ip)
    case = cases.decide_case(case, by=by, authority=DecisionAction.DECIDE, decision_summary=reporter_summary, ip=ip,
                             again=replaces is not None)
    decision = Decision(case=case, subject=subject, outcome=outcome, starts_on=starts_on, ends_on=ends_on,
                        systems=sorted(set(systems)), recommended=proposed.code, decided_by=by, replaces=replaces)
    if replaces is not None:
        replaces.set_aside_at = decision.decided_at
        replaces.save(update_fields=["set_aside_at"])
    if level is not None:
        decision.level, decision.level_key, decision.level_name = level, level.key, level.name
        decision.level_position, decision.ban, decision.restrictions = level.position, level.ban, level.restrictions()
        decision.ladder_name, decision.ladder_version = level.ladder.name, level.ladder.version
    decision.reporter_summary, decision.rationale = reporter_summary, rationale
    decision.conditions = conditions.strip()
    decision.departure_reason = departure_reason.strip() if departed else ""
    decision.save(force_insert=True)
    decision.spaces.set(spaces)
    if message is not None:
        try:
            decision_messages.store(decision, message, by=by)
        except decision_messages.MessageError as error:
            raise DecisionError(error.field, error.message) from None
    cases.record_event(case, "decided", by, outcome=decision.code, level_name=decision.level_name,
                       ends_on=ends_on.isoformat() if ends_on else None)
    audit.record(by, "decision.record", decision, ip=ip, detail={
        "case": case.pk, "outcome": decision.code, "level": level.pk if level else None, "ban": decision.ban,
        "subject": subject.pk if subject else None, "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else None, "recommended": proposed.code,
        "departed_from_recommendation": departed, **({"replaces": replaces.pk} if replaces is not None else {})})
    events.publish(DecisionRecorded(decision=decision.pk, case=case.pk, outcome=decision.code,
                                    level=level.pk if level else None, level_key=decision.level_key, ban=decision.ban,
                                    subject=subject.pk if subject else None, starts_on=starts_on, ends_on=ends_on,
                                    by=by.pk))
    return decision


class DecisionsForCases:
    """What the cases app may ask of a case's decisions (`steward.cases.providers`)."""

    def for_page(self, case_id: int) -> list[Decision]:
        return list(Decision.objects.filter(case_id=case_id).select_related("subject", "decided_by", "case__data_key")
                    .prefetch_related("subject__identities__data_key", "spaces", "proposal__votes__voter",
                                      "messages__case__data_key", "proposal__proposed_by",
                                      "proposal__reporter_notice__feedback__notice__proposal__case__data_key",
                                      "appeals__decided_by", "appeals__case__data_key")
                    .order_by("decided_at", "pk"))

    def returns_for_page(self, case_id: int) -> dict[str, object]:
        return returns.for_case(case_id)

    def reporter_message(self, case_id: int, report_id: int) -> providers.ReporterMessage | None:
        found = decision_messages.for_reporter(case_id, report_id)
        if found is None or found.case.erased_at is not None:
            return None
        return providers.ReporterMessage(subject=found.subject, body=found.body, language=found.language)


def history(people: list[Person], *, by: User, exclude_case: Case | None = None) -> list[Decision]:
    """Earlier decisions about these people across all their cases, for the ladder (the outcome,
    level as decided and dates only).

    A case hidden from `by` by a conflict of interest is left out entirely: its reference, its
    outcome and its weight in the count are not theirs to see. A decision set aside on appeal
    does not count (the one that replaced it does)."""
    decisions = (Decision.objects.filter(subject__in=people, set_aside_at__isnull=True)
                 .exclude(case__in=cases.hidden_case_ids(by))
                 .select_related("case").order_by("-decided_at"))
    if exclude_case is not None:
        decisions = decisions.exclude(case=exclude_case)
    return list(decisions)


def active_bans(person: Person, today: datetime.date | None = None) -> list[Decision]:
    return list(Decision.objects.filter(subject=person).active_bans(today))


@dataclass(frozen=True)
class KeptBans:
    """What an erasure leaves linked to people: the bans still in force (count) and their subjects."""

    decisions: int
    people: frozenset[int]


def forget_subjects(case: Case, *, by: access.Actor, authority: StrEnum, today: datetime.date | None = None) -> KeptBans:
    """Erasure of `case`: its decisions stay as counts, no longer linked to anyone, except a ban
    still in force, which keeps its subject so it can go on being enforced. `authority` is the
    retention app's action that allows erasing."""
    access.require(by, authority, case)
    today = today or timezone.localdate()
    decisions = list(Decision.objects.select_for_update().filter(case=case))
    kept = [d for d in decisions if d.subject_id is not None and d.is_active_ban(today)]
    Decision.objects.filter(pk__in=[d.pk for d in decisions if d not in kept]).update(subject=None)
    return KeptBans(decisions=len(kept), people=frozenset(d.subject_id for d in kept if d.subject_id is not None))


# --- For proposals (decisions/proposals.py): the same checks before anything is proposed ------


def check_proposed(case: Case, *, by: User, level: Level | None, outcome: str, subject: Person | None,
                   systems: Sequence[str], reporter_summary: str, rationale: str, starts_on: datetime.date,
                   ends_on: datetime.date | None, departure_reason: str) -> datetime.date | None:
    """What `record_decision` would refuse about the choice, said when it is proposed rather
    than only at enactment; returns the end date it would get."""
    today = timezone.localdate()
    _validate(case, level=level, outcome=outcome, subject=subject, systems=list(systems),
              reporter_summary=reporter_summary, rationale=rationale)
    end = _ends_on(level, starts_on, ends_on, today)
    proposed = recommend_for(case, reported_people(case), by=by, today=today)
    chosen = level.key if level is not None else outcome
    if chosen != proposed.code and not departure_reason.strip():
        raise DecisionError("departure_reason", _("Steward recommended “%(label)s”: write why you chose otherwise.")
                            % {"label": proposed.label})
    return end


# --- The registry's violation records (registry/records.py) -----------------------------------


def keep_violation_record(event: DecisionRecorded) -> None:
    """DecisionRecorded: a level that is a sanction, or "flagged", becomes a violation record of the
    person in the registry (kept when the case is erased); a decision that replaces another on
    appeal sets the other's record aside. Same transaction as the decision."""
    decision = Decision.objects.select_related("level", "decided_by").get(pk=event.decision)
    by = decision.decided_by if decision.decided_by is not None else User.objects.get(pk=event.by)
    if decision.replaces_id is not None:
        registry.set_aside_decision(decision.replaces_id, by=by)
    sanction = decision.outcome == Outcome.LEVEL and not (
        decision.level is not None and decision.level.message_kind == MessageKind.NO_ACTION)
    if decision.subject_id is None or not (sanction or decision.outcome == Outcome.FLAGGED):
        return
    registry.record_decision(decision=decision.pk, case=decision.case_id, person=decision.subject_id,
                             level=decision.label, level_key=decision.code, ban=decision.ban,
                             starts_on=decision.starts_on, ends_on=decision.ends_on, by=by)


def set_aside_violation_record(event: AppealDecided) -> None:
    """AppealDecided: a reversed decision's record no longer counts (a changed one is set aside by
    the decision replacing it)."""
    if event.outcome == "reversed":
        registry.set_aside_decision(event.decision, by=User.objects.get(pk=event.by))
