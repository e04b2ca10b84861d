"""The decision page. Permission is checked first (an outsider learns nothing), then a
recent re-authentication is required before the form is shown or recorded."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from steward.cases.models import Case
from steward.core import access
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action

from . import services
from .forms import DecisionForm
from .models import Outcome
from .permissions import DecisionAction


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.fetch(request.user, DecisionAction.DECIDE, Case.objects.select_related("data_key"), case_id)
    return _record(request, case)


@sensitive_action
def _record(request: HttpRequest, case: Case) -> HttpResponse:
    form = DecisionForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "GET":  # the page shows who is involved: a read of case content
        services.read_for_decision(case, by=staff_user(request), ip=client_ip(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                case, by=staff_user(request), outcome=data["outcome"], subject=form.people.get(data["subject"]),
                ban_until=data["ban_until"], reporter_summary=data["reporter_summary"], rationale=data["rationale"],
                ip=client_ip(request))
        except services.DecisionError as error:
            form.add_error(None if error.field == "__all__" else error.field, str(error.message))
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("cases:detail", case.pk)
    context = {"case": case, "form": form, "ladder": Outcome.choices,
               "history": services.history(list(form.people.values()), by=staff_user(request), exclude_case=case)}
    return render(request, "decisions/record.html", context, status=400 if form.errors else 200)
