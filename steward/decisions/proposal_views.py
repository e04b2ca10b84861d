"""The proposal steps on the decision page (vote, enact, withdraw, ask the reported person to
respond, record a response), the decision policy page, and the reported person's page behind
the "respond" link (no account, no JavaScript, nothing of who reported)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from steward.cases.models import Case
from steward.core import access, links
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action
from steward.registry.models import Person

from . import decision_messages, ladders, proposals, reporter_feedback, services
from .forms import DecisionForm
from .models import Proposal
from .permissions import DecisionAction
from .proposal_forms import (
    EnactForm,
    PolicyForm,
    RecordResponseForm,
    RespondForm,
    ResponseRequestForm,
    TellReportersForm,
    VoteForm,
)

PROPOSE_ONLY = "propose"


def proposal_input(form: DecisionForm) -> proposals.ProposalInput:
    data = form.cleaned_data
    level, outcome = form.chosen()
    return proposals.ProposalInput(
        level=level, outcome=outcome, subject=form.people.get(data["subject"]), starts_on=data["starts_on"],
        ends_on=data["ends_on"], spaces=list(data["spaces"]), systems=data["systems"], conditions=data["conditions"],
        departure_reason=data["departure_reason"], reporter_summary=data["reporter_summary"],
        rationale=data["rationale"], message=decision_messages.MessageInput(
            behaviour=data["behaviour"], impact=data["impact"], expected_change=data["expected_change"],
            language=data["message_language"]))


def initial_from(proposal: Proposal) -> dict[str, Any]:
    """The decision form filled with the open proposal, to change it."""
    choice = f"level:{proposal.level_id}" if proposal.level_id else proposal.outcome
    return {"choice": choice, "subject": proposal.subject_id, "starts_on": proposal.starts_on,
            "ends_on": proposal.ends_on, "spaces": list(proposal.spaces.all()), "systems": proposal.systems,
            "conditions": proposal.conditions, "reporter_summary": proposal.reporter_summary,
            "rationale": proposal.rationale, "departure_reason": proposal.departure_reason,
            "behaviour": proposal.behaviour, "impact": proposal.impact, "expected_change": proposal.expected_change,
            **({"message_language": proposal.message_language} if proposal.message_language else {})}


def submit(request: HttpRequest, case: Case, form: DecisionForm) -> HttpResponse | None:
    """The decision form posted: propose (or change the open proposal), then enact at once unless
    only proposing was asked or the policy wants sign-off first. None: the form shows errors."""
    by, ip = staff_user(request), client_ip(request)
    propose_only = request.POST.get("action") == PROPOSE_ONLY
    try:
        with transaction.atomic():  # a refused enactment leaves no proposal behind either
            current = proposals.open_proposal(case)
            if current is None:
                current = proposals.propose(case, proposal_input(form), by=by, ip=ip)
            else:
                current = proposals.change(current, proposal_input(form), by=by, ip=ip)
            waits = proposals.approvals_needed(current) > 0
            if not propose_only and not waits:
                proposals.enact(current, by=by, override_reason=form.cleaned_data.get("override_reason", ""), ip=ip)
    except proposals.DecisionError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return None
    if propose_only or waits:
        messages.success(request, _("Decision proposed.") if propose_only else
                         _("Decision proposed. The decision policy asks for sign-off before it is enacted."))
        return redirect("decisions:record", case.pk)
    messages.success(request, _("Decision recorded."))
    return redirect("cases:detail", case.pk)


def context_for(case: Case, by: Any) -> dict[str, Any]:
    """What the decision page shows of the open proposal, and the forms of its steps."""
    current = proposals.open_proposal(case)
    if current is None:
        return {"proposal": None}
    reachable = proposals.reachable_people(case)
    reported = list(Person.objects.filter(parties__case=case, parties__role="reported").distinct()
                    .prefetch_related("identities__data_key").order_by("pk"))
    return {"proposal": proposals.view_of(current), "policy": proposals.policy(),
            "may_vote": (access.can(by, DecisionAction.SIGN_OFF, case) and current.proposed_by_id != by.pk
                         and not any(vote.voter_id == by.pk for vote in current.votes.all() if vote.current)),
            "vote_form": VoteForm(), "enact_form": EnactForm(),
            "request_form": ResponseRequestForm(people=[p for p in reported if p in reachable]) if reachable else None,
            "record_form": RecordResponseForm(people=reported) if reported else None,
            "reporter_notice": reporter_feedback.notice_of(current), "tell_form": TellReportersForm()}


def _proposal(request: HttpRequest, proposal_id: int, action: str = DecisionAction.DECIDE) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("case__data_key"), pk=proposal_id)
    access.require(request.user, action, proposal.case)
    return proposal


def _refused(request: HttpRequest, proposal: Proposal, error: proposals.DecisionError) -> HttpResponse:
    messages.error(request, str(error.message))
    return redirect("decisions:record", proposal.case_id)


@login_required
@require_POST
@sensitive_action
def vote(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id, DecisionAction.SIGN_OFF)  # refused before the input is read
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or reject the proposal."))
        return redirect("decisions:record", proposal.case_id)
    try:
        proposals.vote(proposal, by=staff_user(request), approve=form.cleaned_data["vote"] == "approve",
                       note=form.cleaned_data["note"], ip=client_ip(request))
    except proposals.DecisionError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("Your vote was recorded."))
    return redirect("decisions:record", proposal.case_id)


@login_required
@require_POST
@sensitive_action
def enact(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    form = EnactForm(request.POST)
    form.is_valid()
    try:
        proposals.enact(proposal, by=staff_user(request), override_reason=form.cleaned_data.get("override_reason", ""),
                        ip=client_ip(request))
    except proposals.DecisionError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("Decision recorded."))
    return redirect("cases:detail", proposal.case_id)


@login_required
@require_POST
@sensitive_action
def withdraw(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    try:
        proposals.withdraw(proposal, by=staff_user(request), ip=client_ip(request))
    except proposals.DecisionError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("Proposal withdrawn."))
    return redirect("decisions:record", proposal.case_id)


def _step(request: HttpRequest, proposal: Proposal, form: Any, act: Callable[[dict[str, Any]], object],
          done: str) -> HttpResponse:
    """One step on an open proposal from a form posted on the decision page: the form's errors, or
    the service's refusal, shown there; `act` runs the service with the cleaned data."""
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("decisions:record", proposal.case_id)
    try:
        act(form.cleaned_data)
    except proposals.DecisionError as error:
        return _refused(request, proposal, error)
    messages.success(request, done)
    return redirect("decisions:record", proposal.case_id)


@login_required
@require_POST
@sensitive_action
def request_response(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    return _step(request, proposal, ResponseRequestForm(request.POST, people=proposals.reachable_people(proposal.case)),
                 lambda data: proposals.request_response(
                     proposal, by=staff_user(request), person=Person.objects.get(pk=data["person"]),
                     description=data["description"], language=data["language"], ip=client_ip(request)),
                 _("The request to respond was sent."))


@login_required
@require_POST
@sensitive_action
def record_response(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    return _step(request, proposal, RecordResponseForm(request.POST, people=services.reported_people(proposal.case)),
                 lambda data: proposals.record_response(
                     proposal, by=staff_user(request), person=Person.objects.get(pk=data["person"]),
                     response=data["response"], ip=client_ip(request)),
                 _("The response was recorded."))


@login_required
@require_POST
@sensitive_action
def tell_reporters(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)  # refused before the input is read
    return _step(request, proposal, TellReportersForm(request.POST),
                 lambda data: reporter_feedback.tell_reporters(proposal, by=staff_user(request), text=data["text"],
                                                               ip=client_ip(request)),
                 _("The reporters were told the proposed outcome. Their feedback is shown here."))


# --- The decision policy, for administrators ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    access.require(request.user, DecisionAction.EDIT_POLICY)
    by = staff_user(request)
    current = proposals.policy()
    form = PolicyForm(request.POST if request.method == "POST" else None,
                      initial={"four_eyes_from_position": current.four_eyes_from_position, "quorum": current.quorum})
    if request.method == "POST" and form.is_valid():
        try:
            proposals.set_policy(by=by, four_eyes_from_position=form.cleaned_data["four_eyes_from_position"],
                                 quorum=form.cleaned_data["quorum"], ip=client_ip(request))
        except proposals.DecisionError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Decision policy saved."))
            return redirect("decisions:policy")
    ladder = ladders.current_ladder()
    return render(request, "decisions/policy.html", {
        "form": form, "policy": current, "levels": ladder.levels_in_order() if ladder is not None else []},
        status=400 if form.errors else 200)


# --- The reported person's page -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """/l/respond/<token>/: the description and a response form, in the language chosen for it."""
    try:
        asked = proposals.read_request(token)
    except links.LinkRefused as refused:
        return render(request, "decisions/respond.html", {"refused": str(refused.message)}, status=410)
    with translation.override(asked.language):
        form = RespondForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                proposals.respond(token, response=form.cleaned_data["response"])
            except links.LinkRefused as refused:
                return render(request, "decisions/respond.html", {"refused": str(refused.message)}, status=410)
            except proposals.DecisionError as error:
                form.add_error("response", str(error.message))
            else:
                return render(request, "decisions/respond.html", {"done": True, "language": asked.language})
        return render(request, "decisions/respond.html", {"form": form, "asked": asked, "language": asked.language},
                      status=400 if form.errors else 200)
