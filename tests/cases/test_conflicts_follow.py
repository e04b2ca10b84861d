"""Conflicts of interest survive every change to a case: declared, linked-account and confirmed
reporter-email conflicts follow the reports on split and on merge, through the staff pages."""

from __future__ import annotations

import pytest

from steward.cases.models import Case, CaseConflict, Party
from steward.core.roles import Role
from steward.registry import services as registry
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import login, make_staff

NARRATIVE = "The second account of the incident, in the issue tracker."


@pytest.fixture
def tom(db):
    """A second triager: covers every case, so only a conflict keeps a case from him."""
    return make_staff("tom", Role.TRIAGER, first_name="Tom", email="tom@example.org")


def hidden_from(user, case: Case) -> None:
    client = login(user)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 404
    assert client.get(f"/staff/cases/{case.pk}/triage/").status_code == 404
    queue = client.get("/staff/cases/")
    assert case.pk not in [c.pk for c in queue.context["page"]]
    assert NARRATIVE.encode() not in queue.content


def merged_pair(file_report, triager, **second):
    """Two reports merged into one case through the merge form: (the case, the second report)."""
    first, _ = file_report(narrative="The first account of the incident, in the chat.")
    other, _ = file_report(narrative=NARRATIVE, **second)
    response = login(triager).post(f"/staff/cases/{first.case_id}/merge/", {"cases": other.case.reference})
    assert response.status_code == 302
    assert Report.objects.get(pk=other.pk).case_id == first.case_id
    return first.case, other


def split_off(triager, case: Case, report: Report) -> Case:
    response = login(triager).post(f"/staff/cases/{case.pk}/split/", {"report": report.pk})
    new_case = Report.objects.get(pk=report.pk).case
    assert new_case.pk != case.pk
    assert response["Location"] == f"/staff/cases/{new_case.pk}/"
    return new_case


def merge(triager, target: Case, source: Case) -> None:
    response = login(triager).post(f"/staff/cases/{target.pk}/merge/", {"cases": source.reference})
    assert response.status_code == 302
    assert Case.objects.get(pk=source.pk).merged_into_id == target.pk


def confirm_possible(triager, case: Case, user) -> None:
    conflict = CaseConflict.objects.get(case=case, user=user, status=CaseConflict.Status.POSSIBLE)
    response = login(triager).post(f"/staff/cases/{case.pk}/conflicts/{conflict.pk}/", {"decision": "confirm"})
    assert response.status_code == 302


# --- declared -----------------------------------------------------------------------


def test_a_declared_conflict_follows_a_split(file_report, triager, tom):
    case, second = merged_pair(file_report, triager)
    assert login(tom).post(f"/staff/cases/{case.pk}/conflict/", {"reason": "The reporter is my neighbour."}).status_code == 302
    new_case = split_off(triager, case, second)
    hidden_from(tom, new_case)
    carried = CaseConflict.objects.get(case=new_case, user=tom)
    assert (carried.source, carried.status, carried.reason) == ("declared", "confirmed", "The reporter is my neighbour.")


def test_a_declared_conflict_follows_a_merge(file_report, triager, tom):
    target, _ = file_report(narrative="The first account of the incident, in the chat.")
    source, _ = file_report(narrative=NARRATIVE)
    assert login(tom).post(f"/staff/cases/{source.case_id}/conflict/", {}).status_code == 302
    merge(triager, target.case, source.case)
    hidden_from(tom, target.case)


# --- linked account -----------------------------------------------------------------


def test_a_linked_account_conflict_follows_a_split_with_the_parties(file_report, triager, tom):
    registry.link_staff_account(tom, system="github", handle="tom-gh")
    case, second = merged_pair(file_report, triager, accounts=[Account("github", "tom-gh")])
    new_case = split_off(triager, case, second)
    hidden_from(tom, new_case)
    handles = [i.handle for p in Party.objects.filter(case=new_case) for i in p.person.identities.all()]
    assert handles == ["tom-gh"]  # the parties came along


def test_a_derived_conflict_follows_a_merge_after_the_account_was_unlinked(file_report, triager, tom):
    target, _ = file_report(narrative="The first account of the incident, in the chat.")
    source, _ = file_report(narrative=NARRATIVE, accounts=[Account("github", "tom-gh")])
    account = registry.link_staff_account(tom, system="github", handle="tom-gh")
    assert CaseConflict.objects.filter(case=source.case, user=tom, status="confirmed").exists()
    registry.unlink_staff_account(account, by=tom)  # the recorded conflict stays
    merge(triager, target.case, source.case)
    hidden_from(tom, target.case)


# --- reporter email (confirmed by a triager) -------------------------------------------


def test_a_confirmed_reporter_email_conflict_follows_a_split(file_report, triager, tom):
    case, second = merged_pair(file_report, triager, anonymous=False, contact_email="Tom@example.org")
    confirm_possible(triager, case, tom)
    hidden_from(tom, case)
    new_case = split_off(triager, case, second)
    hidden_from(tom, new_case)


def test_a_confirmed_reporter_email_conflict_follows_a_merge(file_report, triager, tom):
    target, _ = file_report(narrative="The first account of the incident, in the chat.")
    source, _ = file_report(narrative=NARRATIVE, anonymous=False, contact_email="tom@example.org")
    confirm_possible(triager, source.case, tom)
    merge(triager, target.case, source.case)
    hidden_from(tom, target.case)


# --- possible conflicts travel too, still only possible ---------------------------------


def test_an_unconfirmed_reporter_email_stays_a_possible_conflict_after_split_and_merge(file_report, triager, tom):
    case, second = merged_pair(file_report, triager, anonymous=False, contact_email="tom@example.org")
    new_case = split_off(triager, case, second)
    assert CaseConflict.objects.get(case=new_case, user=tom).status == CaseConflict.Status.POSSIBLE
    client = login(tom)
    assert client.get(f"/staff/cases/{new_case.pk}/").status_code == 200  # nothing hidden by itself
    third, _ = file_report(narrative="A third account of the incident.")
    merge(triager, third.case, new_case)
    assert CaseConflict.objects.get(case=third.case, user=tom).status == CaseConflict.Status.POSSIBLE
    assert client.get(f"/staff/cases/{third.case_id}/").status_code == 200
