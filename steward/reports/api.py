"""The reporter side of the API: community tools submit reports, and follow them up with a receipt code.

Thin, like the pages: the request is parsed into the report form's own fields and checked by
`ReportForm` (the same validation, the same messages), then `services.submit_report` stores it;
a follow-up calls `services.find_report` and `services.reporter_view` as the follow-up page does.
Rate limits are the pages' (STEWARD_INTAKE_RATE counts accepted reports, STEWARD_FOLLOWUP_RATE
wrong codes), counted per token instead of per client address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from steward.cases import providers
from steward.core import api, crypto, ratelimit
from steward.registry.models import System

from . import services
from .forms import ACCOUNT_ROWS, ReportForm
from .models import Report
from .views import promises

# What a client may use as an Idempotency-Key: printable ASCII without spaces.
IDEMPOTENCY_KEY = re.compile(r"\A[\x21-\x7e]{1,200}\Z")


class AccountSerializer(serializers.Serializer):
    system = serializers.ChoiceField(choices=System.choices)
    handle = serializers.CharField(allow_blank=True)


class ReportSubmissionSerializer(serializers.Serializer):
    """A report as the reporting form asks for it. Only `narrative` is required; the limits and
    messages are the form's. `evidence` (files) is sent as multipart/form-data."""

    # Blank text is the form's to refuse, with the form's message.
    narrative = serializers.CharField(allow_blank=True, help_text="What happened, in the reporter's words and any language.")
    categories = serializers.ListField(child=serializers.CharField(), required=False,
                                       help_text="Slugs of the current guidelines' behaviour categories.")
    occurred_date = serializers.DateField(required=False, allow_null=True)
    occurred_time = serializers.TimeField(required=False, allow_null=True)
    occurred_approx = serializers.CharField(required=False, allow_blank=True)
    space = serializers.IntegerField(required=False, allow_null=True, help_text="The id of a community space.")
    location = serializers.CharField(required=False, allow_blank=True)
    involved = serializers.CharField(required=False, allow_blank=True)
    accounts = serializers.ListField(child=AccountSerializer(), required=False, max_length=ACCOUNT_ROWS,
                                     help_text="Accounts of the people reported.")
    ongoing = serializers.ChoiceField(choices=Report.Ongoing.choices, required=False)
    danger_now = serializers.BooleanField(required=False, allow_null=True, default=None)
    reporter_role = serializers.ChoiceField(choices=Report.ReporterRole.choices, required=False, allow_blank=True)
    witnesses = serializers.CharField(required=False, allow_blank=True)
    wishes = serializers.CharField(required=False, allow_blank=True)
    consent_contact_reported = serializers.BooleanField(required=False, default=False)
    consent_name_to_reported = serializers.BooleanField(required=False, default=False)
    anonymous = serializers.BooleanField(required=False, default=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    contact_email = serializers.CharField(required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


class ReceiptSerializer(serializers.Serializer):
    receipt_code = serializers.CharField(help_text="Shown to the reporter once; Steward cannot show it again later.")
    danger_now = serializers.BooleanField(allow_null=True)
    repeated = serializers.BooleanField(help_text="True when this answers a repeated Idempotency-Key.")
    ack_hours = serializers.IntegerField()
    response_days = serializers.IntegerField()


TEXT_FIELDS = ("narrative", "occurred_approx", "location", "involved", "witnesses", "wishes", "contact_name",
               "contact_email", "reporter_role")
YES_NO = {True: "yes", False: "no", None: ""}


def _form_input(data: dict[str, Any], submission: str) -> tuple[QueryDict, MultiValueDict[str, UploadedFile[bytes]]]:
    """The API's fields as the report form's inputs (the form then validates them as on the page)."""
    values = QueryDict(mutable=True)
    for name in TEXT_FIELDS:
        values[name] = data.get(name) or ""
    values.setlist("categories", list(data.get("categories") or []))
    for name in ("occurred_date", "occurred_time"):
        values[name] = data[name].isoformat() if data.get(name) else ""
    values["space"] = "" if data.get("space") is None else str(data["space"])
    values["ongoing"] = data.get("ongoing") or Report.Ongoing.UNKNOWN
    values["danger_now"] = YES_NO[data.get("danger_now")]
    values["consent_contact_reported"] = YES_NO[bool(data.get("consent_contact_reported"))]
    values["consent_name_to_reported"] = YES_NO[bool(data.get("consent_name_to_reported"))]
    values["anonymous"] = "anonymous" if data.get("anonymous", True) else "contact"
    values["preferred_language"] = data.get("preferred_language") or settings.LANGUAGE_CODE
    values["submission"] = submission
    for index, account in enumerate(data.get("accounts") or [], start=1):
        values[f"account_system_{index}"], values[f"account_handle_{index}"] = account["system"], account["handle"]
    return values, MultiValueDict({"evidence": list(data.get("evidence") or [])})


def _api_field(name: str) -> str:
    """A form field's name as the API calls it."""
    match = re.fullmatch(r"account_(system|handle)_(\d+)", name)
    return f"accounts.{int(match[2]) - 1}.{match[1]}" if match else name


def _submission_token(request: Request, credentials: api.Credentials) -> str:
    """The form's one-time token for this request. With an Idempotency-Key it is derived from the key and
    the token's secret, so a retry is recognised as the same report and only this token can read its
    receipt code again; without one, a fresh token (every request a new report)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return crypto.new_token()
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise api.refused_input({"Idempotency-Key": [
            _("Use 1 to 200 printable characters without spaces, the same for every retry of one report.")]})
    return crypto.keyed_hash(f"{credentials.secret}\x00{key}", purpose="api-submission")


def _limited(request: Request, scope: str, rate_setting: str, counts: Callable[[int], bool],
             run: Callable[[], Response]) -> Response:
    """The page's rate limit, counted per token: a place is taken first and given back when `counts` says so."""
    limit, window = getattr(settings, rate_setting)
    attempt = ratelimit.reserve(scope, request, limit=limit, window=window, client=api.credentials(request).client)
    if not attempt.allowed:
        raise exceptions.Throttled(wait=attempt.retry_after, detail=_("Too many requests with this token. Try again later."))
    try:
        response = run()
    except exceptions.APIException as refusal:  # an answer to the caller (refused input, a wrong code)
        if not counts(refusal.status_code):
            attempt.release()
        raise
    except BaseException:  # our failure, not the caller's attempt
        attempt.release()
        raise
    if not counts(response.status_code):
        attempt.release()
    return response


class SubmitReport(APIView):
    required_scope = api.Scope.REPORTS_SUBMIT

    @extend_schema(
        operation_id="submit_report", request={"application/json": ReportSubmissionSerializer,
                                               "multipart/form-data": ReportSubmissionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="The same key for every retry of one report: a retry answers with "
                                                 "the same receipt code instead of filing the report twice.")],
        responses={201: ReceiptSerializer, 200: ReceiptSerializer, 409: api.ErrorSerializer, **api.ERRORS},
        summary="Submit a report", description="For community tools that collect reports elsewhere. Returns the receipt "
        "code the reporter follows the report up with; Steward keeps only a keyed hash of it.")
    def post(self, request: Request) -> Response:
        return _limited(request, "intake", "STEWARD_INTAKE_RATE", lambda code: code < 400, lambda: self._submit(request))

    def _submit(self, request: Request) -> Response:
        credentials = api.credentials(request)
        parsed = ReportSubmissionSerializer(data=request.data)
        if not parsed.is_valid():
            raise exceptions.ValidationError(parsed.errors)
        values, files = _form_input(parsed.validated_data, _submission_token(request, credentials))
        form = ReportForm(values, files)
        if not form.is_valid():
            raise api.refused_input({_api_field(name): messages for name, messages in form.errors.items()})
        try:
            receipt = services.receive_report(form.intake())
        except services.DuplicateSubmission as error:
            if error.code is None:
                return Response({"detail": str(error.message)}, status=status.HTTP_409_CONFLICT)
            return Response(self._receipt(error.code, error.danger, repeated=True), status=status.HTTP_200_OK)
        return Response(self._receipt(receipt.code, receipt.danger, repeated=False), status=status.HTTP_201_CREATED)

    @staticmethod
    def _receipt(code: str, danger: bool | None, *, repeated: bool) -> dict[str, Any]:
        return {"receipt_code": code, "danger_now": danger, "repeated": repeated, **promises()}


class FollowUpRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="The receipt code (any case; spaces and dashes are ignored).")


class MessageSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["to_reporter", "from_reporter"])
    author = serializers.CharField(help_text="The staff member's first name; empty for the reporter or the team.")
    at = serializers.DateTimeField()
    body = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.CharField())


class DecisionMessageSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()
    language = serializers.CharField()


class FollowUpSerializer(serializers.Serializer):
    erased = serializers.BooleanField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    handler = serializers.CharField(help_text="First name of the staff member handling it; empty: the community team.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="When the next step is due, while the case is open.")
    decision_summary = serializers.CharField(allow_null=True)
    decision_message = DecisionMessageSerializer(
        allow_null=True, help_text="The decision's message to this reporter, as it was sent; null before one was written.")
    carried_out_on = serializers.DateField(
        allow_null=True, help_text="The day the decision was carried out on every system it applies to; null until then.")
    appeal_contact = serializers.CharField(allow_null=True)
    messages = MessageSerializer(many=True)


def _decision_message(case_id: int, report_id: int) -> dict[str, str] | None:
    found = providers.decisions().reporter_message(case_id, report_id)
    return {"subject": found.subject, "body": found.body, "language": found.language} if found is not None else None


class FollowUp(APIView):
    required_scope = api.Scope.REPORTS_FOLLOW_UP

    @extend_schema(operation_id="follow_up", request=FollowUpRequestSerializer,
                   responses={200: FollowUpSerializer, **api.ERRORS}, summary="Follow a report up with its receipt code",
                   description="What the follow-up page shows the reporter. The code goes in the body, never in the URL; "
                   "reading marks the team's messages as read by the reporter.")
    def post(self, request: Request) -> Response:
        return _limited(request, "follow_up", "STEWARD_FOLLOWUP_RATE", lambda code: code >= 400,
                        lambda: self._follow_up(request))

    def _follow_up(self, request: Request) -> Response:
        parsed = FollowUpRequestSerializer(data=request.data)
        if not parsed.is_valid():
            raise exceptions.ValidationError(parsed.errors)
        found = services.find_report(parsed.validated_data["code"])
        if found is None:
            raise exceptions.NotFound(_("We could not find a report with that code. Check the code and try again."))
        case = found.case
        if found.is_erased:  # nothing to read: the keys are gone
            return Response({"erased": True, "received_at": found.received_at, "status": case.status,
                             "status_label": self._status_label(case.status), "handler": "", "due_at": None,
                             "decision_summary": None, "decision_message": None, "carried_out_on": None,
                             "appeal_contact": None, "messages": []})
        services.reporter_view(found)
        thread = found.messages.select_related("author").prefetch_related("files")
        decided = bool(case.decision_summary_sealed)
        return Response({
            "erased": False, "received_at": found.received_at, "status": case.status,
            "status_label": self._status_label(case.status),
            "handler": case.assignee.first_name if case.assignee and case.assignee.first_name else "",
            "due_at": case.due_at if case.is_open else None,
            "decision_summary": case.decision_summary if decided else None,
            "decision_message": _decision_message(case.pk, found.pk) if decided else None,
            "carried_out_on": rollouts.carried_out_on(case.pk) if decided and (rollouts := providers.rollouts()) else None,
            "appeal_contact": settings.STEWARD_CONTACT_EMAIL if decided else None,
            "messages": [{"direction": message.direction,
                          "author": (message.author.first_name if message.author else "")
                          if message.direction == "to_reporter" else "",
                          "at": message.at, "body": message.body, "files": [file.name for file in message.files.all()]}
                         for message in thread],
        })

    @staticmethod
    def _status_label(value: str) -> str:
        """The reporter's words for a status, as the follow-up page says it."""
        return render_to_string("reports/_reporter_status.html", {"status": value}).strip()
