"""Appeals: the reporter (from the follow-up page) or the person a decision applies to (through
the single-use link in their message) asks for the decision to be reviewed, within the window
(settings.STEWARD_APPEAL_DAYS from the day it was taken). A decision maker who took no part in
the decision and has no conflict of interest upholds it, changes it (a new decision, recorded by
`services.record_decision`, replaces it) or reverses it, with reasons; both sides are told.

Appeals open at the same time against one decision are decided together. A decision taken on
appeal is final, and a decision set aside is no longer appealed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import providers
from steward.cases import services as cases
from steward.cases.models import Case
from steward.core import access, audit, events, links, outbox
from steward.core.errors import DomainError
from steward.core.roles import Role
from steward.registry.models import Identity, System

from . import services
from .events import AppealDecided, AppealFiled
from .messages import AppealDecidedNotice, AppealToDecide
from .models import Appeal, Decision, Level, Outcome
from .permissions import DecisionAction

LINK_PURPOSE = "appeal"
GROUNDS_MAX_LENGTH = 10_000


class AppealError(DomainError):
    """A refused appeal or appeal decision; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


# --- The window ------------------------------------------------------------------------------


def appeal_until(decision: Decision) -> datetime.date:
    """The last day the decision can be appealed (the comms messages name the same day)."""
    return decision.appeal_until


def window_open(decision: Decision, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) <= appeal_until(decision)


def link_max_age() -> int:
    """How long an appeal link is accepted at all, in seconds; the window itself is checked too."""
    return (settings.STEWARD_APPEAL_DAYS + 2) * 24 * 3600


def issue_link(decision: Decision) -> str:
    """The reported person's appeal link for this decision (put in their message when it is sent)."""
    return links.absolute_url(LINK_PURPOSE, links.issue(LINK_PURPOSE, decision.pk))


def current_decision(case_id: int) -> Decision | None:
    """The decision in force on the case: the latest one not set aside on appeal."""
    return (Decision.objects.filter(case_id=case_id, set_aside_at__isnull=True).select_related("case__data_key")
            .order_by("-decided_at", "-pk").first())


def _check_appealable(decision: Decision, today: datetime.date) -> None:
    if decision.case.erased_at is not None:
        raise AppealError("__all__", _("This case was erased: it can no longer be appealed."))
    if decision.set_aside_at is not None:
        raise AppealError("__all__", _("This decision was already changed or reversed on appeal."))
    if decision.replaces_id is not None:
        raise AppealError("__all__", _("This decision was taken on appeal: it is final and cannot be appealed again."))
    if not window_open(decision, today):
        raise AppealError("__all__", _("The time to appeal this decision ended on %(date)s.") % {
            "date": appeal_until(decision).isoformat()})


def _check_grounds(grounds: str) -> str:
    grounds = grounds.strip()
    if not grounds:
        raise AppealError("grounds", _("Say why you disagree with the decision."))
    if len(grounds) > GROUNDS_MAX_LENGTH:
        raise AppealError("grounds", _("Your reasons are longer than %(limit)s characters.") % {
            "limit": GROUNDS_MAX_LENGTH})
    return grounds


def _file(decision: Decision, *, appellant: str, grounds: str, report: int | None) -> Appeal:
    """Inside the caller's transaction, with the decision locked."""
    _check_appealable(decision, timezone.localdate())
    if Appeal.objects.filter(decision=decision, appellant=appellant, report=report).exists():
        raise AppealError("__all__", _("You have already appealed this decision. Its review is recorded on the case."))
    appeal = Appeal(decision=decision, case=decision.case, appellant=appellant, report=report)
    appeal.grounds = grounds
    appeal.save(force_insert=True)
    cases.record_event(decision.case, "appeal_filed", appellant=appellant, decision=decision.pk)
    audit.record(None, "appeal.file", appeal, actor_kind=appellant,
                 detail={"case": decision.case_id, "decision": decision.pk, "appellant": appellant})
    outbox.send(AppealToDecide(appeal=appeal.pk))  # the decision makers it goes to are told
    events.publish(AppealFiled(appeal=appeal.pk, decision=decision.pk, case=decision.case_id, appellant=appellant))
    return appeal


def _locked(decision_id: int) -> Decision:
    return Decision.objects.select_for_update().select_related("case__data_key").get(pk=decision_id)


# --- The reported person, through their link --------------------------------------------------


def link_decision(token: str, today: datetime.date | None = None) -> Decision:
    """The decision a link lets its holder appeal, for showing its page; AppealError or
    LinkRefused (tampered, used, expired) when it cannot be appealed. Changes nothing."""
    link = links.peek(token, LINK_PURPOSE, max_age=link_max_age())
    decision = (Decision.objects.filter(pk=link.subject, subject__isnull=False)
                .select_related("case__data_key", "level").first())
    if decision is None:
        raise links.LinkRefused(links.TAMPERED)
    _check_appealable(decision, today or timezone.localdate())
    return decision


@transaction.atomic
def appeal_by_link(token: str, *, grounds: str) -> Appeal:
    """The reported person appeals: the link is used up in the same transaction, so a refused
    appeal leaves it usable and a second appeal through it is refused."""
    grounds = _check_grounds(grounds)
    link = links.redeem(token, LINK_PURPOSE, max_age=link_max_age())
    found = Decision.objects.filter(pk=link.subject, subject__isnull=False).values_list("pk", flat=True).first()
    if found is None:
        raise links.LinkRefused(links.TAMPERED)
    return _file(_locked(found), appellant=Appeal.Appellant.REPORTED, grounds=grounds, report=None)


# --- The reporter, from the follow-up page (through cases.providers) --------------------------


class AppealsForCases:
    """What the follow-up page may ask of appeals (`steward.cases.providers.appeals()`)."""

    def for_reporter(self, case_id: int, report_id: int) -> providers.ReporterAppeal | None:
        decision = current_decision(case_id)
        if decision is None:
            return None
        every = list(Appeal.objects.filter(case_id=case_id).order_by("filed_at", "pk"))
        on_this = [appeal for appeal in every if appeal.decision_id == decision.pk]
        mine = next((a for a in on_this if a.appellant == Appeal.Appellant.REPORTER and a.report == report_id), None)
        decided = [appeal for appeal in every if appeal.decided_at is not None]
        latest = max(decided, key=lambda appeal: appeal.decided_at or appeal.filed_at) if decided else None
        appealable = (decision.case.erased_at is None and decision.replaces_id is None and window_open(decision))
        return providers.ReporterAppeal(
            decided_on=decision.decided_at.date(), appeal_until=appeal_until(decision),
            may_appeal=appealable and mine is None,
            appealed_on=mine.filed_at.date() if mine is not None else None,
            under_review=any(appeal.is_open for appeal in on_this),
            reviewed_on=latest.decided_at.date() if latest is not None and latest.decided_at else None,
            review_outcome=latest.status if latest is not None else "",
            final=decision.replaces_id is not None)

    @transaction.atomic
    def appeal_as_reporter(self, case_id: int, report_id: int, grounds: str) -> None:
        grounds = _check_grounds(grounds)
        decision = current_decision(case_id)
        if decision is None:
            raise AppealError("__all__", _("There is no decision to appeal yet."))
        _file(_locked(decision.pk), appellant=Appeal.Appellant.REPORTER, grounds=grounds, report=report_id)


# --- Routing: who decides an appeal -----------------------------------------------------------


def may_decide(user: access.Actor, appeal: Appeal) -> bool:
    """A decision maker who may decide appeals on the case (not conflicted) and took no part in
    the decision appealed."""
    return (access.can(user, DecisionAction.DECIDE_APPEAL, appeal.case)
            and getattr(user, "pk", None) not in appeal.decision.took_part())


def deciders(appeal: Appeal) -> list[User]:
    """The decision makers an appeal goes to."""
    staff = User.objects.filter(is_active=True, is_staff=True, groups__name=Role.DECISION_MAKER).distinct().order_by("pk")
    return [user for user in staff if may_decide(user, appeal)]


def open_for(user: User) -> list[Appeal]:
    """The open appeals this decision maker may decide, oldest first (the appeals page)."""
    access.require(user, DecisionAction.APPEALS)
    visible = access.visible(user, Case.objects.all()).values("pk")
    appeals = (Appeal.objects.filter(status=Appeal.Status.OPEN, case__in=visible)
               .select_related("case", "decision__decided_by").order_by("filed_at", "pk"))
    return [appeal for appeal in appeals if may_decide(user, appeal)]


def read_appeal(appeal: Appeal, *, by: User, ip: str | None) -> None:
    """The appeal page shows the grounds and the decision: a read of case content, audited."""
    access.require(by, DecisionAction.DECIDE_APPEAL, appeal.case)
    audit.record(by, "case.view", appeal.case, ip=ip, detail={"page": "appeal", "appeal": appeal.pk})


# --- Deciding ---------------------------------------------------------------------------------

OUTCOMES = (Appeal.Status.UPHELD, Appeal.Status.CHANGED, Appeal.Status.REVERSED)


@transaction.atomic
def decide_appeal(appeal: Appeal, *, by: User, outcome: str, reasons: str, reporter_message: str,
                  level: Level | None = None, other_outcome: str | None = None,
                  ends_on: datetime.date | None = None, ip: str | None = None) -> Appeal:
    """Uphold, change (`level` or `other_outcome`, and a temporary ban's `ends_on`) or reverse the
    decision appealed, with `reasons` (internal, sealed) and `reporter_message` (the reporter's
    follow-up thread; for a change, also the new decision's summary for the reporter)."""
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("case__data_key", "decision").get(pk=appeal.pk)
    access.require(by, DecisionAction.DECIDE_APPEAL, appeal.case)
    if not appeal.is_open:
        raise AppealError("__all__", _("This appeal was already decided."))
    decision = _locked(appeal.decision_id)
    if by.pk in decision.took_part():
        raise AppealError("__all__", _("You took part in this decision: someone who did not decides its appeal."))
    if outcome not in OUTCOMES:
        raise AppealError("outcome", _("Choose whether the decision is upheld, changed or reversed."))
    if not reasons.strip():
        raise AppealError("reasons", _("Write the reasons for deciding the appeal this way."))
    if not reporter_message.strip():
        raise AppealError("reporter_message", _("Write what the reporter is told."))
    new_decision = None
    if outcome == Appeal.Status.CHANGED:
        new_decision = _change(decision, by=by, level=level, other_outcome=other_outcome, ends_on=ends_on,
                               reasons=reasons, reporter_message=reporter_message, ip=ip)
    elif outcome == Appeal.Status.REVERSED:
        decision.set_aside_at = timezone.now()
        decision.save(update_fields=["set_aside_at"])
        cases.decide_case(decision.case, by=by, authority=DecisionAction.DECIDE_APPEAL,
                          decision_summary=reporter_message, ip=ip, again=True)
    now = timezone.now()
    together = list(Appeal.objects.select_for_update().filter(decision=decision, status=Appeal.Status.OPEN)
                    .select_related("case__data_key").order_by("pk"))
    for each in together:
        each.status, each.decided_by, each.decided_at, each.new_decision = outcome, by, now, new_decision
        each.reasons = reasons.strip()
        each.save(update_fields=["status", "decided_by", "decided_at", "new_decision", "reasons_sealed"])
    cases.record_event(decision.case, "appeal_decided", by, outcome=outcome, decision=decision.pk,
                       new_decision=new_decision.pk if new_decision else None)
    audit.record(by, "appeal.decide", appeal, ip=ip, detail={
        "case": decision.case_id, "decision": decision.pk, "outcome": outcome,
        "appeals": [each.pk for each in together], "new_decision": new_decision.pk if new_decision else None})
    # Both sides are told: the reporters on their follow-up thread, the person by email if they have one.
    cases.message_reporters(decision.case, by=by, authority=DecisionAction.DECIDE_APPEAL, body=reporter_message)
    if decision.subject_id is not None and email_of(decision.subject_id) is not None:
        outbox.send(AppealDecidedNotice(appeal=appeal.pk))
    for each in together:
        events.publish(AppealDecided(appeal=each.pk, decision=decision.pk, case=decision.case_id, outcome=outcome,
                                     new_decision=new_decision.pk if new_decision else None, by=by.pk))
    appeal.refresh_from_db()
    return appeal


def _change(decision: Decision, *, by: User, level: Level | None, other_outcome: str | None,
            ends_on: datetime.date | None, reasons: str, reporter_message: str, ip: str | None) -> Decision:
    """The new decision, through the one service that records decisions, replacing the appealed one
    for the same person, scope and start."""
    if level is None and not other_outcome:
        raise AppealError("choice", _("Choose the level or outcome the decision is changed to."))
    same = (level is not None and decision.outcome == Outcome.LEVEL and level.key == decision.level_key
            and ends_on in (None, decision.ends_on)) or (level is None and other_outcome == decision.outcome)
    if same:
        raise AppealError("choice", _("That is the decision as it stands: to keep it, uphold it."))
    subject = decision.subject if other_outcome != Outcome.UNKNOWN_PERSON else None
    try:
        return services.record_decision(
            decision.case, by=by, level=level, outcome=other_outcome, subject=subject, starts_on=decision.starts_on,
            ends_on=ends_on, spaces=list(decision.spaces.all()), systems=list(decision.systems),
            conditions=decision.conditions, reporter_summary=reporter_message, rationale=reasons,
            departure_reason=reasons, ip=ip, replaces=decision)
    except services.DecisionError as error:
        raise AppealError(error.field if error.field in {"choice", "ends_on"} else "__all__", error.message) from None


def email_of(person_id: int) -> str | None:
    """The person's email identity in the registry, if they have one (for the notice)."""
    identity = (Identity.objects.filter(person_id=person_id, system=System.MAILING_LIST).select_related("data_key")
                .order_by("pk").first())
    return identity.handle if identity is not None else None

