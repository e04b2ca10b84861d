"""Public guideline pages, How to Report, the embeddable snippet, and the staff editor.

Thin: parse, call a service, render. Only administrators edit guidelines.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access, markup, ratelimit
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user

from . import locales, reading, services
from .forms import DraftForm, NewVersionForm, PublishForm, SubscribeForm, TranslationForm
from .models import SOURCE_LANGUAGE, GuidelineTranslation, GuidelineVersion, VersionNumber
from .permissions import PolicyAction

# --- Public pages ----------------------------------------------------------------------------


def _read(request: HttpRequest, version: GuidelineVersion, *, current: GuidelineVersion | None = None,
          template: str = "policy/guidelines.html", **extra: Any) -> HttpResponse:
    wanted = locales.reader_locale(request)
    statuses = services.translation_statuses(version)  # once: the document and the language list both use them
    document = reading.build(version, wanted, status=next((s for s in statuses if s.locale == wanted), None))
    current = current or services.current_version()
    available = [status.locale for status in statuses if status.status == "complete"]
    context = {
        "document": document,
        "version": version,
        "current": current,
        "is_current": current is not None and current.pk == version.pk,
        "upcoming": services.upcoming_version(),
        "today": timezone.localdate(),
        "languages": [(SOURCE_LANGUAGE, locales.name(SOURCE_LANGUAGE)), *[(code, locales.name(code)) for code in available]],
        **extra,
    }
    response = render(request, template, context)
    response["Content-Language"] = document.locale
    response["Vary"] = "Accept-Language, Cookie"
    return response


@require_GET
def guidelines(request: HttpRequest) -> HttpResponse:
    version = services.current_version()
    if version is None:
        raise Http404("no published guidelines")
    return _read(request, version, current=version)


@require_GET
def version(request: HttpRequest, number: str) -> HttpResponse:
    parsed = VersionNumber.parse(number)
    if parsed is None:
        raise Http404("not a version number")
    found = services.published_version(parsed)
    if found is None:
        raise Http404("no such published version")
    if str(parsed) != number:  # "2" → "2.0": one address per version
        target = reverse("policy:version", args=[str(parsed)])
        return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target, permanent=True)
    return _read(request, found)


@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    wanted = locales.reader_locale(request)
    current = services.current_version()
    return render(request, "policy/changes.html", {
        "entries": reading.changelog_entries(wanted), "wanted": wanted, "current": current,
        "language_name": locales.name(wanted), "direction": locales.direction(wanted),
    })


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    language = locales.reader_locale(request)
    form = SubscribeForm(request.POST or None, initial={"language": language})
    if request.method == "POST":
        limit, window = settings.STEWARD_INTAKE_RATE
        attempt = ratelimit.reserve("guideline_subscribe", request, limit=limit, window=window)
        if not attempt.allowed:
            return ratelimit.please_wait(request, attempt, template="reports/rate_limited.html")
        if form.is_valid():
            try:
                services.subscribe(form.cleaned_data["email"], language=form.cleaned_data["language"])
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                return render(request, "policy/subscribe_sent.html")
    return render(request, "policy/subscribe.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows a button: mail scanners that open links must not confirm anything.
    valid = services.subscriber_for(token, purpose="confirm") is not None
    if request.method == "POST" and valid:
        services.confirm_subscription(token)
        return render(request, "policy/subscription_done.html", {"confirmed": True})
    return render(request, "policy/subscription_link.html", {"valid": valid, "action": "confirm"},
                  status=200 if valid else 400)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    valid = services.subscriber_for(token, purpose="unsubscribe") is not None
    if request.method == "POST" and valid:
        services.unsubscribe(token)
        return render(request, "policy/subscription_done.html", {"confirmed": False})
    return render(request, "policy/subscription_link.html", {"valid": valid, "action": "unsubscribe"},
                  status=200 if valid else 400)


def duration(hours: int) -> str:
    """A response target in words: whole days when it is a number of days, otherwise hours."""
    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        if days % 7 == 0:
            weeks = days // 7
            return ngettext("%(count)d week", "%(count)d weeks", weeks) % {"count": weeks}
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def promises() -> dict[str, Any]:
    """The organisation's real response targets, straight from settings."""
    sla = settings.STEWARD_SLA_HOURS
    return {
        "organisation": settings.STEWARD_ORGANISATION_NAME,
        "contact_email": settings.STEWARD_CONTACT_EMAIL,
        "ack": duration(settings.STEWARD_ACK_HOURS),
        "response_days": settings.STEWARD_FIRST_RESPONSE_DAYS,
        "response": ngettext("%(count)d day", "%(count)d days", settings.STEWARD_FIRST_RESPONSE_DAYS)
        % {"count": settings.STEWARD_FIRST_RESPONSE_DAYS},
        "priorities": [
            ("P1", _("Someone's safety is at risk, for example threats of violence or stalking."), duration(sla["P1"])),
            ("P2", _("Serious or ongoing harm, or behaviour by staff or community leaders."), duration(sla["P2"])),
            ("P3", _("A violation that is not ongoing and does not put anyone at risk."), duration(sla["P3"])),
            ("P4", _("Minor problems, or things outside the code of conduct."), duration(sla["P4"])),
        ],
    }


@require_GET
def how_to_report(request: HttpRequest) -> HttpResponse:
    return render(request, "policy/how_to_report.html", promises())


def _absolute(name: str) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse(name)


def snippet_context() -> dict[str, Any]:
    return {
        "organisation": settings.STEWARD_ORGANISATION_NAME,
        "contact_email": settings.STEWARD_CONTACT_EMAIL,
        "guidelines_url": _absolute("policy:guidelines"),
        "how_to_report_url": _absolute("policy:how_to_report"),
        "report_url": _absolute("reports:report"),
        "changes_url": _absolute("policy:changes"),
    }


@require_GET
def code_of_conduct_md(request: HttpRequest) -> HttpResponse:
    text = render_to_string("policy/CODE_OF_CONDUCT.md", snippet_context(), request=request)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="CODE_OF_CONDUCT.md"'
    return response


@require_GET
def embed(request: HttpRequest) -> HttpResponse:
    context = snippet_context()
    context["markdown"] = render_to_string("policy/CODE_OF_CONDUCT.md", context, request=request)
    context["badge"] = render_to_string("policy/badge.html", context, request=request).strip()
    return render(request, "policy/embed.html", context)


# --- Staff pages ------------------------------------------------------------------------------


def _editor(request: HttpRequest) -> Any:
    access.require(request.user, PolicyAction.EDIT_GUIDELINES)
    return staff_user(request)


def _version(version_id: int) -> GuidelineVersion:
    return get_object_or_404(GuidelineVersion, pk=version_id)


@login_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    by = _editor(request)
    draft = services.open_draft()
    latest = services.latest_version()
    suggested = f"{latest.major + 1}.0" if latest else "1.0"
    form = NewVersionForm(request.POST or None, initial={"number": suggested, "effective_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_draft(by=by, number=form.cleaned_data["number"],
                                            effective_date=form.cleaned_data["effective_date"],
                                            changelog=form.cleaned_data["changelog"], ip=client_ip(request))
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Draft %(number)s created from the newest version. Edit it below.")
                             % {"number": created.number})
            return redirect("policy:staff_edit", created.pk)
    versions = list(GuidelineVersion.objects.newest_first().select_related("published_by", "created_by"))
    every_status = services.translation_statuses_of(versions)  # a few queries for every version and language
    rows = []
    for item in versions:
        statuses = every_status[item.pk]
        rows.append({"version": item, "complete": sum(s.status == "complete" for s in statuses),
                     "outdated": sum(s.status == "outdated" for s in statuses), "total": len(statuses)})
    return render(request, "policy/staff/list.html", {
        "rows": rows, "form": form, "draft": draft, "current": services.current_version(),
    }, status=400 if form.errors else 200)


def _preview_sections(form: DraftForm) -> list[tuple[str, str, Any]]:
    out = []
    for label, title, body in form.section_fields():
        value = form.data.get(body.html_name, "")
        error = body.errors
        out.append((label, form.data.get(title.html_name, ""), None if error else markup.render(value)))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    by = _editor(request)
    found = _version(version_id)
    if found.is_published:
        messages.info(request, _("Version %(number)s is published and can no longer change. Start a new version to "
                                 "make changes.") % {"number": found.number})
        return redirect("policy:staff_list")
    form = DraftForm(request.POST or None, version=found)
    preview = None
    if request.method == "POST":
        valid = form.is_valid()
        if "preview" in request.POST:
            preview = _preview_sections(form)
        elif valid:
            try:
                services.save_draft(found, by=by, number=form.cleaned_data["number"],
                                    effective_date=form.cleaned_data["effective_date"],
                                    changelog=form.cleaned_data["changelog"], sections=form.sections(),
                                    categories=form.cleaned_data["categories"],
                                    characteristics=form.cleaned_data["characteristics"], ip=client_ip(request))
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Draft saved."))
                return redirect("policy:staff_edit", found.pk)
    return render(request, "policy/staff/edit.html", {"version": found, "form": form, "preview": preview},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def staff_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    by = _editor(request)
    found = _version(version_id)
    form = PublishForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_version(found, by=by, notify_subscribers=form.cleaned_data["notify_subscribers"],
                                     ip=client_ip(request))
        except DomainError as problem:
            error = str(problem.message)
        else:
            messages.success(request, _("Version %(number)s is published. It takes effect on %(date)s.")
                             % {"number": found.number, "date": found.effective_date.isoformat()})
            return redirect("policy:staff_list")
    document = reading.build(found, SOURCE_LANGUAGE)
    return render(request, "policy/staff/publish.html", {
        "version": found, "form": form, "error": error, "document": document,
        "previous": GuidelineVersion.objects.published().newest_first().exclude(pk=found.pk).first(),
    }, status=400 if error else 200)


@login_required
@require_POST
def staff_delete(request: HttpRequest, version_id: int) -> HttpResponse:
    by = _editor(request)
    found = _version(version_id)
    try:
        services.delete_draft(found, by=by, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The draft was deleted."))
    return redirect("policy:staff_list")


@login_required
@require_GET
def staff_translations(request: HttpRequest, version_id: int) -> HttpResponse:
    _editor(request)
    found = _version(version_id)
    statuses = services.translation_statuses(found)
    return render(request, "policy/staff/translations.html", {
        "version": found,
        "rows": [{"status": s, "name": locales.name(s.locale), "english": locales.english_name(s.locale)} for s in statuses],
    })


@login_required
@require_http_methods(["GET", "POST"])
def staff_translation(request: HttpRequest, version_id: int, locale: str) -> HttpResponse:
    by = _editor(request)
    found = _version(version_id)
    if not locales.is_known(locale):
        return render(request, "policy/staff/unknown_locale.html", {
            "version": found, "locale": locale, "known": locales.configured()}, status=404)
    existing = GuidelineTranslation.objects.filter(version=found, locale=locale).first()
    form = TranslationForm(request.POST or None, version=found, locale=locale, translation=existing)
    preview = None
    if request.method == "POST":
        if "confirm_section" in request.POST:
            try:
                services.confirm_translation_current(found, locale, request.POST["confirm_section"], by=by,
                                                     ip=client_ip(request))
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Marked as matching the current English text."))
            return redirect("policy:staff_translation", found.pk, locale)
        valid = form.is_valid()
        if "preview" in request.POST:
            preview = [(row["label"], form.data.get(row["title"].html_name, ""),
                        None if row["body"].errors else markup.render(form.data.get(row["body"].html_name, "")))
                       for row in form.section_rows()]
        elif valid:
            try:
                services.save_translation(found, locale, form.data_for_service(), by=by, ip=client_ip(request))
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Translation saved."))
                return redirect("policy:staff_translation", found.pk, locale)
    status = services.translation_status(found, locale)
    return render(request, "policy/staff/translation.html", {
        "version": found, "locale": locale, "name": locales.name(locale), "english": locales.english_name(locale),
        "direction": locales.direction(locale), "form": form, "status": status, "preview": preview,
        "stale": set(status.stale_sections),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def receiving(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "is_staff", False) or not request.user.is_active:
        raise PermissionDenied
    context = promises()
    context["can_edit_guidelines"] = access.can(request.user, PolicyAction.EDIT_GUIDELINES)
    return render(request, "policy/staff/receiving.html", context)
