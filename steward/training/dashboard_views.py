"""The completion dashboard, its CSV, the survey's results and the certificates. Thin: the services
in `dashboard` and `certificates` check permission and audit."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from steward.core import access, spreadsheet
from steward.core.http import client_ip, staff_user

from . import certificates, dashboard
from .models import Course


class FilterForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.order_by("slug"), required=False,
                                    empty_label=_("All courses"))
    team = forms.CharField(label=_("Team"), required=False, max_length=100)
    role = forms.CharField(label=_("Role"), required=False, max_length=150)

    def filters(self) -> dashboard.Filters:
        if not self.is_valid():
            return dashboard.Filters()
        course = self.cleaned_data["course"]
        return dashboard.Filters(course=course.pk if course else None, team=self.cleaned_data["team"],
                                 role=self.cleaned_data["role"])


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    by = staff_user(request)
    form = FilterForm(request.GET or None)
    found = dashboard.build(by=by, filters=form.filters())
    return render(request, "training/dashboard.html", {
        "form": form, "dashboard": found, "standings": dashboard.STANDINGS,
        "surveys": dashboard.survey_results(by=by, course=None),
        "owned": set(Course.objects.filter(owners=by).values_list("pk", flat=True)),
        "query": request.GET.urlencode()})


def _csv(rows: Iterator[list[str]]) -> Iterator[str]:
    class Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Line())
    for row in rows:
        yield writer.writerow([spreadsheet.safe_cell(cell) for cell in row])


@login_required
@require_GET
def dashboard_export(request: HttpRequest) -> StreamingHttpResponse:
    by = staff_user(request)
    rows = dashboard.export_rows(by=by, filters=FilterForm(request.GET or None).filters())
    response = StreamingHttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="training-completions.csv"'
    return response


@login_required
@require_GET
def survey_comments(request: HttpRequest, course_id: int) -> HttpResponse:
    by = staff_user(request)
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise access.Hidden()
    comments = dashboard.survey_comments(course, by=by, ip=client_ip(request))
    return render(request, "training/survey_comments.html", {"course": course, "comments": comments})


@login_required
@require_GET
def certificate(request: HttpRequest, completion_id: int) -> HttpResponse:
    """A certificate, for its learner (from /learn/) or a coordinator (from /staff/training/)."""
    found = certificates.completion_for(completion_id, by=request.user)
    response = HttpResponse(certificates.certificate_pdf(found, by=request.user, ip=client_ip(request)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{found.version.course.slug}.pdf"'
    return response


# The learner's own route to their certificates (added to learner_urls).
certificate_urlpatterns: list[URLPattern] = [
    path("certificates/<int:completion_id>.pdf", certificate, name="certificate"),
]
