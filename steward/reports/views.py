"""Reporter pages (no account, no JavaScript needed) and the staff views for reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.cases import providers
from steward.cases.permissions import CaseAction
from steward.core import access, ratelimit
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user
from steward.registry.models import System

from . import held, services
from .forms import AppealForm, CodeForm, ProposalFeedbackForm, ReplyForm, ReportForm, StaffMessageForm, StaffReportForm
from .models import Evidence, Report
from .permissions import ReportAction

SESSION_KEY = "steward_follow_up_report"
RATE_LIMITED = "reports/rate_limited.html"
HOLDS_PER_HOUR = 20  # corrected report forms per client address whose files are kept


def promises() -> dict[str, int]:
    return {"ack_hours": settings.STEWARD_ACK_HOURS, "response_days": settings.STEWARD_FIRST_RESPONSE_DAYS}


def _posted_report_form(request: HttpRequest, form_class: type[ReportForm]) -> ReportForm:
    """The sent report form with the files kept for it. Files the reporter ticked to remove go first;
    when the form comes back for a correction, the new files that passed their checks are kept too.
    A form lists the files it holds (`held_file`), so a first send, which holds none, asks nothing."""
    token = held.valid_token(request.POST.get("submission"))
    if token:
        services.release_files(token, request.POST.getlist("remove_file"))
    form = form_class(request.POST, request.FILES, kept=services.held_files(token, request.POST.getlist("held_file")))
    if not form.is_valid() and token and form.accepted_files:
        # Held files take disk space for a day: a client sending form after form full of files is not kept up with.
        if ratelimit.hit("hold_files", request, limit=HOLDS_PER_HOUR, window=3600):
            services.hold_files(token, form.accepted_files)
            form.held = services.held_files(token)
        else:
            form.add_error("evidence", _("We could not keep your files this time. Please choose them again "
                                         "before you send the form."))
    return form


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("intake", "STEWARD_INTAKE_RATE", counts=ratelimit.accepted, template=RATE_LIMITED)
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reports/report_form.html", {"form": ReportForm(), **promises()})
    form = _posted_report_form(request, ReportForm)
    if not form.is_valid():
        return render(request, "reports/report_form.html", {"form": form, **promises()}, status=400)
    try:
        receipt = services.receive_report(form.intake())
    except services.DuplicateSubmission as error:
        if error.code is None:
            return render(request, "reports/duplicate.html", {"message": error.message}, status=409)
        # The same form again (a reload, a retry, a lost response): the same answer as the first time.
        return render(request, "reports/received.html",
                      {"code": error.code, "danger": error.danger, "again": error.message, **promises()})
    # The code is rendered straight into this response: it is never stored, logged or put in a URL.
    return render(request, "reports/received.html", {"code": receipt.code, "danger": receipt.danger, **promises()})


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("follow_up", "STEWARD_FOLLOWUP_RATE", counts=ratelimit.refused, template=RATE_LIMITED)
def follow_up(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        found = services.find_report(request.POST.get("code", "")) if form.is_valid() else None
        if found is not None:
            request.session.cycle_key()
            request.session[SESSION_KEY] = found.pk
            # A browser-session cookie: on a shared computer the thread is gone once the browser closes.
            request.session.set_expiry(0)
            return redirect("reports:follow_up_case")
        form.add_error(None, _("We could not find a report with that code. Check the code and try again."))
        return render(request, "reports/follow_up.html", {"form": form}, status=400)
    return render(request, "reports/follow_up.html", {"form": form})


def _reporter_report(request: HttpRequest) -> Report | None:
    report_id = request.session.get(SESSION_KEY)
    if report_id is None:
        return None
    return Report.objects.select_related("case", "case__assignee", "data_key").filter(pk=report_id).first()


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("reply", "STEWARD_REPLY_RATE", counts=ratelimit.accepted, template=RATE_LIMITED)
def follow_up_case(request: HttpRequest) -> HttpResponse:
    found = _reporter_report(request)
    if found is None:
        return redirect("reports:follow_up")
    if found.is_erased:  # nothing to read or answer: the keys are gone
        return render(request, "reports/follow_up_erased.html", {"report": found})
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            services.reporter_reply(found, body=form.cleaned_data["body"], files=form.cleaned_data["files"])
            messages.success(request, _("Thank you. Your message was sent to the people handling your report."))
            return redirect("reports:follow_up_case")
    return _case_page(request, found, form=form)


def _case_page(request: HttpRequest, found: Report, *, form: ReplyForm | None = None,
               appeal_form: AppealForm | None = None, feedback_form: ProposalFeedbackForm | None = None,
               feedback_refused: str = "") -> HttpResponse:
    """The reporter's page of their report, audited as read; 400 when one of its forms was refused."""
    services.reporter_view(found)
    case = found.case
    systems = dict(System.choices)
    forms = [form, appeal_form, feedback_form]
    context = {
        "report": found,
        "case": case,
        "thread": found.messages.select_related("author").prefetch_related("files"),
        "handler": case.assignee.first_name if case.assignee and case.assignee.first_name else "",
        # What the reporter sent in the first place, shown back to them only.
        "sent_files": found.evidence.filter(message__isnull=True),
        "sent_accounts": [(systems.get(system, system), handle) for system, handle in found.accounts],
        "contact_email": settings.STEWARD_CONTACT_EMAIL,
        "form": form or ReplyForm(),
        "feedback_refused": feedback_refused,
        "carried_out_on": rollouts.carried_out_on(case.pk) if (rollouts := providers.rollouts()) else None,
        **_appeal_context(found, appeal_form),
        **_proposal_context(found, feedback_form),
        **promises(),
    }
    refused = feedback_refused or any(bound is not None and bound.errors for bound in forms)
    return render(request, "reports/follow_up_case.html", context, status=400 if refused else 200)


# --- Appealing the decision (the decisions app answers, through cases.providers) --------------


def _appeal_context(found: Report, appeal_form: AppealForm | None = None) -> dict[str, object]:
    appeal = providers.appeals().for_reporter(found.case_id, found.pk)
    return {"appeal": appeal, "appeal_form": appeal_form or AppealForm(), "appeal_days": settings.STEWARD_APPEAL_DAYS,
            # The decision's message to this reporter, as it was sent (the outcome in their language).
            "decision_message": providers.decisions().reporter_message(found.case_id, found.pk)}


@require_POST
@ratelimit.limit_posts("appeal", "STEWARD_APPEAL_RATE", counts=ratelimit.accepted, template=RATE_LIMITED)
def follow_up_appeal(request: HttpRequest) -> HttpResponse:
    """The reporter appeals the decision on their case, while its window is open."""
    found = _reporter_report(request)
    if found is None:
        return redirect("reports:follow_up")
    if found.is_erased:
        return render(request, "reports/follow_up_erased.html", {"report": found})
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            providers.appeals().appeal_as_reporter(found.case_id, found.pk, form.cleaned_data["grounds"])
        except DomainError as error:
            form.add_error("grounds", str(error.message))
        else:
            messages.success(request, _("Your appeal was received. Someone who took no part in the decision "
                                        "reviews it; you will read the outcome here."))
            return redirect("reports:follow_up_case")
    return _case_page(request, found, appeal_form=form)


# --- Feedback on a proposed outcome (the decisions app answers, through cases.providers) ------


def _proposal_context(found: Report, feedback_form: ProposalFeedbackForm | None = None) -> dict[str, object]:
    return {"proposed": providers.proposal_feedback().for_reporter(found.case_id, found.pk),
            "feedback_form": feedback_form or ProposalFeedbackForm()}


@require_POST
@ratelimit.limit_posts("proposal_feedback", "STEWARD_APPEAL_RATE", counts=ratelimit.accepted, template=RATE_LIMITED)
def follow_up_feedback(request: HttpRequest) -> HttpResponse:
    """The reporter's feedback on the outcome proposed for their case, while the proposal is open."""
    found = _reporter_report(request)
    if found is None:
        return redirect("reports:follow_up")
    if found.is_erased:
        return render(request, "reports/follow_up_erased.html", {"report": found})
    form = ProposalFeedbackForm(request.POST)
    refused = ""
    if form.is_valid():
        try:
            providers.proposal_feedback().give_feedback(found.case_id, found.pk, form.cleaned_data["feedback"],
                                                        form.agreement())
        except DomainError as error:
            refused = str(error.message)  # closed meanwhile, or given already: said plainly, nothing recorded
        else:
            messages.success(request, _("Thank you. Your feedback was recorded; the people deciding read it "
                                        "before they decide."))
            return redirect("reports:follow_up_case")
    return _case_page(request, found, feedback_form=form, feedback_refused=refused)


@require_POST
def follow_up_leave(request: HttpRequest) -> HttpResponse:
    """Forget the report on this device (the session), not the report: it stays with the people handling it."""
    found = _reporter_report(request)
    still_open = found is not None and not found.is_erased and found.case.is_open
    request.session.flush()
    if still_open:
        messages.info(request, _("You are signed out of your report on this device. Your report is still open: "
                                 "signing out does not withdraw or close it. Enter your receipt code to open it again."))
    else:
        messages.info(request, _("You are signed out of your report on this device. Signing out does not change "
                                 "your report. Enter your receipt code to open it again."))
    return redirect("reports:follow_up")


@login_required
@require_http_methods(["GET", "POST"])
def staff_record(request: HttpRequest) -> HttpResponse:
    access.require(request.user, ReportAction.RECORD_REPORT)
    if request.method == "GET":
        return render(request, "reports/staff_record.html", {"form": StaffReportForm()})
    form = _posted_report_form(request, StaffReportForm)
    if form.is_valid():
        try:
            saved, code = services.submit_report(form.intake(), recorded_by=staff_user(request), ip=client_ip(request))
        except services.DuplicateSubmission as error:
            if error.code is None or error.report is None:
                form.add_error(None, str(error.message))
            else:  # the same form again: the same code as the first time
                return render(request, "reports/staff_recorded.html",
                              {"report": error.report, "code": error.code, "again": error.message})
        else:
            return render(request, "reports/staff_recorded.html", {"report": saved, "code": code})
    return render(request, "reports/staff_record.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def staff_message(request: HttpRequest, report_id: int) -> HttpResponse:
    # Before the input, so an outsider learns nothing.
    found = access.fetch(request.user, CaseAction.MESSAGE, Report.objects.select_related("case", "data_key"), report_id)
    form = StaffMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The message is empty."))
    else:
        try:
            services.message_reporter(found, by=staff_user(request), body=form.cleaned_data["body"], ip=client_ip(request))
            messages.success(request, _("Message sent. The reporter is told by email (without its content) if they left an address."))
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect("cases:detail", found.case_id)


@login_required
@require_GET
def staff_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = access.fetch(request.user, CaseAction.EVIDENCE,
                            Evidence.objects.select_related("report__case", "report__data_key"), evidence_id)
    stream = services.evidence_for_staff(evidence, by=staff_user(request), ip=client_ip(request))
    # Decrypted a segment at a time as it is sent; the response closes the stream.
    response = FileResponse(stream, content_type="application/octet-stream")
    response.block_size = 64 * 1024
    response["Content-Length"] = str(evidence.size)
    # Always a download, never rendered inline, whatever the file claims to be.
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
@require_GET
def staff_evidence_preview(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence image shown on the case page: never the original, always a copy Steward re-encoded."""
    evidence = access.fetch(request.user, CaseAction.EVIDENCE,
                            Evidence.objects.select_related("report__case", "report__data_key"), evidence_id)
    copy = services.evidence_preview_for_staff(evidence, by=staff_user(request), ip=client_ip(request))
    if copy is None:
        raise Http404
    data, content_type = copy
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
