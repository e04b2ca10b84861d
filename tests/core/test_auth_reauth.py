"""Sensitive actions (deciding, exporting, erasing) need a recent sign-in or re-authentication."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

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


def test_the_decorator_sends_an_old_sign_in_to_confirm_first(triager):
    from django.contrib.messages.storage.fallback import FallbackStorage

    client = login(triager, at=time.time() - 301)
    request = RequestFactory().post("/x/")
    request.user = triager
    request.session = client.session
    request._messages = FallbackStorage(request)
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


def _session_texts() -> list[str]:
    """Every session row, raw and decoded (base64 + zlib + JSON undone), as text."""
    from django.contrib.sessions.models import Session

    texts = []
    for row in Session.objects.all():
        texts += [row.session_data, json.dumps(row.get_decoded(), ensure_ascii=False)]
    return texts


def test_an_old_sign_in_keeps_nothing_of_the_refused_decision_and_asks_for_it_again(file_report):
    from steward.cases.models import Party
    from steward.core.roles import Role
    from steward.decisions.models import Decision
    from steward.reports.services import Account
    from tests.cases.helpers import snapshot
    from tests.conftest import make_staff
    from tests.decisions.helpers import level

    dora = make_staff("dora", Role.DECISION_MAKER)
    report, _ = file_report(accounts=[Account("github", "mallory")])
    Case.objects.filter(pk=report.case.pk).update(status=Status.AWAITING_DECISION)
    url = f"/staff/cases/{report.case.pk}/decision/"
    canary = "CANARY-rationale-7f3e9b"
    warning = level("warning")
    data = {"choice": f"level:{warning.pk}", "starts_on": timezone.localdate().isoformat(),
            "subject": str(Party.objects.get(case=report.case, role=Party.Role.REPORTED).person.pk),
            "reporter_summary": "CANARY-summary-41c2", "rationale": canary, "departure_reason": "CANARY-departure-5d1",
            "behaviour": "CANARY-behaviour-2a7c", "impact": "CANARY-impact-6e0b", "expected_change": "CANARY-change-9d4f"}
    client = login(dora, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1)
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/accounts/reauthenticate/?next={url.replace('/', '%2F')}"
    assert snapshot() == before
    assert not Decision.objects.exists()
    texts = _session_texts()
    assert texts and not any(canary in text or "CANARY-summary" in text for text in texts)

    page = client.get(response["Location"])
    assert "What you entered was not kept" in page.content.decode()
    confirmed = client.post(f"/staff/accounts/reauthenticate/?next={url}", {"password": PASSWORD, "next": url})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == url
    assert not Decision.objects.exists()
    assert not any("CANARY" in text for text in _session_texts())

    form = client.get(url)
    assert form.status_code == 200
    assert "Nothing was saved yet: submit the form again." in form.content.decode()
    assert "submit the form again" not in client.get(url).content.decode()  # said once
    assert client.post(url, data).status_code == 302
    assert Decision.objects.get().level == warning


def test_a_refused_form_posted_from_another_page_comes_back_to_that_page(triager, awaiting_case):
    client = login(triager, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1)
    page = f"/staff/cases/{awaiting_case.pk}/"
    response = client.post(f"/staff/cases/{awaiting_case.pk}/decision/", {"choice": "no_violation", "rationale": "CANARY-why-93d1"},
                           HTTP_REFERER=f"http://testserver{page}")
    assert response["Location"] == f"/staff/accounts/reauthenticate/?next={page.replace('/', '%2F')}"
    assert not any("CANARY" in text for text in _session_texts())
    confirmed = client.post(f"/staff/accounts/2fa/reauthenticate/?next={page}", {"code": totp_code(), "next": page})
    assert confirmed["Location"] == page
    assert "submit the form again" in client.get(page).content.decode()


def test_a_referer_from_another_site_is_not_followed(triager, awaiting_case):
    client = login(triager, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1)
    url = f"/staff/cases/{awaiting_case.pk}/decision/"
    response = client.post(url, {"choice": "no_violation", "rationale": "x"}, HTTP_REFERER="https://evil.example/staff/")
    assert response["Location"] == f"/staff/accounts/reauthenticate/?next={url.replace('/', '%2F')}"
