"""Conflicts of interest: detected from linked accounts and the reporter's email, or declared;
the case is then hidden (404), left out of the queue and search, and cannot be assigned."""

from __future__ import annotations

import pytest

from steward.cases import conflicts, services
from steward.cases.models import Case, CaseConflict, Note, Party
from steward.core import access, crypto
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.registry import services as registry
from steward.registry.models import StaffAccount
from steward.reports.services import Account
from tests.conftest import login

from .helpers import snapshot


def url(case: Case, action: str = "") -> str:
    return f"/staff/cases/{case.pk}/{action + '/' if action else ''}"


def test_a_linked_account_that_is_a_party_hides_the_case(file_report, triager):
    report, _ = file_report(accounts=[Account("github", "tara-gh")])
    case = report.case
    assert access.can(triager, "view", case)
    registry.link_staff_account(triager, system="github", handle="@tara-gh")
    fresh = Case.objects.get(pk=case.pk)
    assert not access.can(triager, "view", fresh)
    with pytest.raises(access.Hidden):
        access.require(triager, "view", fresh)
    conflict = CaseConflict.objects.get(case=case, user=triager)
    assert conflict.source == CaseConflict.Source.DETECTED
    assert AuditEntry.objects.filter(action="case.conflict", object_id=str(case.pk)).exists()
    client = login(triager)
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case, "notes"), {"body": "x"}).status_code == 404
    assert case.pk not in [c.pk for c in client.get("/staff/cases/").context["page"]]
    assert list(client.get("/staff/cases/", {"q": case.reference}).context["page"]) == []
    assert list(client.get("/staff/cases/", {"q": "tara-gh"}).context["page"]) == []


def test_adding_a_party_detects_the_conflict_and_takes_the_assignee_off(case, handler, triager):
    registry.link_staff_account(handler, system="matrix", handle="@hana:example.org")
    services.assign_case(case, by=triager, assignee=handler)
    services.add_party(case, system="matrix", handle="@hana:example.org", role=Party.Role.WITNESS, by=triager)
    case.refresh_from_db()
    assert case.assignee is None
    assert CaseConflict.objects.filter(case=case, user=handler, source="detected").exists()
    assert login(handler).get(url(case)).status_code == 404


def test_a_reporter_writing_from_a_staff_address_raises_a_possible_conflict_only(file_report, triager):
    report, _ = file_report(anonymous=False, contact_name="Tara", contact_email=" TARA@example.org ")
    assert report.contact_email_index == crypto.blind_index("tara@example.org", purpose="email")
    conflict = CaseConflict.objects.get(case=report.case, user=triager)
    assert conflict.status == CaseConflict.Status.POSSIBLE
    assert access.can(triager, "view", Case.objects.get(pk=report.case_id))  # unverified: hides nothing by itself


def test_a_failure_in_conflict_detection_leaves_no_party_behind(case, triager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("conflict detection failed")

    monkeypatch.setattr(conflicts, "detect", broken)
    before = snapshot()
    with pytest.raises(RuntimeError):
        services.add_party(case, system="github", handle="wendy", role=Party.Role.WITNESS, by=triager)
    assert snapshot() == before
    client = login(triager)
    client.raise_request_exception = False
    response = client.post(url(case, "parties"), {"role": "witness", "system": "github", "handle": "wendy"})
    assert response.status_code == 500
    assert snapshot() == before  # no party, person, identity, timeline event or audit entry


def test_conflicted_staff_cannot_be_assigned_and_are_not_offered(case, triager, handler):
    CaseConflict.objects.create(case=case, user=handler, source=CaseConflict.Source.DECLARED)
    with pytest.raises(DomainError, match="conflict of interest"):
        services.assign_case(case, by=triager, assignee=handler)
    response = login(triager).get(url(case))
    choices = [pk for pk, _ in response.context["assign_form"].fields["assignee"].choices if pk]
    assert handler.pk not in [getattr(pk, "value", pk) for pk in choices]
    before = snapshot()
    login(triager).post(url(case, "assign"), {"assignee": handler.pk})
    after = snapshot()
    assert before["cases"] == after["cases"]


def test_declaring_a_conflict_hides_the_case_at_once(case, triager):
    client = login(triager)
    page = client.get(url(case)).content.decode()
    assert "Declare a conflict of interest" in page
    response = client.post(url(case, "conflict"), {"reason": "The reporter is my sister."})
    assert response.status_code == 302 and response["Location"] == "/staff/cases/"
    conflict = CaseConflict.objects.get(case=case, user=triager)
    assert conflict.source == "declared" and conflict.reason == "The reporter is my sister."
    assert b"The reporter is my sister." not in bytes(conflict.reason_sealed)
    assert client.get(url(case)).status_code == 404
    assert AuditEntry.objects.filter(action="case.conflict", actor=triager).exists()


def test_declaring_needs_access_to_the_case(case, unrelated):
    before = snapshot()
    with pytest.raises(Denied):
        conflicts.declare_conflict(case, by=unrelated)
    assert login(unrelated).post(url(case, "conflict"), {}).status_code == 403
    assert snapshot() == before


def test_an_account_linked_to_another_staff_member_is_refused(triager, handler):
    registry.link_staff_account(triager, system="github", handle="shared")
    with pytest.raises(DomainError):
        registry.link_staff_account(handler, system="github", handle="shared")


def test_staff_link_and_remove_their_own_accounts_on_their_page(triager, handler):
    client = login(triager)
    assert client.get("/staff/me/accounts/").status_code == 200
    response = client.post("/staff/me/accounts/", {"system": "github", "handle": "tara-gh"})
    assert response.status_code == 302
    account = StaffAccount.objects.get(user=triager)
    assert account.identity.handle == "tara-gh"
    assert b"tara-gh" not in bytes(account.identity.handle_sealed)
    assert "tara-gh" in client.get("/staff/me/accounts/").content.decode()
    assert login(handler).post(f"/staff/me/accounts/{account.pk}/remove/").status_code == 404
    assert client.post(f"/staff/me/accounts/{account.pk}/remove/").status_code == 302
    assert not StaffAccount.objects.exists()


def test_removing_the_account_keeps_the_recorded_conflict(file_report, triager):
    report, _ = file_report(accounts=[Account("github", "tara-gh")])
    account = registry.link_staff_account(triager, system="github", handle="tara-gh")
    registry.unlink_staff_account(account, by=triager)
    assert not access.can(triager, "view", Case.objects.get(pk=report.case_id))


def test_no_note_is_written_by_a_conflicted_triager(file_report, triager):
    report, _ = file_report(accounts=[Account("github", "tara-gh")])
    registry.link_staff_account(triager, system="github", handle="tara-gh")
    with pytest.raises(access.Hidden):
        services.add_note(Case.objects.get(pk=report.case_id), by=triager, body="x")
    assert not Note.objects.exists()
