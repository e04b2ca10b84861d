"""Screening through the API, for a `registry:screen` token owned by a screener: the same answers
as the page (clear, referred, or why a row was not screened), and the working group's outcome later."""

from __future__ import annotations

import pytest

from steward.core.api import Scope
from steward.core.models import AuditEntry
from steward.registry import screening
from steward.registry.models import Referral, Screening
from tests.api.conftest import ApiClient
from tests.conftest import make_staff
from tests.registry.conftest import enter


@pytest.fixture
def screener_api(make_token, db) -> tuple[ApiClient, object]:
    screener = make_staff("sia", "screener")
    return ApiClient(make_token(Scope.SCREENING, owner=screener)), screener


def post(client: ApiClient, body: dict) -> object:
    return client.post("/api/screenings/", body, content_type="application/json")


def test_applicants_are_answered_clear_referred_or_invalid(screener_api):
    client, _screener = screener_api
    enter(make_staff("harriet", "consultant_hr"))
    response = post(client, {"purpose": "event", "applicants": [
        {"name": "Ada Lovelace", "emails": ["ada@example.org"]},
        {"name": "Dmitri Ivanov", "accounts": [{"system": "github", "handle": "DIVANOV"}]},
        {"name": "", "emails": ["someone@example.org"]},
        {"name": "Grace Hopper", "accounts": [{"system": "myspace", "handle": "grace"}]}]})
    assert response.status_code == 201
    body = response.json()
    assert [(row["row"], row["result"]) for row in body["results"]] == [
        (1, "clear"), (2, "referred"), (3, "invalid"), (4, "invalid")]
    assert "name" in body["results"][2]["problem"] and "systems" in body["results"][3]["problem"]
    assert "divanov" not in response.content.decode().casefold()
    assert Screening.objects.get().channel == Screening.Channel.API
    assert AuditEntry.objects.filter(action="registry.screen").count() == 1


def test_the_outcome_is_read_back_once_the_working_group_decided(screener_api):
    client, _screener = screener_api
    enter(make_staff("harriet", "consultant_hr"))
    created = post(client, {"purpose": "grant", "applicants": [{"name": "D Ivanov", "emails": ["dmitri.ivanov@gmail.com"]}]})
    screening_id = created.json()["id"]
    screening.decide_referral(Referral.objects.get().pk, outcome="conditions", conditions="No solo grants.",
                              by=make_staff("wendy", "working_group"))
    read = client.get(f"/api/screenings/{screening_id}/").json()
    assert read["results"] == [{"row": 1, "result": "referred", "outcome": "conditions",
                                "conditions": "No solo grants.", "problem": ""}]


@pytest.mark.parametrize(("body", "field"), [
    ({"purpose": "award", "applicants": [{"name": "Ada"}]}, "purpose"),
    ({"purpose": "grant", "applicants": []}, "applicants"),
    ({"purpose": "grant"}, "applicants"),
    ({"purpose": "grant", "applicants": [{"name": "Ada"}] * 1001}, "applicants"),
    ({"purpose": "grant", "applicants": [{"emails": ["x@example.org"]}]}, "applicants"),
])
def test_a_malformed_request_is_refused_whole(screener_api, body, field):
    client, _screener = screener_api
    response = post(client, body)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Screening.objects.exists()
