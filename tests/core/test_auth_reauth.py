"""Sensitive actions (deciding, exporting, erasing) need a recent sign-in or re-authentication."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from steward.cases.models import Case, Status
from steward.core.reauth import recently_authenticated, sensitive_action
from tests.conftest import PASSWORD, login, totp_code


def test_the_window_is_five_minutes_by_default():
    assert settings.ACCOUNT_REAUTHENTICATION_TIMEOUT == 300


def test_the_decorator_runs_the_view_for_a_recent_sign_in(triager):
    client = login(triager)
    request = RequestFactory().post("/x/")
    request.user = triager
    request.session = client.session
    assert recently_authenticated(request)
    assert sensitive_action(lambda r: HttpResponse("ran"))(request).content == b"ran"


def test_the_decorator_suspends_an_old_sign_in(triager):
    client = login(triager, at=time.time() - 301)
    request = RequestFactory().post("/x/")
    request.user = triager
    request.session = client.session
    response = sensitive_action(lambda r: HttpResponse("ran"))(request)
    assert response.status_code == 302
    assert response["Location"] == "/staff/accounts/reauthenticate/?next=%2Fx%2F"


@pytest.fixture
def awaiting_case(case):
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_DECISION)
    case.refresh_from_db()
    return case


def test_the_status_form_never_decides_so_it_asks_for_no_sign_in(triager, awaiting_case):
    """Deciding is the decision page's (re-authenticated) action; the status form refuses it outright."""
    client = login(triager, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1)
    response = client.post(f"/staff/cases/{awaiting_case.pk}/status/", {"to": "decided", "reason": "x"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{awaiting_case.pk}/"
    awaiting_case.refresh_from_db()
    assert awaiting_case.status == Status.AWAITING_DECISION
    decision_page = client.get(f"/staff/cases/{awaiting_case.pk}/decision/")
    assert decision_page["Location"].startswith("/staff/accounts/reauthenticate/?next=")


def test_other_status_changes_do_not(triager, awaiting_case):
    client = login(triager, at=time.time() - 3600)
    response = client.post(f"/staff/cases/{awaiting_case.pk}/status/", {"to": "investigating", "reason": "More to learn"})
    assert response.status_code == 302
    assert "reauthenticate" not in response["Location"]
    awaiting_case.refresh_from_db()
    assert awaiting_case.status == Status.INVESTIGATING


def test_the_password_or_the_second_factor_renews_the_window(triager):
    client = login(triager, at=time.time() - 3600)
    request = RequestFactory().get("/x/")
    request.user, request.session = triager, client.session
    assert not recently_authenticated(request)
    response = client.post("/staff/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    request.session = client.session
    assert recently_authenticated(request)

    other = login(triager, at=time.time() - 3600)
    assert other.post("/staff/accounts/2fa/reauthenticate/", {"code": totp_code()}).status_code == 302
    request.session = other.session
    assert recently_authenticated(request)


def test_managing_second_factors_also_asks_after_the_window(triager):
    client = login(triager, at=time.time() - 3600)
    response = client.get("/staff/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert login(triager).get("/staff/accounts/2fa/recovery-codes/generate/").status_code == 200


def test_an_old_sign_in_decides_only_after_confirming_and_the_decision_is_then_recorded(file_report):
    from steward.cases.models import Party
    from steward.core.roles import Role
    from steward.decisions.models import Decision, Outcome
    from steward.reports.services import Account
    from tests.cases.helpers import snapshot
    from tests.conftest import make_staff

    dora = make_staff("dora", Role.DECISION_MAKER)
    report, _ = file_report(accounts=[Account("github", "mallory")])
    Case.objects.filter(pk=report.case.pk).update(status=Status.AWAITING_DECISION)
    url = f"/staff/cases/{report.case.pk}/decision/"
    data = {"outcome": Outcome.WARNING, "subject": str(Party.objects.get(case=report.case, role=Party.Role.REPORTED).person.pk),
            "reporter_summary": "A warning was given.", "rationale": "First time."}
    client = login(dora, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1)
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/accounts/reauthenticate/?next={url.replace('/', '%2F')}"
    assert snapshot() == before
    assert not Decision.objects.exists()

    # Confirming the password replays the suspended decision: the form need not be filled again.
    confirmed = client.post(f"/staff/accounts/reauthenticate/?next={url}", {"password": PASSWORD, "next": url})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/staff/cases/{report.case.pk}/"
    assert Decision.objects.get().outcome == Outcome.WARNING
