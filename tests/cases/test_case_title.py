"""Giving a case its short neutral title (/staff/cases/<id>/title/): a service action that is
sealed, on the timeline and in the audit log; refused to outsiders and hidden from the conflicted."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from steward.cases import services
from steward.cases.models import Case, TimelineEvent
from steward.core.access import Denied, Hidden
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.registry import services as registry
from steward.reports.services import Account
from tests.conftest import login

from .helpers import snapshot

pytestmark = pytest.mark.django_db


def url(case: Case) -> str:
    return f"/staff/cases/{case.pk}/title/"


def test_the_triager_titles_a_case_from_its_page(case, triager):
    client = login(triager)
    assert f'action="/staff/cases/{case.pk}/title/"' in client.get(f"/staff/cases/{case.pk}/").content.decode()

    response = client.post(url(case), {"title": "  Insults in   code review "}, REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.title == "Insults in code review"
    event = TimelineEvent.objects.filter(case=case, kind="titled").get()
    assert (event.actor, event.data, event.detail) == (triager, {}, "Insults in code review")
    entry = AuditEntry.objects.filter(action="case.title").get()
    assert (entry.actor, entry.object_id, entry.ip, entry.detail) == (triager, str(case.pk), "198.51.100.4", {})
    page = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Insults in code review" in page and "Title changed" in page


def test_the_assigned_handler_may_title_their_case(assigned_case, handler):
    login(handler).post(url(assigned_case), {"title": "Rude review comments"})
    assigned_case.refresh_from_db()
    assert assigned_case.title == "Rude review comments"


def test_clearing_the_title_makes_the_case_untitled(case, triager):
    services.set_case_title(case, by=triager, title="Something")
    login(triager).post(url(case), {"title": ""})
    case.refresh_from_db()
    assert case.title_sealed is None and case.title == ""
    assert TimelineEvent.objects.filter(case=case, kind="untitled").count() == 1


def test_the_same_title_again_records_nothing(case, triager):
    services.set_case_title(case, by=triager, title="Something")
    before = snapshot()
    services.set_case_title(case, by=triager, title="Something")
    assert snapshot() == before


def test_a_title_too_long_is_refused_naming_the_field_and_changes_nothing(case, triager):
    before = snapshot()
    response = login(triager).post(url(case), {"title": "x" * 121})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Ensure this value has at most 120 characters (it has 121)."]
    assert snapshot() == before
    with pytest.raises(DomainError):
        services.set_case_title(case, by=triager, title="y" * 121)
    assert snapshot() == before


def test_an_unrelated_handler_is_refused_and_nothing_changes(case, unrelated):
    before = snapshot()
    assert login(unrelated).post(url(case), {"title": "Mine now"}).status_code == 403
    with pytest.raises(Denied):
        services.set_case_title(case, by=unrelated, title="Mine now")
    assert snapshot() == before


def test_a_conflicted_triager_gets_404_and_nothing_changes(file_report, triager):
    registry.link_staff_account(triager, system="github", handle="tara-gh")
    report, _ = file_report(accounts=[Account(system="github", handle="tara-gh")])
    before = snapshot()
    assert login(triager).post(url(report.case), {"title": "About me"}).status_code == 404
    with pytest.raises(Hidden):
        services.set_case_title(report.case, by=triager, title="About me")
    assert snapshot() == before


def test_only_post_is_answered(case, triager):
    assert login(triager).get(url(case)).status_code == 405
