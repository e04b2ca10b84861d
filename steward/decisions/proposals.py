"""Before a decision is enacted: it is proposed, signed off or voted on as the decision policy
asks, the reported person may be asked to respond, and only then enacted, which is the one call
of `services.record_decision` (the case becomes "decided", DecisionRecorded is published; the
required consultations are checked there).

Each function checks who may, validates, writes, adds a timeline event and an audit entry and
publishes an event, in one transaction. Notes, descriptions and responses are sealed with the
case key."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, Party, Space, Status
from steward.core import access, audit, events, links, outbox
from steward.registry.models import Person, System

from . import decision_messages, services
from .events import (
    DecisionPolicyChanged,
    DecisionProposed,
    ProposalChanged,
    ProposalEnacted,
    ProposalVoted,
    ProposalWithdrawn,
    ResponseReceived,
    ResponseRequested,
)
from .messages import ResponseAsked
from .models import Decision, DecisionPolicy, Level, Outcome, Proposal, ResponseRequest, Vote
from .notifications import RESPOND
from .permissions import DecisionAction

DecisionError = services.DecisionError
RESPOND_LINK_AGE = 60 * 60 * 24 * 30  # a request to respond stays usable for 30 days


@dataclass(frozen=True)
class ProposalInput:
    """The decision form's content."""

    reporter_summary: str
    rationale: str
    level: Level | None = None
    outcome: str | None = None
    subject: Person | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    spaces: Sequence[Space] = ()
    systems: Sequence[str] = ()
    conditions: str = ""
    departure_reason: str = ""
    # The reported person's message (None: no messages are written, as for decisions made in code).
    message: decision_messages.MessageInput | None = None


# --- The policy -------------------------------------------------------------------------------


def policy() -> DecisionPolicy:
    found = DecisionPolicy.objects.order_by("pk").first()
    return found if found is not None else DecisionPolicy()


@transaction.atomic
def set_policy(*, by: User, four_eyes_from_position: int | None, quorum: int, ip: str | None = None) -> DecisionPolicy:
    access.require(by, DecisionAction.EDIT_POLICY)
    if quorum < 0 or quorum == 1:
        raise DecisionError("quorum", _("A quorum is 2 or more decision makers; 0 turns it off."))
    if four_eyes_from_position is not None and four_eyes_from_position < 1:
        raise DecisionError("four_eyes_from_position", _("Level positions start at 1."))
    current = DecisionPolicy.objects.select_for_update().order_by("pk").first() or DecisionPolicy()
    before = {"four_eyes_from_position": current.four_eyes_from_position, "quorum": current.quorum}
    current.four_eyes_from_position, current.quorum = four_eyes_from_position, quorum
    current.updated_by, current.updated_at = by, timezone.now()
    current.save()
    audit.record(by, "decision.policy", current, ip=ip, detail={
        "before": before, "after": {"four_eyes_from_position": four_eyes_from_position, "quorum": quorum}})
    events.publish(DecisionPolicyChanged(four_eyes_from_position=four_eyes_from_position, quorum=quorum, by=by.pk))
    return current


def approvals_needed(proposal: Proposal, rules: DecisionPolicy | None = None) -> int:
    """How many decision makers other than the proposer must approve: one for four eyes when
    the proposed level is at or above the policy's position, quorum − 1 for a quorum (the
    proposer counts as one), whichever is more."""
    rules = rules or policy()
    needed = 0
    if (rules.four_eyes_from_position is not None and proposal.level is not None
            and proposal.level.position >= rules.four_eyes_from_position):
        needed = 1
    if rules.quorum >= 2:
        needed = max(needed, rules.quorum - 1)
    return needed


def approvals(proposal: Proposal) -> list[Vote]:
    return [vote for vote in proposal.votes.all() if vote.current and vote.approve]


# --- Proposing --------------------------------------------------------------------------------


def _locked_case(case: Case, by: User) -> Case:
    case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
    access.require(by, DecisionAction.DECIDE, case)
    if case.erased_at is not None:
        raise DecisionError("__all__", _("This case was erased: nothing can be added to it."))
    if case.status != Status.AWAITING_DECISION:
        raise DecisionError("__all__", _("Only a case awaiting a decision can be decided; this one is “%(status)s”.") % {
            "status": case.get_status_display()})
    return case


def _fill(proposal: Proposal, case: Case, data: ProposalInput, *, by: User) -> Proposal:
    level = Level.objects.select_related("ladder").get(pk=data.level.pk) if data.level is not None else None
    outcome = data.outcome if data.outcome is not None else Outcome.LEVEL
    starts_on = data.starts_on or timezone.localdate()
    ends_on = services.check_proposed(
        case, by=by, level=level, outcome=outcome, subject=data.subject, systems=data.systems,
        reporter_summary=data.reporter_summary, rationale=data.rationale, starts_on=starts_on, ends_on=data.ends_on,
        departure_reason=data.departure_reason)
    proposal.outcome, proposal.level, proposal.subject = outcome, level, data.subject
    proposal.starts_on, proposal.ends_on = starts_on, ends_on
    proposal.systems = sorted(set(data.systems))
    proposal.reporter_summary, proposal.rationale = data.reporter_summary, data.rationale
    proposal.conditions, proposal.departure_reason = data.conditions.strip(), data.departure_reason.strip()
    if data.message is not None:
        _check_message(case, data, level=level, outcome=outcome, starts_on=starts_on, ends_on=ends_on)
        proposal.message_language = data.message.language
        proposal.behaviour, proposal.impact = data.message.behaviour.strip(), data.message.impact.strip()
        proposal.expected_change = data.message.expected_change.strip()
    return proposal


def _facts(case: Case, data: ProposalInput, *, level: Level | None, outcome: str, starts_on: datetime.date,
           ends_on: datetime.date | None) -> decision_messages.Facts:
    return decision_messages.Facts.proposed(
        case, level=level, outcome=outcome, subject=data.subject, starts_on=starts_on, ends_on=ends_on,
        spaces=data.spaces, systems=data.systems, conditions=data.conditions, reporter_summary=data.reporter_summary)


def _check_message(case: Case, data: ProposalInput, **chosen: Any) -> None:
    if data.message is None:
        return
    try:
        decision_messages.check_input(_facts(case, data, **chosen), data.message)
    except decision_messages.MessageError as error:
        raise DecisionError(error.field, error.message) from None


def message_input(proposal: Proposal) -> decision_messages.MessageInput | None:
    """What the proposal's messages are written from when it is enacted (None: a proposal made
    without them, e.g. in code)."""
    if not proposal.message_language:
        return None
    return decision_messages.MessageInput(behaviour=proposal.behaviour, impact=proposal.impact,
                                          expected_change=proposal.expected_change,
                                          language=proposal.message_language)


def preview_messages(case: Case, data: ProposalInput, *, by: User) -> list[decision_messages.Written]:
    """Exactly the messages recording this decision now would send (the same checks, the same
    render function), without writing anything."""
    access.require(by, DecisionAction.DECIDE, case)
    level = Level.objects.select_related("ladder").get(pk=data.level.pk) if data.level is not None else None
    outcome = data.outcome if data.outcome is not None else Outcome.LEVEL
    starts_on = data.starts_on or timezone.localdate()
    ends_on = services.check_proposed(
        case, by=by, level=level, outcome=outcome, subject=data.subject, systems=data.systems,
        reporter_summary=data.reporter_summary, rationale=data.rationale, starts_on=starts_on, ends_on=data.ends_on,
        departure_reason=data.departure_reason)
    try:
        return decision_messages.compose(
            _facts(case, data, level=level, outcome=outcome, starts_on=starts_on, ends_on=ends_on),
            data.message or decision_messages.MessageInput())
    except decision_messages.MessageError as error:
        raise DecisionError(error.field, error.message) from None


def _code(proposal: Proposal) -> str:
    return proposal.level.key if proposal.level is not None else proposal.outcome


def open_proposal(case: Case) -> Proposal | None:
    return (Proposal.objects.filter(case=case, status=Proposal.Status.OPEN)
            .select_related("level", "subject", "proposed_by", "case__data_key")
            .prefetch_related("spaces", "votes__voter", "response_requests").first())


@transaction.atomic
def propose(case: Case, data: ProposalInput, *, by: User, ip: str | None = None) -> Proposal:
    case = _locked_case(case, by)
    if Proposal.objects.filter(case=case, status=Proposal.Status.OPEN).exists():
        raise DecisionError("__all__", _("This case already has an open proposal: change or withdraw it."))
    proposal = _fill(Proposal(case=case, proposed_by=by), case, data, by=by)
    proposal.save(force_insert=True)
    proposal.spaces.set(data.spaces)
    label = proposal.label
    cases.record_event(case, "proposed", by, outcome=_code(proposal), level_name=label)
    audit.record(by, "decision.propose", proposal, ip=ip, detail={"case": case.pk, "outcome": _code(proposal)})
    events.publish(DecisionProposed(proposal=proposal.pk, case=case.pk, outcome=_code(proposal), by=by.pk))
    return proposal


def _locked_open(proposal: Proposal, by: User, action: str = DecisionAction.DECIDE) -> Proposal:
    case = Case.objects.select_for_update().select_related("data_key").get(pk=proposal.case_id)
    access.require(by, action, case)
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("case__data_key", "level").get(pk=proposal.pk)
    if proposal.status == Proposal.Status.ENACTED:
        raise DecisionError("__all__", _("This proposal was already enacted."))
    if proposal.status == Proposal.Status.WITHDRAWN:
        raise DecisionError("__all__", _("This proposal was withdrawn."))
    return proposal


@transaction.atomic
def change(proposal: Proposal, data: ProposalInput, *, by: User, ip: str | None = None) -> Proposal:
    """A changed proposal is a new question: the votes given so far are set aside."""
    proposal = _locked_open(proposal, by)
    _locked_case(proposal.case, by)
    _fill(proposal, proposal.case, data, by=by)
    proposal.changed_at = timezone.now()
    proposal.save()
    proposal.spaces.set(data.spaces)
    set_aside = proposal.votes.filter(current=True).update(current=False)
    cases.record_event(proposal.case, "proposal_changed", by, outcome=_code(proposal), level_name=proposal.label)
    audit.record(by, "decision.proposal_change", proposal, ip=ip, detail={
        "case": proposal.case_id, "outcome": _code(proposal), "votes_set_aside": set_aside})
    events.publish(ProposalChanged(proposal=proposal.pk, case=proposal.case_id, outcome=_code(proposal), by=by.pk))
    return proposal


@transaction.atomic
def withdraw(proposal: Proposal, *, by: User, ip: str | None = None) -> Proposal:
    proposal = _locked_open(proposal, by)
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    cases.record_event(proposal.case, "proposal_withdrawn", by)
    audit.record(by, "decision.proposal_withdraw", proposal, ip=ip, detail={"case": proposal.case_id})
    events.publish(ProposalWithdrawn(proposal=proposal.pk, case=proposal.case_id, by=by.pk))
    return proposal


# --- Sign-off and votes -----------------------------------------------------------------------


@transaction.atomic
def vote(proposal: Proposal, *, by: User, approve: bool, note: str = "", ip: str | None = None) -> Vote:
    """A decision maker approves or rejects (a rejection needs a note: the dissent is recorded)."""
    case = Case.objects.select_for_update().select_related("data_key").get(pk=proposal.case_id)
    if access.is_conflicted(by, case):  # said plainly, not hidden: they are looking at the proposal
        raise DecisionError("__all__", _("You have a conflict of interest in this case: you cannot vote on it."))
    access.require(by, DecisionAction.SIGN_OFF, case)
    proposal = _locked_open(proposal, by, DecisionAction.SIGN_OFF)
    if proposal.proposed_by_id == by.pk:
        raise DecisionError("__all__", _("You proposed this decision: another decision maker must sign it off."))
    if proposal.votes.filter(voter=by, current=True).exists():
        raise DecisionError("__all__", _("You have already voted on this proposal."))
    if not approve and not note.strip():
        raise DecisionError("note", _("Say why you reject the proposal: the dissent is recorded."))
    cast = Vote(proposal=proposal, voter=by, approve=approve)
    cast.note = note.strip()
    cast.save(force_insert=True)
    cases.record_event(case, "proposal_approved" if approve else "proposal_rejected", by)
    audit.record(by, "decision.vote", proposal, ip=ip, detail={"case": case.pk, "vote": cast.pk, "approve": approve})
    events.publish(ProposalVoted(proposal=proposal.pk, case=case.pk, approve=approve, by=by.pk))
    return cast


# --- Enacting ---------------------------------------------------------------------------------


@transaction.atomic
def enact(proposal: Proposal, *, by: User, override_reason: str = "", ip: str | None = None) -> Decision:
    """The proposal becomes the decision, once the policy's sign-off or quorum is met."""
    proposal = _locked_open(proposal, by)
    needed = approvals_needed(proposal)
    have = proposal.votes.filter(current=True, approve=True).exclude(voter_id=proposal.proposed_by_id).count()
    if have < needed:
        raise DecisionError("__all__", _("The decision policy asks for %(needed)s approval(s) by other decision "
                                         "makers before this is enacted; %(have)s given so far.") % {
            "needed": needed, "have": have})
    decision = services.record_decision(
        proposal.case, by=by, reporter_summary=proposal.reporter_summary, rationale=proposal.rationale,
        level=proposal.level, outcome=proposal.outcome, subject=proposal.subject, starts_on=proposal.starts_on,
        ends_on=proposal.ends_on, spaces=list(proposal.spaces.all()), systems=proposal.systems,
        conditions=proposal.conditions, departure_reason=proposal.departure_reason, ip=ip,
        override_reason=override_reason, message=message_input(proposal))
    proposal.status, proposal.decision = Proposal.Status.ENACTED, decision
    proposal.save(update_fields=["status", "decision"])
    signed = [vote.voter_id for vote in proposal.votes.filter(current=True, approve=True)]
    audit.record(by, "decision.enact", proposal, ip=ip, detail={
        "case": proposal.case_id, "decision": decision.pk, "proposed_by": proposal.proposed_by_id,
        "signed_off_by": signed})
    events.publish(ProposalEnacted(proposal=proposal.pk, decision=decision.pk, case=proposal.case_id, by=by.pk))
    return decision


# --- The reported person's chance to respond ------------------------------------------------


def reachable_people(case: Case) -> list[Person]:
    """The case's reported people who have an email identity (who can be asked by email)."""
    return list(Person.objects.filter(parties__case=case, parties__role=Party.Role.REPORTED,
                                      identities__system=System.MAILING_LIST).distinct().order_by("pk"))


@transaction.atomic
def request_response(proposal: Proposal, *, by: User, person: Person, description: str, language: str,
                     ip: str | None = None) -> ResponseRequest:
    """Email `person` a single-use link to a page showing `description` (the decision maker's
    neutral account, which must not say who reported) and a form for their response."""
    proposal = _locked_open(proposal, by)
    if person not in reachable_people(proposal.case):
        raise DecisionError("person", _("Choose a reported person of this case who has an email address."))
    if not description.strip():
        raise DecisionError("description", _("Write what the person is asked to respond to."))
    request = ResponseRequest(proposal=proposal, person=person, language=language, requested_by=by, emailed=True)
    request.description = description.strip()
    request.save(force_insert=True)
    outbox.send(ResponseAsked(request=request.pk), key=f"decisions.response_asked.{request.pk}")
    cases.record_event(proposal.case, "response_requested", by)
    audit.record(by, "decision.response_request", request, ip=ip, detail={
        "case": proposal.case_id, "proposal": proposal.pk, "person": person.pk, "language": language})
    events.publish(ResponseRequested(proposal=proposal.pk, case=proposal.case_id, request=request.pk, by=by.pk))
    return request


def _respond_request(link: links.Link) -> ResponseRequest:
    request = (ResponseRequest.objects.select_related("proposal__case__data_key")
               .filter(pk=link.subject).first())
    if request is None or request.responded_at is not None:
        raise links.LinkRefused(links.USED)
    if request.proposal.status != Proposal.Status.OPEN or request.proposal.case.erased_at is not None:
        raise links.LinkRefused(_("This request is closed: the decision it was about was already made or withdrawn."))
    return request


def read_request(token: str) -> ResponseRequest:
    """The page behind the link: what the person is asked about. Raises LinkRefused."""
    request = _respond_request(links.peek(token, RESPOND, max_age=RESPOND_LINK_AGE))
    audit.record(None, "decision.response_page", request, detail={"proposal": request.proposal_id})
    return request


@transaction.atomic
def respond(token: str, *, response: str) -> ResponseRequest:
    """The person's response through the link: used once, sealed, recorded on the case."""
    if not response.strip():
        raise DecisionError("response", _("Write your response."))
    link = links.redeem(token, RESPOND, max_age=RESPOND_LINK_AGE)
    request = _respond_request(link)
    request = ResponseRequest.objects.select_for_update().select_related("proposal__case__data_key").get(pk=request.pk)
    if request.responded_at is not None:
        raise links.LinkRefused(links.USED)
    return _store_response(request, response=response, channel=ResponseRequest.Channel.LINK, by=None)


def _store_response(request: ResponseRequest, *, response: str, channel: str, by: User | None,
                    ip: str | None = None) -> ResponseRequest:
    request.response = response.strip()
    request.responded_at, request.channel, request.recorded_by = timezone.now(), channel, by
    request.save()
    case = request.proposal.case
    cases.record_event(case, "response_received", by, channel=channel)
    audit.record(by, "decision.response", request, ip=ip, detail={
        "case": case.pk, "proposal": request.proposal_id, "channel": channel})
    events.publish(ResponseReceived(proposal=request.proposal_id, case=case.pk, request=request.pk, channel=channel))
    return request


@transaction.atomic
def record_response(proposal: Proposal, *, by: User, person: Person, response: str,
                    ip: str | None = None) -> ResponseRequest:
    """Staff record a response the reported person gave another way (a call, a letter)."""
    proposal = _locked_open(proposal, by)
    if not Party.objects.filter(case=proposal.case, person=person, role=Party.Role.REPORTED).exists():
        raise DecisionError("person", _("Choose a reported person of this case."))
    if not response.strip():
        raise DecisionError("response", _("Write the response you received."))
    request = ResponseRequest(proposal=proposal, person=person, requested_by=by, emailed=False)
    request.description = ""
    request.save(force_insert=True)
    return _store_response(request, response=response, channel=ResponseRequest.Channel.OTHER, by=by, ip=ip)


@dataclass
class ProposalView:
    """What the decision page shows of the open proposal."""

    proposal: Proposal
    needed: int
    approvals: list[Vote] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    responses: list[ResponseRequest] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return len(self.approvals) >= self.needed


def view_of(proposal: Proposal) -> ProposalView:
    votes = [vote for vote in proposal.votes.all() if vote.current]
    return ProposalView(proposal=proposal, needed=approvals_needed(proposal),
                        approvals=[vote for vote in votes if vote.approve and vote.voter_id != proposal.proposed_by_id],
                        votes=votes, responses=list(proposal.response_requests.all()))

