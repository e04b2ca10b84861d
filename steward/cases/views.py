"""Staff pages for the case queue and one case. Thin: parse, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user

from . import access_log, conflicts, consultations, reading, services
from .forms import (
    AnswerForm,
    AssignForm,
    ConsultationForm,
    DeclareConflictForm,
    MergeForm,
    NoteForm,
    PartyForm,
    PossibleConflictForm,
    QueueFilterForm,
    SplitForm,
    TitleForm,
    TransitionForm,
    TriageForm,
    yes_no_initial,
)
from .models import Case, Part
from .permissions import CaseAction
from .triage import propose_priority

PAGE_SIZE = 50


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    access.require(request.user, CaseAction.QUEUE)
    filters = QueueFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    cases = services.queue(
        staff_user(request), status=data.get("status", ""), priority=data.get("priority", ""),
        space=str(data["space"].pk) if data.get("space") else "", assignee=data.get("assignee", ""),
        overdue=bool(data.get("overdue")), search=data.get("q", ""),
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = services.read_queue(staff_user(request), list(page.object_list), ip=client_ip(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/queue.html", {"filters": filters, "page": page, "rows": rows, "query": query.urlencode()})


def _case(request: HttpRequest, case_id: int, action: CaseAction) -> Case:
    return access.fetch(request.user, action, Case.objects.select_related("space", "assignee", "data_key"), case_id)


def _asked_consultation(view: reading.CaseView, kind: str) -> dict[str, Any]:
    """Asking for a required consultation pre-fills its kind and the scope its rules share."""
    for need in view.consultation_needs.required if view.consultation_needs else ():
        if need.kind == kind:
            return {"kind": need.kind, "parts": [part for part in Part if part in need.scope]}
    return {}


@login_required
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    view = reading.read_case(staff_user(request), case_id, ip=client_ip(request))
    case, can = view.case, view.can
    context = {
        "view": view,
        "case": case,
        "can": can,
        "possible_conflicts": view.possible_conflicts,
        "decisions": view.decision_rows,
        "returns": view.return_rows,
        "rollout_rows": view.rollout_rows,
        "assign_form": AssignForm(initial={"assignee": case.assignee_id},
                                  excluded=conflicts.conflicted_staff_ids(case) if can[CaseAction.ASSIGN] else ()),
        "consultation_form": ConsultationForm(initial=_asked_consultation(view, request.GET.get("consult", "")),
                                              excluded=conflicts.conflicted_staff_ids(case)) if can[CaseAction.CONSULT] else None,
        "declare_form": DeclareConflictForm(),
        "answer_form": AnswerForm(),
        "transition_form": TransitionForm(),
        "allowed_moves": sorted(services.TRANSITIONS.get(case.status, set())),
        "note_form": NoteForm(),
        "title_form": TitleForm(initial={"title": case.title}),
        "merge_form": MergeForm(),
        "party_form": PartyForm(),
    }
    return render(request, "cases/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id, CaseAction.TRIAGE)
    # What the reporter already answered comes pre-filled; an unanswered question is left open.
    initial = {"danger": yes_no_initial(case.danger), "ongoing": yes_no_initial(case.ongoing), "priority": case.priority}
    data = request.POST.copy() if request.method == "POST" else None
    form = TriageForm(data, initial=initial)
    if "propose" in request.POST:
        form.fields["priority"].required = False  # asking for a proposal comes before choosing
    proposal = None
    if data is not None and form.is_valid():
        proposal = propose_priority(form.answers())
        if "propose" in request.POST:
            data["priority"] = proposal.value  # the proposal is pre-selected; the triager may still choose another
        else:
            try:
                services.triage_case(case, by=staff_user(request), answers=form.answers(), priority=form.cleaned_data["priority"],
                                     reason=form.cleaned_data["reason"], ip=client_ip(request))
            except DomainError as error:
                form.add_error("reason", str(error.message))
            else:
                messages.success(request, _("Case triaged."))
                return redirect("cases:detail", case.pk)
    # The triager reads what was reported (reading it is audited like the case page).
    reports = reading.read_reports(case, by=staff_user(request), ip=client_ip(request))
    status = 400 if form.errors else 200
    return render(request, "cases/triage.html", {"case": case, "form": form, "proposal": proposal, "reports": reports},
                  status=status)


def _post_action(request: HttpRequest, case_id: int, action: CaseAction, form_class: type,
                 run: Callable[[Case, dict[str, Any]], object], success: str) -> HttpResponse:
    """Shared shape of the small POST forms on the case page."""
    case = _case(request, case_id, action)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            result = run(case, form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, success)
            if isinstance(result, Case) and result.pk != case.pk:
                return redirect("cases:detail", result.pk)
    return redirect("cases:detail", case.pk)


@login_required
@require_POST
def assign(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.ASSIGN, AssignForm, lambda case, data: services.assign_case(
        case, by=staff_user(request), assignee=data["assignee"], ip=client_ip(request)), _("Assignment saved."))


@login_required
@require_POST
def transition(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.TRANSITION, TransitionForm, lambda case, data: services.move_case(
        case, by=staff_user(request), to=data["to"], reason=data["reason"], ip=client_ip(request)), _("Status changed."))


@login_required
@require_POST
def note(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.NOTE, NoteForm, lambda case, data: services.add_note(
        case, by=staff_user(request), body=data["body"], ip=client_ip(request)), _("Note added."))


@login_required
@require_POST
def title(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.NOTE, TitleForm, lambda case, data: services.set_case_title(
        case, by=staff_user(request), title=data["title"], ip=client_ip(request)), _("Title saved."))


@login_required
@require_POST
def party(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.RECORD_PARTY, PartyForm, lambda case, data: services.add_party(
        case, by=staff_user(request), system=data["system"], handle=data["handle"], role=data["role"],
        ip=client_ip(request)), _("Person recorded."))


@login_required
@require_POST
def merge(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.MERGE, MergeForm, lambda case, data: services.merge_cases_by_id(
        case, data["cases"], by=staff_user(request), ip=client_ip(request)), _("Cases merged."))


@login_required
@require_POST
def split(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.SPLIT, SplitForm, lambda case, data: services.split_report(
        case, report_id=data["report"], by=staff_user(request), ip=client_ip(request)), _("Report moved to a new case."))


@login_required
@require_POST
def declare_conflict(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id, CaseAction.DECLARE_CONFLICT)
    form = DeclareConflictForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        conflicts.declare_conflict(case, by=staff_user(request), reason=reason, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("cases:detail", case.pk)
    messages.success(request, _("Your conflict of interest is recorded. The case is hidden from you from now on."))
    return redirect("cases:queue")


@login_required
@require_POST
def resolve_conflict(request: HttpRequest, case_id: int, conflict_id: int) -> HttpResponse:
    """A triager confirms or dismisses a possible conflict of interest."""
    def run(case: Case, data: dict[str, Any]) -> object:
        return conflicts.resolve_possible_conflict(case, conflict_id, by=staff_user(request),
                                                   confirm=data["decision"] == "confirm", ip=client_ip(request))

    done = (_("Conflict of interest confirmed: the case is now hidden from that staff member.")
            if request.POST.get("decision") == "confirm" else _("Possible conflict of interest dismissed."))
    return _post_action(request, case_id, CaseAction.RESOLVE_CONFLICT, PossibleConflictForm, run, done)


@login_required
@require_POST
def consult(request: HttpRequest, case_id: int) -> HttpResponse:
    return _post_action(request, case_id, CaseAction.CONSULT, ConsultationForm, lambda case, data: consultations.request_consultation(
        case, by=staff_user(request), consultant=data["consultant"], kind=data["kind"], parts=data["parts"],
        question=data["question"], ip=client_ip(request)), _("Consultation requested."))


@login_required
@require_GET
def access_history(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.fetch(staff_user(request), CaseAction.ACCESS_HISTORY, Case, case_id)
    lines = access_log.access_history(case, by=staff_user(request), ip=client_ip(request))
    return render(request, "cases/access_history.html", {"case": case, "lines": lines})
