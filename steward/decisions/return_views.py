"""Pages of interim measures, breaches and check-ins (staff), and the return page a banned person
reaches through their link (/l/return/<token>/, no account, no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from steward.cases.models import Case
from steward.cases.permissions import CaseAction
from steward.core import access, audit, links
from steward.core.http import client_ip, staff_user
from steward.policy import services as policy

from . import interim, returns
from .models import CheckIn, Decision
from .permissions import ReturnAction
from .return_forms import AcknowledgeForm, BreachForm, CheckInForm, InterimMeasureForm


@login_required
@require_http_methods(["GET", "POST"])
def impose_interim(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.fetch(request.user, ReturnAction.IMPOSE_INTERIM, Case.objects.select_related("data_key"), case_id)
    by = staff_user(request)
    form = InterimMeasureForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "GET":  # the form names the people involved: a read of case content
        audit.record(by, "case.view", case, ip=client_ip(request), detail={"page": "interim"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            interim.impose(case, by=by, subject=form.people.get(data["subject"]), restriction=data["restriction"],
                           ends_on=data["ends_on"], reason=data["reason"], spaces=list(data["spaces"]),
                           systems=data["systems"], ip=client_ip(request))
        except interim.InterimError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Interim measure imposed."))
            return redirect("cases:detail", case.pk)
    return render(request, "decisions/interim.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_breach(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.only("pk", "case_id"), pk=decision_id)
    case = access.fetch(request.user, ReturnAction.RECORD_BREACH, Case.objects.select_related("data_key"),
                        decision.case_id)
    decision = Decision.objects.select_related("level__breach_leads_to").get(pk=decision.pk)
    by = staff_user(request)
    form = BreachForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        audit.record(by, "case.view", case, ip=client_ip(request), detail={"page": "breach"})
    if request.method == "POST" and form.is_valid():
        try:
            returns.record_breach(decision, by=by, note=form.cleaned_data["note"],
                                  observed_on=form.cleaned_data["observed_on"], ip=client_ip(request))
        except returns.ReturnError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Breach recorded. The case awaits a new decision."))
            return redirect("cases:detail", case.pk)
    return render(request, "decisions/breach.html", {"case": case, "decision": decision, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_check_in(request: HttpRequest, check_in_id: int) -> HttpResponse:
    check_in = get_object_or_404(CheckIn.objects.only("pk", "case_id"), pk=check_in_id)
    case = access.fetch(request.user, CaseAction.NOTE, Case.objects.select_related("data_key"), check_in.case_id)
    check_in = CheckIn.objects.get(pk=check_in.pk)
    by = staff_user(request)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            returns.record_check_in(check_in, by=by, note=form.cleaned_data["note"], ip=client_ip(request))
        except returns.ReturnError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect("cases:detail", case.pk)
    return render(request, "decisions/check_in.html", {"case": case, "check_in": check_in, "form": form},
                  status=400 if form.errors else 200)


# --- The return page (no account) ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def return_page(request: HttpRequest, token: str) -> HttpResponse:
    """Read the current code of conduct, in the visitor's language, and confirm it. The link is
    used (single-use) only by the confirmation."""
    language = translation.get_language() or "en"
    try:
        invitation = returns.invitation_for_link(token)
    except (links.LinkRefused, returns.ReturnError) as refused:
        return render(request, "decisions/return_refused.html", {"problem": refused.message}, status=400)
    current = policy.current_version()
    locale = policy.locale_for(language) or "en"
    form = AcknowledgeForm(request.POST if request.method == "POST" else None,
                           initial={"version": str(current.number) if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            returns.acknowledge(token, version=form.cleaned_data["version"], language=locale)
        except links.LinkRefused as refused:
            return render(request, "decisions/return_refused.html", {"problem": refused.message}, status=400)
        except returns.ReturnError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            return render(request, "decisions/return_done.html", {"invitation": invitation})
    guidelines_url = None
    if current is not None:
        guidelines_url = f"{reverse('policy:version', args=[str(current.number)])}?lang={locale}"
    response = render(request, "decisions/return.html", {
        "invitation": invitation, "ends_on": invitation.decision.ends_on, "current": current,
        "guidelines_url": guidelines_url, "form": form}, status=400 if form.errors else 200)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the path
    response["Cache-Control"] = "no-store"
    return response
