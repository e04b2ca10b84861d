"""Staff pages that are not about one case: a consultant's consultations, one's own accounts on
community systems, and the auditors' way into access histories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user
from steward.registry import services as registry
from steward.registry.models import StaffAccount

from . import consultation_rules, consultations
from .forms import AnswerForm, CaseLookupForm, ConsultationRuleForm, StaffAccountForm
from .models import Consultation, ConsultationRule, Part
from .permissions import CaseAction


@login_required
@require_GET
def my_consultations(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/consultations.html", {
        "consultations": consultations.read_list(staff_user(request), ip=client_ip(request))})


def _consultation(request: HttpRequest, consultation_id: int, action: CaseAction) -> Consultation:
    return access.fetch(request.user, action, Consultation.objects.select_related("case__data_key", "consultant"),
                        consultation_id)


def _flash_errors(request: HttpRequest, form: AnswerForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


@login_required
@require_POST
def answer(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _consultation(request, consultation_id, CaseAction.ANSWER)
    if consultation.consultant_id != request.user.pk:
        raise access.Denied(CaseAction.ANSWER)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
    else:
        try:
            consultations.answer_consultation(consultation, by=staff_user(request), answer=form.cleaned_data["answer"],
                                              ip=client_ip(request))
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Answer sent."))
    return redirect("cases:detail", consultation.case_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _consultation(request, consultation_id, CaseAction.CONSULT)
    try:
        consultations.withdraw_consultation(consultation, by=staff_user(request), ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Consultation withdrawn."))
    return redirect("cases:detail", consultation.case_id)


def _rule_form(rule: ConsultationRule, data: QueryDict | None = None) -> ConsultationRuleForm:
    return ConsultationRuleForm(data, prefix=f"rule-{rule.pk}", initial={
        "enabled": rule.enabled, "kind": rule.kind, "parts": [part for part in Part if part in rule.scope]})


@login_required
@require_http_methods(["GET", "POST"])
def consultation_rules_page(request: HttpRequest) -> HttpResponse:
    """The decision-making policy: administrators switch rules on and off, choose the consultation
    each requires and what it shares by default. One form per rule; each save is audited."""
    access.require(request.user, CaseAction.CONSULTATION_RULES)
    rules = consultation_rules.rules()
    forms = {rule.pk: _rule_form(rule) for rule in rules}
    refused = False
    if request.method == "POST":
        rule = next((rule for rule in rules if str(rule.pk) == request.POST.get("rule")), None)
        if rule is None:
            messages.error(request, _("Choose a rule to change."))
            refused = True
        elif (form := _rule_form(rule, request.POST)).is_valid():
            try:
                consultation_rules.edit_rule(rule, by=staff_user(request), enabled=form.cleaned_data["enabled"],
                                             kind=form.cleaned_data["kind"], parts=form.cleaned_data["parts"],
                                             ip=client_ip(request))
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Rule saved: “%(rule)s”.") % {"rule": rule.get_condition_display()})
                return redirect("staffing:consultation_rules")
        if rule is not None:
            forms[rule.pk] = form
    lines = [(rule, forms[rule.pk]) for rule in rules]
    refused = refused or any(form.errors for form in forms.values())
    return render(request, "cases/consultation_rules.html", {"lines": lines}, status=400 if refused else 200)


def _staff_member(request: HttpRequest) -> User:
    user = staff_user(request)
    if not user.is_staff:
        raise access.Denied()
    return user


@login_required
@require_http_methods(["GET", "POST"])
def my_accounts(request: HttpRequest) -> HttpResponse:
    user = _staff_member(request)
    form = StaffAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registry.link_staff_account(user, system=form.cleaned_data["system"], handle=form.cleaned_data["handle"],
                                        ip=client_ip(request))
        except DomainError as error:
            form.add_error("handle", str(error.message))
        else:
            messages.success(request, _("Account linked. Cases where it is involved are now hidden from you."))
            return redirect("staffing:accounts")
    accounts = user.staff_accounts.select_related("identity__data_key")
    return render(request, "staff/accounts.html", {"form": form, "accounts": accounts}, status=400 if form.errors else 200)


@login_required
@require_POST
def remove_account(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _staff_member(request)
    account = get_object_or_404(StaffAccount.objects.select_related("identity"), pk=account_id, user=user)
    registry.unlink_staff_account(account, by=user, ip=client_ip(request))
    messages.success(request, _("Account removed."))
    return redirect("staffing:accounts")


@login_required
@require_GET
def access_lookup(request: HttpRequest) -> HttpResponse:
    access.require(request.user, CaseAction.ACCESS_HISTORY)
    form = CaseLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("cases:access_history", form.cleaned_data["case"])
    return render(request, "cases/access_lookup.html", {"form": form}, status=400 if form.errors else 200)
