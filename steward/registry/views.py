"""Screening (screeners), referrals (the working group) and the registry's people and records.
Thin: each view parses a form, calls the service (which checks permission) and renders."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access
from steward.core.http import client_ip, staff_user

from . import people, records, screening
from .forms import (
    ApplicantForm,
    ApplicantsFileForm,
    LinkForm,
    NameForm,
    ReasonForm,
    RecordForm,
    RecordsFileForm,
    ReferralDecisionForm,
    SearchForm,
)
from .models import Identity, Person, PersonName, Screening
from .people import RegistryError
from .permissions import RegistryAction


def _refused(form: Any, error: RegistryError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _file_bytes(form: Any, limit: int) -> bytes | None:
    """The uploaded file, or None (with the error on the form) when it is larger than `limit`."""
    upload = form.cleaned_data["file"]
    if upload.size > limit:
        form.add_error("file", _("The file is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)})
        return None
    data: bytes = upload.read()
    return data


# --- Screening --------------------------------------------------------------------------------


def _screenings_page(request: HttpRequest, *, person_form: ApplicantForm | None = None,
                     file_form: ApplicantsFileForm | None = None, status: int = 200) -> HttpResponse:
    by = staff_user(request)
    return render(request, "registry/screenings.html", {
        "screenings": screening.my_screenings(by)[:50], "person_form": person_form or ApplicantForm(prefix="one"),
        "file_form": file_form or ApplicantsFileForm(prefix="csv")}, status=status)


@login_required
@require_GET
def screenings(request: HttpRequest) -> HttpResponse:
    return _screenings_page(request)


@login_required
@require_POST
def screen_person(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    access.require(by, RegistryAction.SCREEN)
    form = ApplicantForm(request.POST, prefix="one")
    if form.is_valid():
        given = form.applicant()
        if not form.errors:
            try:
                applicant = screening.check_applicant(**given)  # type: ignore[arg-type]
                done = screening.screen([screening.Row(1, applicant)], purpose=form.cleaned_data["purpose"],
                                        channel=Screening.Channel.FORM, by=by, ip=client_ip(request))
            except RegistryError as error:
                _refused(form, error)
            else:
                return redirect("registry:screening", done.pk)
    return _screenings_page(request, person_form=form, status=400)


@login_required
@require_POST
def screen_file(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    access.require(by, RegistryAction.SCREEN)
    form = ApplicantsFileForm(request.POST, request.FILES, prefix="csv")
    if form.is_valid() and (data := _file_bytes(form, settings.STEWARD_SCREENING_MAX_BYTES)) is not None:
        try:
            done = screening.screen(screening.rows_from_csv(data), purpose=form.cleaned_data["purpose"],
                                    channel=Screening.Channel.CSV, by=by, ip=client_ip(request))
        except RegistryError as error:
            _refused(form, error)
        else:
            return redirect("registry:screening", done.pk)
    return _screenings_page(request, file_form=form, status=400)


@login_required
@require_GET
def screening_page(request: HttpRequest, screening_id: int) -> HttpResponse:
    by = staff_user(request)
    found = screening.screening_for(screening_id, by=by)
    answers = screening.answers(found, by=by, ip=client_ip(request))
    return render(request, "registry/screening.html", {
        "screening": found, "answers": answers,
        "clear": sum(answer.result == "clear" for answer in answers),
        "referred": sum(answer.result == "referred" for answer in answers)})


@login_required
@require_GET
def screening_export(request: HttpRequest, screening_id: int) -> HttpResponse:
    by = staff_user(request)
    found = screening.screening_for(screening_id, by=by)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="screening-{found.pk}.csv"'
    csv.writer(response).writerows(screening.export_rows(screening.answers(found, by=by, ip=client_ip(request))))
    return response


# --- Referrals (the working group) ------------------------------------------------------------


@login_required
@require_GET
def referrals(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    return render(request, "registry/referrals.html", {"open": screening.open_referrals(by=by),
                                                       "decided": screening.decided_referrals(by=by)})


@login_required
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    by = staff_user(request)
    form = ReferralDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        view = screening.read_referral(referral_id, by=by, ip=client_ip(request))
        if form.is_valid():
            try:
                screening.decide_referral(referral_id, outcome=form.cleaned_data["outcome"],
                                          conditions=form.cleaned_data["conditions"], note=form.cleaned_data["note"],
                                          by=by, ip=client_ip(request))
            except RegistryError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Decided. The screener is told the outcome, and nothing else."))
                return redirect("registry:referrals")
    else:
        view = screening.read_referral(referral_id, by=by, ip=client_ip(request))
    return render(request, "registry/referral.html", {"view": view, "form": form},
                  status=400 if form.errors else 200)


# --- People and records -----------------------------------------------------------------------


@login_required
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(request, "registry/people.html", {
        "form": form, "query": query, "people": people.people_with_records(by=by, query=query),
        "can_enter": access.can(by, RegistryAction.ENTER_RECORDS)})


def _person_page(request: HttpRequest, person_id: int, *, forms: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    by = staff_user(request)
    view = people.read_person(person_id, by=by, ip=client_ip(request))
    forms = {"name_form": NameForm(prefix="name"), "link_form": LinkForm(prefix="link"),
             "reason_form": ReasonForm(prefix="reason"), **(forms or {})}
    return render(request, "registry/person.html", {"view": view, **forms}, status=status)


@login_required
@require_GET
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    return _person_page(request, person_id)


def _person(request: HttpRequest, person_id: int) -> Person:
    """The person a change is for: only people with records have a page (and so can be changed here)."""
    access.require(request.user, RegistryAction.PEOPLE)
    found = Person.objects.filter(pk=person_id, violation_records__isnull=False).distinct().first()
    if found is None:
        raise access.Hidden(RegistryAction.PEOPLE)
    return found


def _change(request: HttpRequest, found: Person, form_class: type[Any], prefix: str,
            change: Callable[[dict[str, Any], User, str | None], object], done: str) -> HttpResponse:
    """A change on a person's page: parse its form, call the service, say it is done or show why not."""
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            change(form.cleaned_data, staff_user(request), client_ip(request))
        except RegistryError as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect("registry:person", found.pk)
    return _person_page(request, found.pk, forms={f"{prefix}_form": form}, status=400)


@login_required
@require_POST
def add_name(request: HttpRequest, person_id: int) -> HttpResponse:
    found = _person(request, person_id)
    return _change(request, found, NameForm, "name", lambda data, by, ip: people.add_name(
        found, name=data["name"], kind=data["kind"], reason=data["reason"], by=by, ip=ip), _("Name added."))


@login_required
@require_POST
def remove_name(request: HttpRequest, person_id: int, name_id: int) -> HttpResponse:
    found = _person(request, person_id)
    row = PersonName.objects.filter(pk=name_id, person=found).select_related("person").first()
    if row is None:
        raise access.Hidden(RegistryAction.PEOPLE)
    return _change(request, found, ReasonForm, "reason", lambda data, by, ip: people.remove_name(
        row, reason=data["reason"], by=by, ip=ip), _("Name removed."))


@login_required
@require_POST
def link(request: HttpRequest, person_id: int) -> HttpResponse:
    found = _person(request, person_id)
    return _change(request, found, LinkForm, "link", lambda data, by, ip: people.link_identity(
        found, system=data["system"], handle=data["handle"], reason=data["reason"], by=by, ip=ip),
        _("Account linked to this person."))


@login_required
@require_POST
def unlink(request: HttpRequest, person_id: int, identity_id: int) -> HttpResponse:
    found = _person(request, person_id)
    identity = Identity.objects.filter(pk=identity_id, person=found).first()
    if identity is None:
        raise access.Hidden(RegistryAction.PEOPLE)
    return _change(request, found, ReasonForm, "reason", lambda data, by, ip: people.unlink_identity(
        identity, reason=data["reason"], by=by, ip=ip), _("Account unlinked: it is no longer this person's."))


@login_required
@require_POST
def merge(request: HttpRequest, person_id: int, other_id: int) -> HttpResponse:
    found = _person(request, person_id)
    # Only a person Steward suggests can be merged in from here.
    suggested = {suggestion.person.pk: suggestion.person for suggestion in people.suggestions(found, by=staff_user(request))}
    if other_id not in suggested:
        raise access.Hidden(RegistryAction.PEOPLE)
    return _change(request, found, ReasonForm, "reason", lambda data, by, ip: people.merge_people(
        found, suggested[other_id], reason=data["reason"], by=by, ip=ip),
        _("Linked: the suggested accounts and names are this person's now."))


@login_required
@require_http_methods(["GET", "POST"])
def enter_record(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    access.require(by, RegistryAction.ENTER_RECORDS)
    form = RecordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accounts = form.accounts_given()
        if not form.errors:
            data = form.cleaned_data
            try:
                record = records.enter_record(records.EnteredRecord(
                    name=data["name"], aliases=tuple(records.split_list(data["aliases"])),
                    emails=tuple(records.split_list(data["emails"])), accounts=tuple(accounts), level=data["level"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"], reference=data["reference"],
                    restricted=data["restricted"]), by=by, ip=client_ip(request))
            except RegistryError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Record entered."))
                return redirect("registry:person", record.person_id)
    return render(request, "registry/enter_record.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_records(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    access.require(by, RegistryAction.ENTER_RECORDS)
    form = RecordsFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid() and (data := _file_bytes(form, records.MAX_IMPORT_BYTES)) is not None:
        try:
            report = records.import_records(data, by=by)
        except RegistryError as error:
            _refused(form, error)
        else:
            if not report.errors:
                messages.success(request, ngettext("%(count)s record imported.", "%(count)s records imported.",
                                                   report.imported) % {"count": report.imported})
                return redirect("registry:people")
    failed = bool(form.errors or (report is not None and report.errors))
    return render(request, "registry/import_records.html", {"form": form, "report": report},
                  status=400 if failed else 200)
