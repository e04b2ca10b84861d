"""The case queue and one case, for a `cases:read` token acting as its owner.

Thin, like the pages: the queue's filters are the queue page's form, the rows come from
`services.queue` and `services.read_queue` (audited as `case.queue`), and a case is read through
`visible_case()`, which puts the case page's read model (`reading.read_case`, audited as
`case.view`) into the API's shape, so the API decides nothing the page does not. A case the
owner may not view, conflicted or not, answers exactly like one that does not exist: 404.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from steward.core import access, api
from steward.core.http import client_ip

from . import reading, services
from .forms import QueueFilterForm
from .models import Part, Priority, Status
from .permissions import CaseAction
from .views import PAGE_SIZE


def _name(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _queue_row(row: services.QueueRow) -> dict[str, Any]:
    """What one line of the queue page shows."""
    case = row.case
    return {"id": case.pk, "reference": case.reference, "title": row.title, "categories": row.categories,
            "unread": row.unread, "priority": case.priority, "status": case.status, "due_at": case.due_at,
            "overdue": case.is_overdue, "danger": case.danger, "space": case.space.name if case.space else None,
            "assignee": _name(case.assignee), "language": case.language, "opened_at": case.opened_at}


def _report(part: reading.ReportPart, parts: frozenset[str]) -> dict[str, Any]:
    """One report as the read model holds it: its text only with the reports part, files only with evidence."""
    shown: dict[str, Any] = {"id": part.pk, "reference": part.reference}
    report = part.details
    if report is not None:
        shown |= {
            "received_at": report.received_at, "channel": report.channel, "recorded_by": _username(report.recorded_by),
            "occurred_at": report.occurred_at, "occurred_approx": report.occurred_approx,
            "space": str(report.space) if report.space else None, "location": report.location,
            "reporter_role": report.reporter_role, "anonymous": report.anonymous,
            "contact_name": "" if report.anonymous else report.contact_name,
            "contact_email": "" if report.anonymous else report.contact_email,
            "categories": report.category_labels if report.categories_sealed else [],
            "ongoing": report.ongoing, "danger_now": report.danger_now,
            "consent_contact_reported": report.consent_contact_reported,
            "consent_name_to_reported": report.consent_name_to_reported,
            "preferred_language": report.preferred_language, "detected_language": report.detected_language,
            "narrative": report.narrative, "involved": report.involved, "witnesses": report.witnesses,
            "wishes": report.wishes,
            "messages": [{"direction": line.message.direction, "author": _username(line.message.author),
                          "at": line.message.at, "read_at": line.message.read_at, "body": line.message.body,
                          "files": [file.name for file in line.files]}
                         for line in part.messages],
        }
    if Part.EVIDENCE in parts:
        shown["evidence"] = [{"id": file.pk, "name": file.name, "content_type": file.content_type, "size": file.size}
                             for file in part.evidence]
    return shown


def visible_case(by: Any, case_id: int, *, ip: str | None) -> dict[str, Any]:
    """What the case page shows this staff member of one case, audited once as the page is: the
    case's read model (`reading.read_case`), put into the API's shape. A case they may not read
    answers as one that does not exist."""
    try:
        view = reading.read_case(by, case_id, ip=ip)
    except access.Denied:
        raise access.Hidden(CaseAction.VIEW) from None
    case = view.case
    shown: dict[str, Any] = {"id": case.pk, "reference": case.reference, "parts": sorted(view.parts), "full": view.full,
                             "actions": sorted(view.allowed), "erased": case.is_erased}
    if view.summary is not None:
        shown["summary"] = {
            "title": case.title, "priority": case.priority, "status": case.status, "danger": case.danger,
            "due_at": case.due_at, "overdue": case.is_overdue, "assignee": _name(case.assignee),
            "space": str(case.space) if case.space else None, "language": case.language,
            "merged_into": case.merged_into.reference if case.merged_into else None,
            "decision_summary": case.decision_summary if case.decision_summary_sealed and not case.is_erased else None,
        }
    if case.is_erased:  # the keys are gone: the page shows the summary only
        return shown
    if view.parts & {Part.REPORTS, Part.EVIDENCE}:
        shown["reports"] = [_report(part, view.parts) for part in view.report_parts]
    if view.timeline is not None:
        shown["timeline"] = [{"at": line.event.at, "kind": line.event.kind, "description": line.event.describe(),
                              "actor": _username(line.event.actor), "detail": line.detail}
                             for line in view.timeline]
    if view.notes is not None:
        shown["notes"] = [{"author": _username(note.author), "at": note.at, "body": note.body} for note in view.notes]
        shown["triages"] = [{"at": triage.at, "by": _username(triage.by), "priority": triage.priority,
                             "proposed": triage.proposed, "reason": triage.reason}
                            for triage in view.triages]
    if view.parties is not None:
        shown["parties"] = [{"role": party.role, "accounts": [{"system": identity.system, "handle": identity.handle}
                                                             for identity in party.person.identities.all()]}
                            for party in view.parties]
    shown["consultations"] = [
        {"id": consultation.pk, "kind": consultation.kind, "consultant": _username(consultation.consultant),
         "status": consultation.status, "requested_at": consultation.requested_at,
         "requested_by": _username(consultation.requested_by), "shares": sorted(consultation.scope),
         "question": consultation.question, "answer": consultation.answer if consultation.answer_sealed else None}
        for consultation in view.consultations]
    if view.full:
        shown["decisions"] = [
            {"outcome": decision.code, "level": decision.level_name or None, "ladder_version": decision.ladder_version,
             "ban": decision.ban, "starts_on": decision.starts_on, "ends_on": decision.ends_on,
             "spaces": [space.name for space in decision.spaces.all()], "systems": decision.systems,
             "conditions": decision.conditions, "decided_at": decision.decided_at,
             "decided_by": _username(decision.decided_by), "reporter_summary": decision.reporter_summary,
             "rationale": decision.rationale,
             "applies_to": [{"system": identity.system, "handle": identity.handle}
                            for identity in decision.subject.identities.all()] if decision.subject_id else []}
            for decision in view.decision_rows]
        shown["conflicts"] = [{"staff": _name(conflict.user), "source": conflict.source,
                               "reason": conflict.reason if conflict.reason_sealed else ""}
                              for conflict in view.conflicts]
    return shown


# The response shapes, for the schema.

class QueueRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    categories = serializers.ListField(child=serializers.CharField())
    unread = serializers.BooleanField(help_text="A reporter wrote since the token's owner last read the case.")
    priority = serializers.ChoiceField(choices=Priority.choices, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    danger = serializers.BooleanField()
    space = serializers.CharField(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    language = serializers.CharField(allow_blank=True)
    opened_at = serializers.DateTimeField()


class QueueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = QueueRowSerializer(many=True)


class _Message(serializers.Serializer):
    direction = serializers.CharField()
    author = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    body = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.CharField())


class _Evidence(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class _Report(serializers.Serializer):
    """`reports` part: everything but `id`, `reference` and `evidence`; `evidence` part: `evidence`."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    received_at = serializers.DateTimeField(required=False)
    channel = serializers.CharField(required=False)
    recorded_by = serializers.CharField(allow_null=True, required=False)
    occurred_at = serializers.DateTimeField(allow_null=True, required=False)
    occurred_approx = serializers.CharField(allow_blank=True, required=False)
    space = serializers.CharField(allow_null=True, required=False)
    location = serializers.CharField(allow_blank=True, required=False)
    reporter_role = serializers.CharField(allow_blank=True, required=False)
    anonymous = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(allow_blank=True, required=False)
    contact_email = serializers.CharField(allow_blank=True, required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    ongoing = serializers.CharField(required=False)
    danger_now = serializers.BooleanField(allow_null=True, required=False)
    consent_contact_reported = serializers.BooleanField(required=False)
    consent_name_to_reported = serializers.BooleanField(required=False)
    preferred_language = serializers.CharField(allow_blank=True, required=False)
    detected_language = serializers.CharField(allow_blank=True, required=False)
    narrative = serializers.CharField(allow_blank=True, required=False)
    involved = serializers.CharField(allow_blank=True, required=False)
    witnesses = serializers.CharField(allow_blank=True, required=False)
    wishes = serializers.CharField(allow_blank=True, required=False)
    messages = _Message(many=True, required=False)
    evidence = _Evidence(many=True, required=False)


class _Summary(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    danger = serializers.BooleanField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    assignee = serializers.CharField(allow_null=True)
    space = serializers.CharField(allow_null=True)
    language = serializers.CharField(allow_blank=True)
    merged_into = serializers.CharField(allow_null=True)
    decision_summary = serializers.CharField(allow_null=True)


class _Event(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    description = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)


class _Note(serializers.Serializer):
    author = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    body = serializers.CharField(allow_blank=True)


class _Triage(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True)
    priority = serializers.CharField()
    proposed = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class _Account(serializers.Serializer):
    system = serializers.CharField()
    handle = serializers.CharField()


class _Party(serializers.Serializer):
    role = serializers.CharField()
    accounts = _Account(many=True)


class _Consultation(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    consultant = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    requested_by = serializers.CharField(allow_null=True)
    shares = serializers.ListField(child=serializers.CharField())
    question = serializers.CharField(allow_blank=True)
    answer = serializers.CharField(allow_null=True)


class _Decision(serializers.Serializer):
    outcome = serializers.CharField(help_text="The ladder level's key, or no_violation, out_of_scope, unknown_person, flagged.")
    level = serializers.CharField(allow_null=True, help_text="The level's name as decided; null for other outcomes.")
    ladder_version = serializers.IntegerField(allow_null=True)
    ban = serializers.ChoiceField(choices=["none", "temporary", "permanent"])
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True, help_text="A temporary ban's end.")
    spaces = serializers.ListField(child=serializers.CharField(), help_text="Empty: every space.")
    systems = serializers.ListField(child=serializers.CharField(), help_text="Empty: every system.")
    conditions = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField()
    decided_by = serializers.CharField(allow_null=True)
    reporter_summary = serializers.CharField(allow_blank=True)
    rationale = serializers.CharField(allow_blank=True)
    applies_to = _Account(many=True)


class _Conflict(serializers.Serializer):
    staff = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class CaseSerializer(serializers.Serializer):
    """One case as its page shows it to the token's owner: each section only when their access covers it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    parts = serializers.ListField(child=serializers.ChoiceField(choices=[str(part) for part in Part]))
    full = serializers.BooleanField(help_text="False for a consultant, who sees only what the consultation shares.")
    actions = serializers.ListField(child=serializers.CharField())
    erased = serializers.BooleanField()
    summary = _Summary(required=False)
    reports = _Report(many=True, required=False)
    timeline = _Event(many=True, required=False)
    notes = _Note(many=True, required=False)
    triages = _Triage(many=True, required=False)
    parties = _Party(many=True, required=False)
    consultations = _Consultation(many=True, required=False)
    decisions = _Decision(many=True, required=False, help_text="The case's decisions (full readers only).")
    conflicts = _Conflict(many=True, required=False)


QUEUE_PARAMETERS = [
    OpenApiParameter("status", str, enum=["", *Status.values], description="Empty: every open case."),
    OpenApiParameter("priority", str, enum=["", "untriaged", *Priority.values]),
    OpenApiParameter("space", OpenApiTypes.INT, description="A community space's id."),
    OpenApiParameter("assignee", str, description="“me”, “none” or a staff member's id."),
    OpenApiParameter("overdue", OpenApiTypes.BOOL),
    OpenApiParameter("q", str, description="A case or report number, or an exact account name."),
    OpenApiParameter("page", OpenApiTypes.INT, description=f"{PAGE_SIZE} cases a page, from 1."),
]


class CaseQueue(APIView):
    required_scope = api.Scope.CASES_READ

    @extend_schema(operation_id="list_cases", parameters=QUEUE_PARAMETERS, responses={200: QueueSerializer, **api.ERRORS},
                   summary="The case queue", description="The cases the token's owner may see, most urgent first, with "
                   "what the queue page shows of each. Audited like the queue page.")
    def get(self, request: Request) -> Response:
        by = request.user
        access.require(by, CaseAction.QUEUE)
        query = request.query_params
        filters = QueueFilterForm({name: query.get(name, "") for name in ("status", "priority", "space", "assignee", "q")}
                                  | ({"overdue": query["overdue"]} if "overdue" in query else {}))
        if not filters.is_valid():
            raise api.refused_input(filters.errors)
        data = filters.cleaned_data
        cases = services.queue(by, status=data["status"], priority=data["priority"],
                               space=str(data["space"].pk) if data["space"] else "", assignee=data["assignee"],
                               overdue=bool(data["overdue"]), search=data["q"])
        paginator = Paginator(cases, PAGE_SIZE)
        number = query.get("page", "1")
        if not number.isdigit() or int(number) < 1:
            raise api.refused_input({"page": [_("Give a page number from 1.")]})
        if int(number) > paginator.num_pages:
            raise api.refused_input({"page": [_("There are only %(pages)s pages.") % {"pages": paginator.num_pages}]})
        page = paginator.page(int(number))
        rows = services.read_queue(by, list(page.object_list), ip=client_ip(request))
        return Response({"count": paginator.count, "page": page.number, "pages": paginator.num_pages,
                         "results": [_queue_row(row) for row in rows]})


class CaseDetail(APIView):
    required_scope = api.Scope.CASES_READ

    @extend_schema(operation_id="read_case", responses={200: CaseSerializer, **api.ERRORS}, summary="One case",
                   description="What the case page shows the token's owner. A case they may not see answers 404, "
                   "like a case that does not exist. Audited like the case page.")
    def get(self, request: Request, case_id: int) -> Response:
        return Response(visible_case(request.user, case_id, ip=client_ip(request)))
