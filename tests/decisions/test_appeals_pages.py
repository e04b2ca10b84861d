"""The appeal pages: the reported person's link page (no account), the reporter's follow-up page,
the decision makers' list and review page, and the case page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from steward.cases.models import CaseConflict
from steward.core import links
from steward.core.roles import Role
from steward.decisions import appeals
from steward.decisions.models import Appeal, Decision
from steward.reports.services import Account
from tests.cases.helpers import snapshot
from tests.conftest import login, make_staff

from .conftest import awaiting
from .helpers import decide, level

GROUNDS = "The account was used by someone else that day."


@pytest.fixture
def reviewer(db: Any) -> Any:
    return make_staff("rory", Role.DECISION_MAKER, first_name="Rory")


@pytest.fixture
def banned(file_report: Any, decision_maker: Any) -> tuple[Decision, str]:
    """A temporary ban, and the reporter's receipt code."""
    report, code = file_report(accounts=[Account("email", "mallory@example.net")])
    decision = decide(awaiting(report.case), decision_maker, "temporary_ban", days=60,
                      summary="The person was banned for two months.")
    return decision, code


def _link(decision: Decision) -> str:
    return links.path(appeals.LINK_PURPOSE, links.issue(appeals.LINK_PURPOSE, decision.pk))


def _reporter(code: str) -> Client:
    client = Client()
    assert client.post("/follow-up/", {"code": code}).status_code == 302
    return client


def test_the_link_page_states_the_decision_and_the_window_and_takes_the_appeal_once(banned):
    decision, _code = banned
    url = _link(decision)
    page = Client().get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert decision.level_name in text
    assert appeals.appeal_until(decision).strftime("%Y") in text and "You can appeal until" in text
    assert "insulting" not in text  # nothing of the report, never who reported
    assert Client().post(url, {"grounds": ""}).status_code == 400
    assert not Appeal.objects.exists()
    received = Client().post(url, {"grounds": GROUNDS})
    assert received.status_code == 200 and "Your appeal was received" in received.content.decode()
    assert Appeal.objects.get().grounds == GROUNDS
    before = snapshot()
    again = Client().post(url, {"grounds": "Again."})
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert Client().get(url).status_code == 400
    assert snapshot() == before and Appeal.objects.count() == 1


def test_a_tampered_or_late_link_gets_a_clear_error_page(banned):
    decision, _code = banned
    tampered = Client().get(_link(decision)[:-5] + "abcd/")
    assert tampered.status_code == 400 and "not valid" in tampered.content.decode()
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - datetime.timedelta(days=30))
    late = Client().post(_link(decision), {"grounds": GROUNDS})
    assert late.status_code == 400 and "time to appeal this decision ended" in late.content.decode()
    assert not Appeal.objects.exists()


def test_the_reporter_appeals_from_the_follow_up_page_while_the_window_is_open(banned):
    decision, code = banned
    client = _reporter(code)
    page = client.get("/follow-up/case/").content.decode()
    assert "You can appeal until" in page and 'action="/follow-up/appeal/"' in page
    assert client.post("/follow-up/appeal/", {"grounds": " "}).status_code == 400
    response = client.post("/follow-up/appeal/", {"grounds": "The ban is too short for what happened."})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.appellant == Appeal.Appellant.REPORTER and appeal.decision == decision
    page = client.get("/follow-up/case/").content.decode()
    assert "You appealed on" in page and "being reviewed on appeal" in page
    assert 'action="/follow-up/appeal/"' not in page


def test_without_the_receipt_code_session_there_is_no_appeal(banned):
    response = Client().post("/follow-up/appeal/", {"grounds": GROUNDS})
    assert response.status_code == 302 and response["Location"] == "/follow-up/"
    assert not Appeal.objects.exists()


def test_after_the_window_the_follow_up_page_says_so(banned):
    decision, code = banned
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - datetime.timedelta(days=21))
    page = _reporter(code).get("/follow-up/case/").content.decode()
    assert "The time to appeal this decision ended" in page and 'action="/follow-up/appeal/"' not in page


def test_the_uninvolved_decision_maker_reviews_and_changes_the_decision(banned, reviewer, decision_maker):
    decision, code = banned
    appeal = appeals.appeal_by_link(links.issue(appeals.LINK_PURPOSE, decision.pk), grounds=GROUNDS)
    client = login(reviewer)
    listed = client.get("/staff/appeals/").content.decode()
    assert f"/staff/appeals/{appeal.pk}/" in listed
    assert f"/staff/appeals/{appeal.pk}/" not in login(decision_maker).get("/staff/appeals/").content.decode()
    page = client.get(f"/staff/appeals/{appeal.pk}/")
    assert page.status_code == 200 and GROUNDS in page.content.decode()
    case_page = client.get(f"/staff/cases/{decision.case_id}/").content.decode()
    assert "Can be appealed until" in case_page and "Review the appeal" in case_page
    bad = client.post(f"/staff/appeals/{appeal.pk}/", {"outcome": "changed", "reasons": "Less.",
                                                      "reporter_message": "Reduced."})
    assert bad.status_code == 400 and "Choose the level or outcome" in bad.content.decode()
    done = client.post(f"/staff/appeals/{appeal.pk}/", {
        "outcome": "changed", "choice": f"level:{level('warning').pk}", "reasons": "A first offence.",
        "reporter_message": "On appeal the ban was reduced to a warning."})
    assert done.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "changed" and appeal.new_decision is not None
    follow_up = _reporter(code).get("/follow-up/case/").content.decode()
    assert "On appeal the ban was reduced to a warning." in follow_up
    assert "the decision was changed" in follow_up


def test_the_decision_maker_who_decided_may_read_but_not_decide_the_appeal(banned, decision_maker):
    decision, _code = banned
    appeal = appeals.appeal_by_link(links.issue(appeals.LINK_PURPOSE, decision.pk), grounds=GROUNDS)
    client = login(decision_maker)
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "another decision maker decides its appeal" in page and 'name="outcome"' not in page
    before = snapshot()
    refused = client.post(f"/staff/appeals/{appeal.pk}/", {"outcome": "upheld", "reasons": "Fine.",
                                                          "reporter_message": "Upheld."})
    assert refused.status_code == 403
    assert snapshot() == before and Appeal.objects.get().is_open


def test_a_conflicted_decision_maker_is_answered_as_if_there_were_no_appeal(banned):
    decision, _code = banned
    appeal = appeals.appeal_by_link(links.issue(appeals.LINK_PURPOSE, decision.pk), grounds=GROUNDS)
    conflicted = make_staff("cleo", Role.DECISION_MAKER)
    CaseConflict.objects.create(case=decision.case, user=conflicted, source=CaseConflict.Source.DECLARED)
    client = login(conflicted)
    assert client.get(f"/staff/appeals/{appeal.pk}/").status_code == 404
    assert client.post(f"/staff/appeals/{appeal.pk}/", {"outcome": "reversed", "reasons": "x",
                                                       "reporter_message": "x"}).status_code == 404
    assert Appeal.objects.get().is_open


@pytest.mark.parametrize("role", [Role.TRIAGER, Role.CASE_HANDLER, Role.ADMINISTRATOR])
def test_other_staff_neither_list_nor_decide_appeals(banned, role):
    decision, _code = banned
    appeal = appeals.appeal_by_link(links.issue(appeals.LINK_PURPOSE, decision.pk), grounds=GROUNDS)
    client = login(make_staff("other", role))
    assert client.get("/staff/appeals/").status_code == 403
    assert client.post(f"/staff/appeals/{appeal.pk}/", {"outcome": "reversed", "reasons": "x",
                                                       "reporter_message": "x"}).status_code in {403, 404}
    assert Appeal.objects.get().is_open
