"""The appeal pages: the reported person's, through their link (no account, no JavaScript), and
the decision makers' list of open appeals and review page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from steward.core import access, links, ratelimit
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action

from . import appeals, ladders
from .appeal_forms import AppealDecisionForm, GroundsForm
from .models import Appeal, Decision
from .permissions import DecisionAction

RATE_LIMITED = "reports/rate_limited.html"


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    # Nothing about the case is shown: only why the link cannot be used, and whom to write to.
    return render(request, "decisions/appeal_link_refused.html", {"message": error.message}, status=400)


def _link_page(request: HttpRequest, decision: Decision, form: GroundsForm, status: int = 200) -> HttpResponse:
    return render(request, "decisions/appeal_link.html", {
        "decision": decision, "form": form, "appeal_until": appeals.appeal_until(decision),
        "appeal_days": settings.STEWARD_APPEAL_DAYS}, status=status)


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("appeal", "STEWARD_APPEAL_RATE", counts=ratelimit.refused, template=RATE_LIMITED)
def link(request: HttpRequest, token: str) -> HttpResponse:
    """/l/appeal/<token>/: the decision in neutral words, the window's end and the appeal form."""
    try:
        decision = appeals.link_decision(token)
    except (links.LinkRefused, appeals.AppealError) as error:
        return _refused(request, error)
    form = GroundsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.appeal_by_link(token, grounds=form.cleaned_data["grounds"])
        except links.LinkRefused as error:
            return _refused(request, error)
        except appeals.AppealError as error:
            if error.field != "grounds":
                return _refused(request, error)
            form.add_error("grounds", str(error.message))
        else:
            return render(request, "decisions/appeal_link_received.html",
                          {"decision": decision, "appeal_until": appeals.appeal_until(decision)})
    return _link_page(request, decision, form, status=400 if form.errors else 200)


@login_required
@require_GET
def open_appeals(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    rows = appeals.open_for(by)
    return render(request, "decisions/appeals.html", {"appeals": rows})


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = access.fetch(request.user, DecisionAction.DECIDE_APPEAL,
                          Appeal.objects.select_related("case__data_key", "decision__decided_by"), appeal_id)
    return _review(request, appeal)


@sensitive_action
def _review(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    by = staff_user(request)
    form = AppealDecisionForm(request.POST if request.method == "POST" else None, ladder=ladders.current_ladder())
    may = appeals.may_decide(by, appeal)
    if request.method == "GET":  # the page shows the grounds and the decision: a read of case content
        appeals.read_appeal(appeal, by=by, ip=client_ip(request))
    if request.method == "POST":
        if not may:
            raise access.Denied(DecisionAction.DECIDE_APPEAL)
        if form.is_valid():
            level, other = form.chosen()
            data = form.cleaned_data
            try:
                appeals.decide_appeal(appeal, by=by, outcome=data["outcome"], reasons=data["reasons"],
                                      reporter_message=data["reporter_message"], level=level, other_outcome=other,
                                      ends_on=data["ends_on"], ip=client_ip(request))
            except appeals.AppealError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Appeal decided. Both sides are told."))
                return redirect("cases:detail", appeal.case_id)
    together = Appeal.objects.filter(decision=appeal.decision).select_related("case__data_key").order_by("pk")
    return render(request, "decisions/appeal.html", {
        "appeal": appeal, "decision": appeal.decision, "case": appeal.case, "appeals": together, "form": form,
        "may_decide": may, "appeal_until": appeals.appeal_until(appeal.decision),
        "levels": list(form.levels.values())}, status=400 if form.errors else 200)
