"""Screening through the API, for a `registry:screen` token acting as its owner (a screener).

The answer is what the screening page shows: per applicant, its 1-based position in the request
and "clear" or "referred" — or why it was not screened. Nothing says why an applicant was
referred. A referral's outcome is read back with the screening's id once the working group decided.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from steward.core import api
from steward.core.http import client_ip

from . import screening
from .models import Purpose, Screening
from .people import RegistryError

MAX_APPLICANTS = 1000  # per request; larger lists go as a CSV file through the page or the command


class _Account(serializers.Serializer):
    system = serializers.CharField(max_length=16)
    handle = serializers.CharField(max_length=300)


class _Applicant(serializers.Serializer):
    name = serializers.CharField(max_length=300, allow_blank=True)
    emails = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=20)
    accounts = _Account(many=True, required=False, max_length=20)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ScreenRequestSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    applicants = _Applicant(many=True, min_length=1, max_length=MAX_APPLICANTS)


class _Answer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The applicant's 1-based position in the request.")
    result = serializers.ChoiceField(choices=["clear", "referred", "invalid"])
    outcome = serializers.CharField(allow_blank=True, help_text="The working group's outcome for a referral, once decided.")
    conditions = serializers.CharField(allow_blank=True)
    problem = serializers.CharField(allow_blank=True, help_text="Why an invalid applicant was not screened.")


class ScreeningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    results = _Answer(many=True)


def _shown(done: Screening, answers: list[screening.Answer]) -> dict[str, Any]:
    return {"id": done.pk, "purpose": done.purpose,
            "results": [{"row": answer.row, "result": answer.result, "outcome": answer.outcome,
                         "conditions": answer.conditions, "problem": answer.problem} for answer in answers]}


class Screen(APIView):
    required_scope = api.Scope.SCREENING

    @extend_schema(operation_id="screen", request=ScreenRequestSerializer, responses={201: ScreeningSerializer, **api.ERRORS},
                   summary="Screen applicants", description="Screens up to 1,000 applicants for one purpose. Each "
                   "answer is clear or referred (invalid, with the problem, for an applicant that could not be "
                   "screened); a referred applicant goes to the working group. Audited like the screening page.")
    def post(self, request: Request) -> Response:
        given = ScreenRequestSerializer(data=request.data)
        if not given.is_valid():
            raise api.refused_input(given.errors)
        rows = []
        for number, applicant in enumerate(given.validated_data["applicants"], start=1):
            try:
                rows.append(screening.Row(number, screening.check_applicant(
                    name=applicant["name"], emails=applicant.get("emails", []),
                    accounts=[(account["system"], account["handle"]) for account in applicant.get("accounts", [])],
                    country=applicant.get("country", ""))))
            except RegistryError as error:
                rows.append(screening.Row(number, None, f"{error.field}: {error.message}", given=applicant["name"][:300]))
        done = screening.screen(rows, purpose=given.validated_data["purpose"], channel=Screening.Channel.API,
                                by=request.user, ip=client_ip(request))
        return Response(_shown(done, screening.answers(done, by=request.user, ip=client_ip(request))), status=201)


class ScreeningDetail(APIView):
    required_scope = api.Scope.SCREENING

    @extend_schema(operation_id="read_screening", responses={200: ScreeningSerializer, **api.ERRORS},
                   summary="A screening's answers", description="The token owner's own screening, with the working "
                   "group's outcomes so far. Anyone else's answers 404.")
    def get(self, request: Request, screening_id: int) -> Response:
        done = screening.screening_for(screening_id, by=request.user)
        return Response(_shown(done, screening.answers(done, by=request.user, ip=client_ip(request))))
