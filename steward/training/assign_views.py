"""Coordinators' pages of who must take what (/staff/training/rules/, /staff/training/learners/):
role rules, contributor learners, and assigning a course by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access
from steward.core.http import client_ip, staff_user

from . import assignments
from .assign_forms import AssignForm, ContributorForm, RuleForm
from .models import AssignmentRule, Learner
from .permissions import TrainingAction


def _made(count: int) -> str:
    return ngettext("%(count)d person was assigned the course.", "%(count)d people were assigned the course.",
                    count) % {"count": count}


def _error(form: RuleForm | ContributorForm | AssignForm, error: assignments.AssignmentError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    rows = assignments.list_rules(by=staff_user(request))
    return render(request, "training/assign/rules.html", {"rules": rows})


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    access.require(request.user, TrainingAction.RULES)
    form = RuleForm(request.POST or None, initial={"title_contains": "Community Manager", "by_code_and_chat": True,
                                                    "by_events": True, "by_social_media": True})
    if request.method == "POST" and form.is_valid():
        try:
            _rule, made = assignments.create_rule(form.rule_input(), by=staff_user(request), ip=client_ip(request))
        except assignments.AssignmentError as error:
            _error(form, error)
        else:
            messages.success(request, _("The rule is saved.") + " " + _made(made))
            return redirect("training:rules")
    return render(request, "training/assign/rule.html", {"form": form, "rule": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    access.require(request.user, TrainingAction.RULES)
    rule = get_object_or_404(AssignmentRule, pk=rule_id)
    initial = {name: getattr(rule, name) for name in ("course", "who", "title_contains", "by_code_and_chat",
                                                      "by_events", "by_social_media", "due_days", "active")}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _rule, made = assignments.update_rule(rule, form.rule_input(), by=staff_user(request), ip=client_ip(request))
        except assignments.AssignmentError as error:
            _error(form, error)
        else:
            messages.success(request, _("The rule is saved.") + " " + _made(made))
            return redirect("training:rules")
    return render(request, "training/assign/rule.html", {"form": form, "rule": rule},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def rule_deactivate(request: HttpRequest, rule_id: int) -> HttpResponse:
    access.require(request.user, TrainingAction.RULES)
    rule = get_object_or_404(AssignmentRule, pk=rule_id)
    try:
        assignments.deactivate_rule(rule, by=staff_user(request), ip=client_ip(request))
    except assignments.AssignmentError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The rule is inactive. The courses it assigned stay assigned."))
    return redirect("training:rules")


@login_required
@require_GET
def learners(request: HttpRequest) -> HttpResponse:
    rows = assignments.learners(by=staff_user(request), ip=client_ip(request))
    return render(request, "training/assign/learners.html", {"learners": rows})


@login_required
@require_http_methods(["GET", "POST"])
def learner_new(request: HttpRequest) -> HttpResponse:
    access.require(request.user, TrainingAction.RULES)
    form = ContributorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            learner = assignments.add_contributor(form.contributor_input(), by=staff_user(request), ip=client_ip(request))
        except assignments.AssignmentError as error:
            _error(form, error)
        else:
            messages.success(request, _("%(name)s can now sign in to take courses with their email address.") % {
                "name": learner.user.first_name})
            return redirect("training:assign", learner.pk)
    return render(request, "training/assign/learner_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, learner_id: int) -> HttpResponse:
    access.require(request.user, TrainingAction.RULES)
    learner = get_object_or_404(Learner.objects.select_related("user"), pk=learner_id)
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignments.assign_by_hand(learner, form.cleaned_data["course"], by=staff_user(request),
                                       due_on=form.cleaned_data["due_on"], ip=client_ip(request))
        except assignments.AssignmentError as error:
            _error(form, error)
        else:
            messages.success(request, _("The course is assigned; the learner is told by email."))
            return redirect("training:learners")
    return render(request, "training/assign/assign.html", {"form": form, "learner": learner},
                  status=400 if form.errors else 200)
