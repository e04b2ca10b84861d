"""The decision page, the staff ladder pages and the public consequences page.

On the decision page permission is checked first (an outsider learns nothing), then a recent
re-authentication is required before the form is shown or recorded. The ladder pages are read
by everyone who decides and changed by administrators only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.cases.models import Case
from steward.core import access
from steward.core.http import client_ip, staff_user
from steward.core.reauth import sensitive_action

from . import decision_messages, ladders, preset_files, proposal_views, proposals, services
from .forms import DecisionForm, LadderDetailsForm, LevelForm, PresetForm
from .models import Ladder, Level
from .permissions import DecisionAction

PREVIEW = "preview"


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.fetch(request.user, DecisionAction.DECIDE, Case.objects.select_related("data_key"), case_id)
    return _record(request, case)


@sensitive_action
def _record(request: HttpRequest, case: Case) -> HttpResponse:
    by = staff_user(request)
    current = ladders.current_ladder()
    proposed = proposals.open_proposal(case)  # a proposal is changed through the same form
    form = DecisionForm(request.POST if request.method == "POST" else None, case=case, ladder=current,
                        initial=proposal_views.initial_from(proposed) if proposed is not None else {})
    if request.method == "GET":  # the page shows who is involved: a read of case content
        services.read_for_decision(case, by=by, ip=client_ip(request))
    previews = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == PREVIEW:  # exactly what "Record decision" would send
            services.read_for_decision(case, by=by, ip=client_ip(request))  # the texts name the person: a read
            try:
                previews = proposals.preview_messages(case, proposal_views.proposal_input(form), by=by)
            except proposals.DecisionError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            done = proposal_views.submit(request, case, form)  # propose, then enact when the policy allows
            if done is not None:
                return done
    reported = services.reported_people(case)
    context = {"case": case, "form": form, "ladder": current, **proposal_views.context_for(case, by),
               "levels": list(form.levels.values()), "previews": previews,
               "appeal_slot": decision_messages.APPEAL_SLOT,
               "recommendation": services.recommend_for(case, reported, by=by),
               "history": services.history(list(form.people.values()), by=by, exclude_case=case)}
    return render(request, "decisions/record.html", context, status=400 if form.errors else 200)


# --- The ladder, for staff -------------------------------------------------------------------


def _reader(request: HttpRequest) -> Any:
    access.require(request.user, DecisionAction.VIEW_LADDER)
    return staff_user(request)


def _editor(request: HttpRequest) -> Any:
    access.require(request.user, DecisionAction.EDIT_LADDER)
    return staff_user(request)


def _presets() -> list[tuple[str, str]]:
    return [(slug, preset.name) for slug, preset in preset_files.presets().items()]


def _page(request: HttpRequest, shown: Ladder | None, *, preset_form: PresetForm | None = None,
          details_form: LadderDetailsForm | None = None, level_forms: dict[int, LevelForm] | None = None,
          new_level_form: LevelForm | None = None, error: str | None = None) -> HttpResponse:
    by = _reader(request)
    can_edit = access.can(by, DecisionAction.EDIT_LADDER)
    editable = shown is not None and shown.status == Ladder.Status.DRAFT and can_edit
    levels = shown.levels_in_order() if shown is not None else []
    rows = []
    for level in levels:
        form = (level_forms or {}).get(level.pk)
        if form is None and editable and shown is not None:
            form = LevelForm(prefix=f"level-{level.pk}", ladder=shown, level=level, initial={
                **{field: getattr(level, field) for field in ladders.LEVEL_FIELDS},
                "breach_leads_to": level.breach_leads_to_id})
        rows.append({"level": level, "form": form})
    context = {
        "shown": shown, "rows": rows, "can_edit": can_edit, "editable": editable, "error": error,
        "current": ladders.current_ladder(), "draft": ladders.open_draft(),
        "versions": Ladder.objects.select_related("published_by", "created_by").order_by("-version"),
        "statuses": ladders.translation_statuses(shown) if shown is not None else [],
        "used": shown is not None and ladders.is_used(shown),
        "preset_form": preset_form or PresetForm(presets=_presets()),
        "details_form": details_form or (LadderDetailsForm(initial={"name": shown.name,
                                                                   "description": shown.description})
                                         if editable and shown is not None else None),
        "new_level_form": new_level_form or (LevelForm(prefix="new", ladder=shown)
                                             if editable and shown is not None else None),
    }
    failed = error or any(f is not None and f.errors for f in [preset_form, details_form, new_level_form,
                                                              *(level_forms or {}).values()])
    return render(request, "decisions/ladder.html", context, status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def ladder(request: HttpRequest) -> HttpResponse:
    """The draft when an administrator has one open, else the current ladder; POST starts a
    draft from a preset."""
    by = _reader(request)
    if request.method == "POST":
        by = _editor(request)
        form = PresetForm(request.POST, presets=_presets())
        if form.is_valid():
            try:
                draft = ladders.create_from_preset(form.cleaned_data["preset"], by=by, ip=client_ip(request))
            except ladders.LadderError as problem:
                form.add_error(None, str(problem.message))
            else:
                messages.success(request, _("Draft created from the preset. Edit it, then publish it."))
                return redirect("decisions:ladder_version", draft.pk)
        return _page(request, ladders.open_draft() or ladders.current_ladder(), preset_form=form)
    shown = ladders.open_draft() if access.can(by, DecisionAction.EDIT_LADDER) else None
    return _page(request, shown or ladders.current_ladder())


@login_required
@require_http_methods(["GET", "POST"])
def ladder_version(request: HttpRequest, ladder_id: int) -> HttpResponse:
    _reader(request)
    shown = get_object_or_404(Ladder, pk=ladder_id)
    if request.method == "POST":
        by = _editor(request)
        form = LadderDetailsForm(request.POST)
        if form.is_valid():
            try:
                ladders.save_details(shown, by=by, name=form.cleaned_data["name"],
                                     description=form.cleaned_data["description"], ip=client_ip(request))
            except ladders.LadderError as problem:
                return _page(request, shown, error=str(problem.message))
            messages.success(request, _("Ladder details saved."))
            return redirect("decisions:ladder_version", shown.pk)
        return _page(request, shown, details_form=form)
    return _page(request, shown)


@login_required
@require_POST
def new_version(request: HttpRequest) -> HttpResponse:
    by = _editor(request)
    try:
        draft = ladders.start_new_version(by=by, ip=client_ip(request))
    except ladders.LadderError as problem:  # e.g. a draft is still open: that is where to go on
        messages.error(request, str(problem.message))
        return redirect("decisions:ladder")
    messages.success(request, _("Version %(version)s started as a copy of the current ladder.") % {
        "version": draft.version})
    return redirect("decisions:ladder_version", draft.pk)


@login_required
@require_POST
def publish(request: HttpRequest, ladder_id: int) -> HttpResponse:
    by = _editor(request)
    shown = get_object_or_404(Ladder, pk=ladder_id)
    try:
        ladders.publish(shown, by=by, ip=client_ip(request))
    except ladders.LadderError as problem:
        return _page(request, shown, error=str(problem.message))
    messages.success(request, _("Version %(version)s is now the ladder for new decisions.") % {"version": shown.version})
    return redirect("decisions:ladder_version", shown.pk)


@login_required
@require_POST
def discard(request: HttpRequest, ladder_id: int) -> HttpResponse:
    by = _editor(request)
    shown = get_object_or_404(Ladder, pk=ladder_id)
    try:
        ladders.discard_draft(shown, by=by, ip=client_ip(request))
    except ladders.LadderError as problem:
        return _page(request, shown, error=str(problem.message))
    messages.success(request, _("Draft discarded."))
    return redirect("decisions:ladder")


def _level_input(form: LevelForm) -> ladders.LevelInput:
    return ladders.LevelInput(**form.cleaned_data)


@login_required
@require_POST
def add_level(request: HttpRequest, ladder_id: int) -> HttpResponse:
    by = _editor(request)
    shown = get_object_or_404(Ladder, pk=ladder_id)
    form = LevelForm(request.POST, prefix="new", ladder=shown)
    if form.is_valid():
        try:
            ladders.add_level(shown, _level_input(form), by=by, ip=client_ip(request))
        except ladders.LadderError as problem:
            if problem.field == "__all__":  # the ladder itself refuses: said at the top of the page
                return _page(request, shown, error=str(problem.message))
            form.add_error(problem.field, str(problem.message))
        else:
            messages.success(request, _("Level added at the top of the ladder."))
            return redirect("decisions:ladder_version", shown.pk)
    return _page(request, shown, new_level_form=form)


@login_required
@require_POST
def edit_level(request: HttpRequest, level_id: int) -> HttpResponse:
    by = _editor(request)
    level = get_object_or_404(Level.objects.select_related("ladder"), pk=level_id)
    form = LevelForm(request.POST, prefix=f"level-{level.pk}", ladder=level.ladder, level=level)
    if form.is_valid():
        try:
            ladders.edit_level(level, _level_input(form), by=by, ip=client_ip(request))
        except ladders.LadderError as problem:
            if problem.field == "__all__":  # the ladder itself refuses: said at the top of the page
                return _page(request, level.ladder, error=str(problem.message))
            form.add_error(problem.field, str(problem.message))
        else:
            messages.success(request, _("Level “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("decisions:ladder_version", level.ladder_id)
    return _page(request, level.ladder, level_forms={level.pk: form})


@login_required
@require_POST
def move_level(request: HttpRequest, level_id: int) -> HttpResponse:
    by = _editor(request)
    level = get_object_or_404(Level.objects.select_related("ladder"), pk=level_id)
    try:
        ladders.move_level(level, by=by, up=request.POST.get("direction") == "up", ip=client_ip(request))
    except ladders.LadderError as problem:
        return _page(request, level.ladder, error=str(problem.message))
    return redirect("decisions:ladder_version", level.ladder_id)


@login_required
@require_POST
def remove_level(request: HttpRequest, level_id: int) -> HttpResponse:
    by = _editor(request)
    level = get_object_or_404(Level.objects.select_related("ladder"), pk=level_id)
    try:
        ladders.remove_level(level, by=by, ip=client_ip(request))
    except ladders.LadderError as problem:
        return _page(request, level.ladder, error=str(problem.message))
    messages.success(request, _("Level removed."))
    return redirect("decisions:ladder_version", level.ladder_id)


# --- The public page -----------------------------------------------------------------------


@require_GET
def consequences(request: HttpRequest) -> HttpResponse:
    """The current ladder for everyone, in the visitor's language when its translation is
    complete, else in English (marked as such)."""
    current = ladders.current_ladder()
    if current is None:
        raise Http404("no current ladder")
    language = translation.get_language() or "en"
    levels, shown_in = ladders.for_readers(current, language)
    return render(request, "decisions/consequences.html", {
        "ladder": current, "levels": levels, "text_language": shown_in,
        "text_direction": "rtl" if shown_in.split("-")[0] in {"ar", "fa", "he", "ur"} else "ltr",
        "fell_back": shown_in == "en" and language.split("-")[0] != "en"})
