"""A case's access history: auditors only, no case content, reporters never identified."""

from __future__ import annotations

import pytest

from steward.cases import access_log, services
from steward.core.access import Denied
from steward.core.roles import Role
from tests.conftest import login, make_staff


@pytest.fixture
def auditor(db):
    return make_staff("audrey", Role.AUDITOR)


def test_auditors_see_who_did_what_from_where(file_report, triager, auditor):
    report, _ = file_report(anonymous=False, contact_name="Rita Reporter", contact_email="rita@example.org")
    case = report.case
    login(triager).get(f"/staff/cases/{case.pk}/", REMOTE_ADDR="198.51.100.7")
    services.add_note(case, by=triager, body="Secret note text")
    response = login(auditor).get(f"/staff/cases/{case.pk}/access/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "tara" in page and "case.view" in page and "198.51.100.7" in page and "case.note" in page
    assert "report.submit" in page
    lines = response.context["lines"]
    reporter_lines = [line for line in lines if line.who == "reporter"]
    assert reporter_lines and all(line.ip is None for line in reporter_lines)
    for secret in ("Rita", "rita@example.org", "Secret note text", "He kept sending me"):
        assert secret not in page


def test_reading_the_history_is_audited_and_only_for_auditors(case, triager, auditor):
    from steward.core.models import AuditEntry

    access_log.access_history(case, by=auditor)
    assert AuditEntry.objects.filter(action="case.access_history", actor=auditor).exists()
    with pytest.raises(Denied):
        access_log.access_history(case, by=triager)
    assert login(triager).get(f"/staff/cases/{case.pk}/access/").status_code == 403
    assert login(auditor).get(f"/staff/cases/{case.pk}/").status_code == 403  # no content for auditors


def test_the_lookup_form_leads_to_the_history(case, auditor):
    client = login(auditor)
    assert client.get("/staff/access/").status_code == 200
    response = client.get("/staff/access/", {"case": case.reference})
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{case.pk}/access/"
    assert client.get("/staff/access/", {"case": "nonsense"}).status_code == 400


def test_entries_the_sequencer_has_not_reached_show_after_the_sequenced_ones(case, triager, auditor):
    from steward.core import audit

    services.add_note(case, by=triager, body="First")
    audit.sequence()  # everything so far has a position
    audit.record(triager, "case.view", case)  # committed, waiting for the sequencer
    actions = [line.action for line in access_log.access_history(case, by=auditor)]
    assert actions[-2:] == ["case.note", "case.view"]
    assert "case.open" in actions[:-2]
