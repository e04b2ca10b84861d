"""A case hidden from a staff member by a conflict of interest stays hidden on the pages that list
many cases: the decision page's earlier decisions and the access-request export."""

from __future__ import annotations

import json

import pytest

from steward.cases import services as cases
from steward.cases.models import Party
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.registry import services as registry
from steward.reports.services import Account
from tests.conftest import login, make_staff

from .conftest import awaiting
from .helpers import decide


@pytest.fixture
def earlier(file_report):
    """An earlier case about Mallory, decided: a ban of 30 days."""
    report, _ = file_report(narrative="Mallory insulted me in the forum last year.", accounts=[Account("github", "mallory")])
    decide(awaiting(report.case), make_staff("dan", Role.DECISION_MAKER), "temporary_ban", days=30)
    return report.case


def decision_page(user, case):
    response = login(user).get(f"/staff/cases/{case.pk}/decision/")
    assert response.status_code == 200
    return response


def test_the_decision_page_lists_earlier_decisions_of_visible_cases(earlier, reported_case, decision_maker):
    response = decision_page(decision_maker, reported_case)
    assert [d.case_id for d in response.context["history"]] == [earlier.pk]
    assert earlier.reference in response.content.decode()


def test_a_hidden_case_is_absent_from_the_earlier_decisions(earlier, reported_case, decision_maker):
    declared = login(decision_maker).post(f"/staff/cases/{earlier.pk}/conflict/", {"reason": "My former colleague."})
    assert declared.status_code == 302
    response = decision_page(decision_maker, reported_case)
    page = response.content.decode()
    assert response.context["history"] == []
    assert earlier.reference not in page
    history = page.split("Earlier decisions about these people", 1)[1].split("</ul>", 1)[0]
    assert "<li>None.</li>" in history and history.count("<li>") == 1  # no outcome, no count
    assert "Temporary ban" not in history and "until" not in history


# --- the access-request export -------------------------------------------------------


@pytest.fixture
def world(file_report, triager, decision_maker):
    report, _ = file_report(narrative="Mallory insulted me repeatedly in the issue tracker.", anonymous=False,
                            contact_email="rita@example.org", accounts=[Account("github", "mallory")])
    cases.add_party(report.case, system="github", handle="rita", role=Party.Role.REPORTER, by=triager)
    decided = awaiting(report.case)
    decide(decided, decision_maker, "temporary_ban", days=30)
    other, _ = file_report(narrative="Someone else's report about Mallory.", anonymous=False,
                           contact_email="rita@example.org", accounts=[Account("github", "mallory")])
    return decided, other.case


def export(user, **data):
    response = login(user).post("/staff/people/export/", {"system": "", "handle": "", "email": "", **data})
    assert response.status_code == 200
    return response.content.decode()


def test_the_export_leaves_out_cases_hidden_from_the_administrator(world, administrator):
    hidden, visible = world
    registry.link_staff_account(administrator, system="github", handle="rita")  # Ada is the reporter on `hidden`
    by_account = export(administrator, system="github", handle="mallory")
    document = json.loads(by_account)
    assert [c["case"] for c in document["cases"]] == [visible.reference]
    assert document["person"]["decisions"] == []  # the ban was decided on the hidden case
    assert hidden.reference not in by_account
    by_email = json.loads(export(administrator, email="rita@example.org"))
    assert [r["case"] for r in by_email["reports"]] == [visible.reference]
    assert hidden.reference not in json.dumps(by_email)


def test_every_exported_case_shows_the_export_in_its_access_history(world, administrator):
    hidden, visible = world
    registry.link_staff_account(administrator, system="github", handle="rita")
    export(administrator, system="github", handle="mallory")
    reads = AuditEntry.objects.filter(action="case.export", actor=administrator)
    assert sorted(reads.values_list("object_id", flat=True)) == [str(visible.pk)]
    auditor = make_staff("audrey", Role.AUDITOR)
    page = login(auditor).get(f"/staff/cases/{visible.pk}/access/").content.decode()
    assert "case.export" in page and "ada" in page
    assert "case.export" not in login(auditor).get(f"/staff/cases/{hidden.pk}/access/").content.decode()


def test_an_export_without_conflicts_reads_every_case_it_includes(world, administrator):
    decided, other = world
    export(administrator, system="github", handle="mallory", email="rita@example.org")
    reads = AuditEntry.objects.filter(action="case.export", actor=administrator)
    assert sorted(reads.values_list("object_id", flat=True)) == sorted([str(decided.pk), str(other.pk)])
