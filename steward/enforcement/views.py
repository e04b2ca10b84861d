"""The rollout page of a case, the list of rollouts not done yet, and the connector settings.
Thin: each view checks permission through the service it calls and renders what it returns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.cases.models import Case
from steward.core import access
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action
from steward.registry.models import System

from . import connectors, services
from .forms import DoneForm, connector_form
from .models import ConnectorConfig
from .permissions import EnforcementAction


def _case(request: HttpRequest, action: EnforcementAction, case_id: int) -> Case:
    return access.fetch(request.user, action, Case.objects.select_related("data_key"), case_id)


def _page(request: HttpRequest, case: Case, *, forms: dict[int, DoneForm] | None = None,
          error: str = "", status: int = 200) -> HttpResponse:
    by = staff_user(request)
    views = services.read_rollouts(case, by=by, ip=client_ip(request))
    return render(request, "enforcement/rollout.html", {
        "case": case, "rollouts": views, "forms": forms or {}, "error": error,
        "can_work": access.can(by, EnforcementAction.WORK_ROLLOUT, case)}, status=status)


@login_required
@require_GET
def rollout(request: HttpRequest, case_id: int) -> HttpResponse:
    return _page(request, _case(request, EnforcementAction.VIEW_ROLLOUT, case_id))


@login_required
@require_POST
def retry(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case = _case(request, EnforcementAction.WORK_ROLLOUT, case_id)
    try:
        services.retry_action(case, action_id, by=staff_user(request), ip=client_ip(request))
    except services.RolloutError as error:
        return _page(request, case, error=str(error.message), status=400)
    messages.success(request, _("The step will be tried again in a moment."))
    return redirect("enforcement:rollout", case.pk)


@login_required
@require_POST
def take(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case = _case(request, EnforcementAction.WORK_ROLLOUT, case_id)
    try:
        services.take_step(case, action_id, by=staff_user(request), ip=client_ip(request))
    except services.RolloutError as error:
        return _page(request, case, error=str(error.message), status=400)
    messages.success(request, _("The step is yours now."))
    return redirect("enforcement:rollout", case.pk)


@login_required
@require_POST
def mark_done(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case = _case(request, EnforcementAction.WORK_ROLLOUT, case_id)
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            services.mark_done(case, action_id, by=staff_user(request), note=form.cleaned_data["note"],
                               ip=client_ip(request))
        except services.RolloutError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Step marked as done."))
            return redirect("enforcement:rollout", case.pk)
    return _page(request, case, forms={action_id: form}, status=400)


@login_required
@require_GET
def rollouts(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/rollouts.html", {"rollouts": services.open_rollouts(staff_user(request))})


@login_required
@require_GET
def connectors_page(request: HttpRequest) -> HttpResponse:
    access.require(request.user, EnforcementAction.CONFIGURE_CONNECTORS)
    configured = {config.system: config for config in services.connector_configs()}
    systems = [(value, label, value in connectors.CONNECTORS, configured.get(value)) for value, label in System.choices]
    return render(request, "enforcement/connectors.html", {"systems": systems})


@login_required
@require_http_methods(["GET", "POST"])
def configure(request: HttpRequest, system: str) -> HttpResponse:
    access.require(request.user, EnforcementAction.CONFIGURE_CONNECTORS)
    if connectors.connector_class(system) is None:
        raise Http404(system)
    return _configure(request, system)


@login_required
@require_POST
def test_connection(request: HttpRequest, system: str) -> HttpResponse:
    access.require(request.user, EnforcementAction.CONFIGURE_CONNECTORS)
    if connectors.connector_class(system) is None:
        raise Http404(system)
    try:
        ok, found = services.test_connector(system, by=staff_user(request), ip=client_ip(request))
    except services.RolloutError as error:
        ok, found = False, str(error.message)
    (messages.success if ok else messages.error)(request, found)
    return redirect("enforcement:configure", system)


@sensitive_action
def _configure(request: HttpRequest, system: str) -> HttpResponse:
    config = ConnectorConfig.objects.filter(system=system).first()
    form_class = connector_form(connectors.CONNECTORS[system])
    initial = form_class.initial_from(config.options, config.enabled) if config is not None else {}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.configure_connector(system, by=staff_user(request), settings=form.settings(),
                                         credentials=form.credentials(), enabled=form.cleaned_data["enabled"],
                                         ip=client_ip(request))
        except services.RolloutError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Connector saved."))
            return redirect("enforcement:connectors")
    return render(request, "enforcement/configure.html",
                  {"form": form, "system": dict(System.choices)[system], "config": config},
                  status=400 if form.errors else 200)
