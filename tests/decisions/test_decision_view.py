"""The decision page: who may open it, re-authentication first, the form's errors, the case page."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from steward.cases.models import Case, Status
from steward.core.models import AuditEntry
from steward.decisions.models import Ban, Decision
from tests.cases.helpers import snapshot
from tests.conftest import login, make_staff

from .conftest import reported_person
from .helpers import DEPARTURE, MESSAGE, level


def url(case):
    return f"/staff/cases/{case.pk}/decision/"


def post_data(case, **overrides):
    data = {"choice": f"level:{level('temporary_ban').pk}", "subject": str(reported_person(case).pk),
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
            "reporter_summary": "The reported person is banned for two months.", "rationale": "Second offence.",
            "departure_reason": DEPARTURE, **MESSAGE}
    data.update(overrides)
    return data


def test_the_decision_maker_records_a_ban_and_sees_it_on_the_case_page(reported_case, decision_maker):
    client = login(decision_maker)
    page = client.get(url(reported_case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "github mallory" in text.lower()  # the reported account is offered as subject
    assert "First violation on record: the mildest level." in text  # the recommendation, with its reason
    for name in ("Correction", "Warning", "Temporary ban", "Permanent ban", "Out of scope"):
        assert name in text  # the current ladder's levels and the other outcomes
    response = client.post(url(reported_case), post_data(reported_case))
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{reported_case.pk}/"
    decision = Decision.objects.get()
    assert decision.level == level("temporary_ban") and decision.ban == Ban.TEMPORARY
    assert decision.subject == reported_person(reported_case)
    assert decision.departure_reason == DEPARTURE
    assert AuditEntry.objects.get(action="decision.record").detail["departed_from_recommendation"] is True
    detail = client.get(f"/staff/cases/{reported_case.pk}/").content.decode()
    assert "Temporary ban" in detail
    assert "active ban" in detail
    assert "Second offence." in detail


def test_the_case_page_offers_the_decision_only_when_awaiting_one(reported_case, triager):
    client = login(triager)
    assert f'href="{url(reported_case)}"' in client.get(f"/staff/cases/{reported_case.pk}/").content.decode()
    Case.objects.filter(pk=reported_case.pk).update(status=Status.INVESTIGATING)
    assert f'href="{url(reported_case)}"' not in client.get(f"/staff/cases/{reported_case.pk}/").content.decode()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"choice": ""}, "This field is required."),
    ({"choice": "exile"}, "Select a valid choice. exile is not one of the available choices."),
    ({"choice": "level:999999"}, "Select a valid choice. level:999999 is not one of the available choices."),
    ({"ends_on": "2001-01-01"}, "A temporary ban must end after the day it starts."),
    ({"ends_on": "soon"}, "Enter a valid date."),
    ({"departure_reason": ""}, "Steward recommended “Correction”: write why you chose otherwise."),
    ({"subject": ""}, "Choose the person the ban applies to."),
    ({"subject": "999999"}, "Select a valid choice. 999999 is not one of the available choices."),
    ({"reporter_summary": ""}, "This field is required."),
])
def test_bad_input_shows_the_field_and_the_problem_and_changes_nothing(reported_case, triager, overrides, message):
    client = login(triager)
    before = snapshot()
    response = client.post(url(reported_case), post_data(reported_case, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before
    assert not Decision.objects.exists()


@pytest.mark.parametrize("who", ["handler", "unrelated", "administrator", "nobody"])
def test_everyone_else_is_refused_before_the_form(reported_case, handler, unrelated, administrator, who):
    Case.objects.filter(pk=reported_case.pk).update(assignee=handler)
    users = {"handler": handler, "unrelated": unrelated, "administrator": administrator, "nobody": make_staff("nora")}
    client = login(users[who])
    before = snapshot()
    assert client.get(url(reported_case)).status_code == 403
    assert client.post(url(reported_case), post_data(reported_case)).status_code == 403
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(reported_case):
    from django.test import Client

    response = Client().post(url(reported_case), post_data(reported_case))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Decision.objects.exists()


def test_an_old_sign_in_must_reauthenticate_before_deciding(reported_case, decision_maker):
    client = login(decision_maker, at=time.time() - 3 * 3600)
    before = snapshot()
    response = client.post(url(reported_case), post_data(reported_case))
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert snapshot() == before
    assert not Decision.objects.exists()


def test_a_missing_case_is_not_found(decision_maker):
    assert login(decision_maker).get("/staff/cases/987654/decision/").status_code == 404
