"""The way back after a temporary ban, and what happens when a ban is breached.

A daily job (`run_daily`, registered in apps.py) does the timed part:
- STEWARD_RETURN_INVITE_DAYS before a temporary ban ends, a `Return` is opened for it; when the
  level requires onboarding the person is emailed a single-use link (core.links purpose
  "return", page /l/return/<token>/, no account) to read and acknowledge the current guidelines;
- the day after the last day of the ban, the end is recorded (`DecisionEnded`); the person is
  reinstated (`PersonReinstated`) then, or when they finish onboarding if that comes later;
- check-ins for the case's handler fall due STEWARD_CHECK_IN_MONTHS after the reinstatement,
  with a reminder email, and are marked done with a note.

A breach recorded while the ban runs (`record_breach`) escalates along the ladder: the case
awaits a new decision, for which the banned level's `breach_leads_to` is the recommendation
(`escalation`). A ban that was breached gets no invitation: the new decision governs.

Onboarding has two steps when an onboarding course exists (`Course.is_onboarding`): the
guidelines acknowledged, and the course passed. Opening the return asks training to assign the
course to the person (a contributor learner at their email address, due by the ban's end);
training's `CoursePassed` with the return's id records the second step (`course_passed`).
`Return.onboarding_done` requires both.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, Status
from steward.cases.permissions import CaseAction
from steward.core import access, audit, events, links, outbox
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.policy import services as policy
from steward.training import services as training
from steward.training.events import CoursePassed
from steward.training.permissions import TrainingAction

from . import interim, recommendation
from .events import (
    BreachRecorded,
    CheckInDone,
    DecisionEnded,
    DecisionRecorded,
    OnboardingCompleted,
    PersonReinstated,
    ReturnInvited,
)
from .models import Ban, Breach, CheckIn, Decision, Ladder, Level, Return
from .permissions import ReturnAction
from .return_messages import CheckInReminder, ReturnInvitation
from .return_notifications import RETURN_PURPOSE, person_email

# The daily job acts in Steward's own name; the person acknowledging through their link too
# (they have no account).
RETURNS_JOB = SystemActor("returns", may=frozenset({TrainingAction.RULES}))  # assigns the onboarding course
RETURN_LINK = SystemActor("return link", kind="reporter")


class ReturnError(DomainError):
    """A refused step; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _link_max_age() -> int:
    return settings.STEWARD_RETURN_LINK_DAYS * 24 * 3600


# --- The daily job ---------------------------------------------------------------------------


def run_daily(today: datetime.date | None = None) -> dict[str, int]:
    """Everything timed, each step in its own transaction; returns how many of each were done."""
    today = today or timezone.localdate()
    return {"interim_ended": interim.end_due_measures(today), "invited": open_returns(today),
            "ended": end_due_bans(today), "reminded": remind_due_check_ins(today)}


@transaction.atomic
def open_returns(today: datetime.date) -> int:
    """Open the return of every temporary ban ending within the invitation lead time (or already
    ended: a short ban), inviting the person when its level requires onboarding."""
    horizon = today + datetime.timedelta(days=settings.STEWARD_RETURN_INVITE_DAYS)
    breached = Breach.objects.filter(decision=OuterRef("pk"))
    opened = Return.objects.filter(decision=OuterRef("pk"))
    due = list(Decision.objects.select_for_update(of=("self",)).select_related("case")
               .filter(ban=Ban.TEMPORARY, ends_on__lte=horizon, case__erased_at__isnull=True)
               .exclude(Exists(breached)).exclude(Exists(opened)).order_by("ends_on", "pk"))
    for decision in due:
        required = bool(decision.restrictions.get("onboarding_required"))
        # Invited by email at their email identity; without one the case page says so.
        reachable = required and bool(person_email(decision.subject_id))
        invitation = Return.objects.create(decision=decision, onboarding_required=required,
                                           invited_at=timezone.now() if reachable else None)
        if reachable and training.assign_onboarding(by=RETURNS_JOB, email=person_email(decision.subject_id),
                                                    return_id=invitation.pk, due_on=decision.ends_on) is not None:
            invitation.course_assigned_at = timezone.now()
            invitation.save(update_fields=["course_assigned_at"])
        if reachable:
            outbox.send(ReturnInvitation(invitation=invitation.pk), key=f"decisions.return.{invitation.pk}")
            cases.record_event(decision.case, "return_invited")
            audit.record(RETURNS_JOB, "decision.return_invite", decision, detail={"case": decision.case_id})
            events.publish(ReturnInvited(decision=decision.pk, case=decision.case_id, subject=decision.subject_id))
    return len(due)


@transaction.atomic
def end_due_bans(today: datetime.date) -> int:
    """Record the end of every opened return's ban whose last day has passed; reinstate those
    whose onboarding is done."""
    due = list(Return.objects.select_for_update(of=("self",)).select_related("decision__case")
               .filter(ended_at__isnull=True, decision__ends_on__lt=today))
    for invitation in due:
        decision = invitation.decision
        invitation.ended_at = timezone.now()
        invitation.save(update_fields=["ended_at"])
        cases.record_event(decision.case, "ban_ended", level_name=decision.level_name)
        audit.record(RETURNS_JOB, "decision.end", decision, detail={"case": decision.case_id})
        # The filter above found its end date: the day after it is the first one free of the ban.
        last_day = decision.ends_on or today - datetime.timedelta(days=1)
        events.publish(DecisionEnded(decision=decision.pk, case=decision.case_id, subject=decision.subject_id,
                                     ended_on=last_day + datetime.timedelta(days=1)))
        if invitation.onboarding_done:
            _reinstate(invitation, today)
    return len(due)


def _reinstate(invitation: Return, today: datetime.date) -> None:
    decision = invitation.decision
    invitation.reinstated_at = timezone.now()
    invitation.save(update_fields=["reinstated_at"])
    for months in sorted(set(settings.STEWARD_CHECK_IN_MONTHS)):
        CheckIn.objects.create(decision=decision, case=decision.case, months=months, due_on=add_months(today, months))
    cases.record_event(decision.case, "reinstated")
    audit.record(RETURNS_JOB, "decision.reinstate", decision, detail={"case": decision.case_id})
    events.publish(PersonReinstated(decision=decision.pk, case=decision.case_id, subject=decision.subject_id))


@transaction.atomic
def remind_due_check_ins(today: datetime.date) -> int:
    due = list(CheckIn.objects.select_for_update().filter(due_on__lte=today, reminded_at__isnull=True,
                                                          done_at__isnull=True))
    for check_in in due:
        check_in.reminded_at = timezone.now()
        check_in.save(update_fields=["reminded_at"])
        outbox.send(CheckInReminder(check_in=check_in.pk), key=f"decisions.check_in.{check_in.pk}")
    return len(due)


# --- The return page (no account) --------------------------------------------------------------


def invitation_for_link(token: str) -> Return:
    """The return a link is about, for showing its page (the link is not used). Raises LinkRefused
    or ReturnError."""
    link = links.peek(token, RETURN_PURPOSE, max_age=_link_max_age())
    invitation = Return.objects.select_related("decision").filter(pk=link.subject).first()
    if invitation is None:
        raise links.LinkRefused(links.TAMPERED)
    if invitation.acknowledged_at is not None:
        raise ReturnError("__all__", _("You have already confirmed that you read the code of conduct. Thank you."))
    return invitation


@transaction.atomic
def acknowledge(token: str, *, version: str, language: str, ip: str | None = None) -> Return:
    """The person confirms, through their link, that they read the current guidelines (`version`,
    the number the page showed them): the onboarding step is done. Reinstated now when the ban
    has already ended; otherwise at its end."""
    link = links.redeem(token, RETURN_PURPOSE, max_age=_link_max_age())
    invitation = Return.objects.select_for_update().select_related("decision__case").get(pk=link.subject)
    if invitation.acknowledged_at is not None:
        raise ReturnError("__all__", _("You have already confirmed that you read the code of conduct. Thank you."))
    current = policy.current_version()
    if current is None:
        raise ReturnError("__all__", _("The code of conduct cannot be shown right now. Please try again later."))
    if version != str(current.number):
        raise ReturnError("version", _("The code of conduct was updated while you were reading it. "
                                       "Please read the current version and confirm again."))
    invitation.acknowledged_at = timezone.now()
    invitation.acknowledged_version, invitation.acknowledged_language = version, language[:16]
    invitation.save(update_fields=["acknowledged_at", "acknowledged_version", "acknowledged_language"])
    decision = invitation.decision
    cases.record_event(decision.case, "onboarding_done", guidelines=version)
    audit.record(RETURN_LINK, "decision.return_acknowledge", decision, ip=ip, detail={
        "case": decision.case_id, "guidelines": version, "language": language})
    events.publish(OnboardingCompleted(decision=decision.pk, case=decision.case_id, subject=decision.subject_id,
                                       guidelines_version=version))
    if invitation.ended_at is not None and invitation.reinstated_at is None and invitation.onboarding_done:
        _reinstate(invitation, timezone.localdate())
    return invitation


COURSE_STEP = SystemActor("onboarding course")


def course_passed(event: CoursePassed) -> None:
    """Training says the onboarding course of a return was passed (same transaction): that step is
    done; the person is reinstated now when the ban has ended and the guidelines were acknowledged."""
    if event.return_id is None:
        return
    invitation = Return.objects.select_for_update().select_related("decision__case").filter(pk=event.return_id).first()
    if invitation is None or invitation.course_done_at is not None:
        return
    invitation.course_done_at = timezone.now()
    invitation.save(update_fields=["course_done_at"])
    decision = invitation.decision
    cases.record_event(decision.case, "onboarding_course_passed")
    audit.record(COURSE_STEP, "decision.return_course_passed", decision, detail={
        "case": decision.case_id, "completion": event.completion})
    if invitation.ended_at is not None and invitation.reinstated_at is None and invitation.onboarding_done:
        _reinstate(invitation, timezone.localdate())


# --- Check-ins -----------------------------------------------------------------------------------


@transaction.atomic
def record_check_in(check_in: CheckIn, *, by: User, note: str, ip: str | None = None) -> CheckIn:
    check_in = CheckIn.objects.select_for_update().select_related("case__data_key").get(pk=check_in.pk)
    case = check_in.case
    access.require(by, CaseAction.NOTE, case)
    if case.erased_at is not None:
        raise ReturnError("__all__", _("This case was erased: nothing can be added to it."))
    if check_in.done_at is not None:
        raise ReturnError("__all__", _("This check-in was already recorded."))
    if not note.strip():
        raise ReturnError("note", _("Write how the check-in went."))
    check_in.done_at, check_in.done_by = timezone.now(), by
    check_in.note = note.strip()
    check_in.save(update_fields=["done_at", "done_by", "note_sealed"])
    cases.record_event(case, "check_in_done", by, months=check_in.months)
    audit.record(by, "decision.check_in", case, ip=ip, detail={"check_in": check_in.pk, "months": check_in.months})
    events.publish(CheckInDone(check_in=check_in.pk, decision=check_in.decision_id, case=case.pk,
                               months=check_in.months, by=by.pk))
    return check_in


# --- Breaches ------------------------------------------------------------------------------------


@transaction.atomic
def record_breach(decision: Decision, *, by: User, note: str, observed_on: datetime.date | None,
                  ip: str | None = None) -> Breach:
    """A breach of `decision`'s ban, seen on `observed_on`: recorded (note sealed) and escalated,
    the case awaiting a new decision for which the ladder's next step is recommended."""
    case = Case.objects.select_for_update().select_related("data_key").get(pk=decision.case_id)
    access.require(by, ReturnAction.RECORD_BREACH, case)
    decision = Decision.objects.select_related("level__breach_leads_to").get(pk=decision.pk)
    today = timezone.localdate()
    if case.erased_at is not None:
        raise ReturnError("__all__", _("This case was erased: nothing can be added to it."))
    if not decision.is_ban:
        raise ReturnError("__all__", _("Only a ban can be breached; this decision is not one."))
    if observed_on is None or observed_on > today:
        raise ReturnError("observed_on", _("Give the day the breach happened (today or earlier)."))
    if not decision.is_active_ban(observed_on):
        raise ReturnError("observed_on", _("The ban was not in force on that day."))
    if not note.strip():
        raise ReturnError("note", _("Describe the breach."))
    if case.status not in {Status.DECIDED, Status.CLOSED}:
        raise ReturnError("__all__", _("This case already awaits a new decision."))
    following = decision.level.breach_leads_to if decision.level is not None else None
    breach = Breach(decision=decision, case=case, observed_on=observed_on, recorded_by=by,
                    leads_to_key=following.key if following else "", leads_to_name=following.name if following else "")
    breach.note = note.strip()
    breach.save(force_insert=True)
    if case.status == Status.CLOSED:
        case = cases.move_for_new_decision(case, by=by, authority=ReturnAction.RECORD_BREACH, to=Status.REOPENED, ip=ip)
    cases.move_for_new_decision(case, by=by, authority=ReturnAction.RECORD_BREACH, to=Status.AWAITING_DECISION, ip=ip)
    cases.record_event(case, "breach_recorded", by, level_name=decision.level_name, leads_to=breach.leads_to_name)
    audit.record(by, "decision.breach", decision, ip=ip, detail={
        "case": case.pk, "breach": breach.pk, "observed_on": observed_on.isoformat(), "leads_to": breach.leads_to_key})
    events.publish(BreachRecorded(breach=breach.pk, decision=decision.pk, case=case.pk, subject=decision.subject_id,
                                  leads_to=breach.leads_to_key, by=by.pk))
    return breach


def escalation(case: Case) -> recommendation.Recommendation | None:
    """What an open breach on the case recommends: the banned level's `breach_leads_to`, as the
    current ladder names it (None when there is no open breach or the ladder names no next step)."""
    breach = Breach.objects.filter(case=case, followed_by__isnull=True).exclude(leads_to_key="").order_by("-pk").first()
    if breach is None:
        return None
    level = Level.objects.filter(ladder__status=Ladder.Status.CURRENT, key=breach.leads_to_key).first()
    if level is None:
        return None
    return recommendation.Recommendation(level.key, level.name, _(
        "The ban was breached on %(day)s; on the ladder a breach leads to “%(level)s”.") % {
        "day": breach.observed_on.isoformat(), "level": level.name})


def close_breaches(event: DecisionRecorded) -> None:
    """The new decision answers the case's open breaches (same transaction)."""
    Breach.objects.filter(case_id=event.case, followed_by__isnull=True).update(followed_by=event.decision)


# --- The case page -------------------------------------------------------------------------------


def for_case(case_id: int) -> dict[str, object]:
    """The case page's interim measures, returns, check-ins and breaches."""
    return {
        "measures": interim.for_case(case_id),
        "returns": list(Return.objects.filter(decision__case_id=case_id).select_related("decision").order_by("pk")),
        "check_ins": list(CheckIn.objects.filter(case_id=case_id).select_related("done_by", "case__data_key")
                          .order_by("due_on", "pk")),
        "breaches": list(Breach.objects.filter(case_id=case_id).select_related("recorded_by", "case__data_key")
                         .order_by("recorded_at", "pk")),
        # The bans in force today, which a breach can be recorded against.
        "breachable": list(Decision.objects.filter(case_id=case_id).active_bans().order_by("decided_at", "pk")),
    }
