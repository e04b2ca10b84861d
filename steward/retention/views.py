"""Erasing a case and exporting what is held about a person. Permission first (an
outsider learns nothing), then a recent re-authentication, then the form."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from steward.cases.models import Case
from steward.cases.permissions import CaseAction
from steward.core import access
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action

from .erasure import erase_case
from .export import export_person
from .forms import EraseForm, ExportForm
from .permissions import RetentionAction


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.fetch(request.user, RetentionAction.ERASE, Case, case_id)
    return _erase(request, case)


@sensitive_action
def _erase(request: HttpRequest, case: Case) -> HttpResponse:
    form = EraseForm(request.POST if request.method == "POST" else None, case=case)
    if case.erased_at is None and request.method == "POST" and form.is_valid():
        try:
            erase_case(case, by=staff_user(request), reason=form.cleaned_data["reason"], ip=client_ip(request))
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Case %(ref)s was erased.") % {"ref": case.reference})
            if access.can(request.user, CaseAction.VIEW, case):
                return redirect("cases:detail", case.pk)
            return redirect("retention:erase", case.pk)
    return render(request, "retention/erase.html", {"case": case, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    access.require(request.user, RetentionAction.EXPORT_PERSON)
    return _export(request)


@sensitive_action
def _export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = export_person(by=staff_user(request), system=data["system"], handle=data["handle"],
                                     email=data["email"], ip=client_ip(request))
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
            filename = f"steward-access-request-{timezone.now():%Y%m%d-%H%M%S}.json"
            response["Content-Disposition"] = content_disposition_header(True, filename)
            response["Cache-Control"] = "no-store"
            response["X-Content-Type-Options"] = "nosniff"
            return response
    return render(request, "retention/export.html", {"form": form}, status=400 if form.errors else 200)
