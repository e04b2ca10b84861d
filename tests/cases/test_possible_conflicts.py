"""A reporter's contact email is not verified: matching a staff address it raises a possible
conflict that a triager confirms or dismisses; by itself it never hides a case or unassigns."""

from __future__ import annotations

import pytest

from steward.cases import conflicts, services
from steward.cases.models import Case, CaseConflict, TimelineEvent
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from tests.conftest import login

from .helpers import snapshot


@pytest.fixture
def assigned_elsewhere(file_report, triager, handler):
    """Hana handles one case; a report "from" her address arrives as another case."""
    hers, _ = file_report(narrative="A report Hana is handling, about insults in the forum.")
    services.assign_case(hers.case, by=triager, assignee=handler)
    spoofed, _ = file_report(narrative="A report typed with Hana's address.", anonymous=False,
                             contact_email="hana@example.org")
    return hers.case, spoofed.case


def possible(case, user):
    return CaseConflict.objects.get(case=case, user=user)


def resolve_url(conflict):
    return f"/staff/cases/{conflict.case_id}/conflicts/{conflict.pk}/"


def test_a_reporter_email_raises_only_a_possible_conflict(assigned_elsewhere, handler, triager):
    _, spoofed = assigned_elsewhere
    conflict = possible(spoofed, handler)
    assert (conflict.source, conflict.status) == ("reporter_email", "possible")
    assert AuditEntry.objects.filter(action="case.possible_conflict", object_id=str(spoofed.pk)).exists()
    assert TimelineEvent.objects.filter(case=spoofed, kind="possible_conflict").exists()
    assert not AuditEntry.objects.filter(action="case.conflict").exists()
    # Hana could still be assigned the case: nothing is hidden from her by an unverified address.
    services.assign_case(spoofed, by=triager, assignee=handler)
    assert login(handler).get(f"/staff/cases/{spoofed.pk}/").status_code == 200


def test_a_merge_no_longer_silently_unassigns_the_staff_member(assigned_elsewhere, handler, triager):
    hers, spoofed = assigned_elsewhere
    assert login(triager).post(f"/staff/cases/{hers.pk}/merge/", {"cases": spoofed.reference}).status_code == 302
    hers.refresh_from_db()
    assert hers.assignee == handler
    assert login(handler).get(f"/staff/cases/{hers.pk}/").status_code == 200
    assert possible(hers, handler).status == "possible"  # raised on the merged case for a triager to look at
    assert not TimelineEvent.objects.filter(case=hers, kind="unassigned").exists()


def test_triagers_see_the_possible_conflict_with_confirm_and_dismiss(assigned_elsewhere, handler, triager):
    _, spoofed = assigned_elsewhere
    services.assign_case(spoofed, by=triager, assignee=handler)
    conflict = possible(spoofed, handler)
    page = login(triager).get(f"/staff/cases/{spoofed.pk}/").content.decode()
    assert "Possible conflict of interest" in page
    assert f'action="{resolve_url(conflict)}"' in page
    assert 'value="confirm"' in page and 'value="dismiss"' in page
    assert "Possible conflict of interest noticed for Hana" in page  # the timeline entry
    # The case handler (no triage role) sees the case but not the box.
    handler_page = login(handler).get(f"/staff/cases/{spoofed.pk}/").content.decode()
    assert resolve_url(conflict) not in handler_page


def test_confirming_hides_the_case_and_takes_the_staff_member_off(assigned_elsewhere, handler, triager):
    _, spoofed = assigned_elsewhere
    services.assign_case(spoofed, by=triager, assignee=handler)
    conflict = possible(spoofed, handler)
    response = login(triager).post(resolve_url(conflict), {"decision": "confirm"}, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{spoofed.pk}/"
    spoofed.refresh_from_db()
    assert spoofed.assignee is None
    assert possible(spoofed, handler).status == "confirmed"
    entry = AuditEntry.objects.get(action="case.conflict_confirm")
    assert (entry.actor, entry.object_id, entry.ip, entry.detail["staff"]) == (triager, str(spoofed.pk), "192.0.2.44",
                                                                               handler.pk)
    assert TimelineEvent.objects.filter(case=spoofed, kind="conflict_confirmed").exists()
    assert login(handler).get(f"/staff/cases/{spoofed.pk}/").status_code == 404
    page = login(triager).get(f"/staff/cases/{spoofed.pk}/").content.decode()
    assert resolve_url(conflict) not in page  # nothing left to resolve


def test_dismissing_changes_nothing_for_the_staff_member(assigned_elsewhere, handler, triager):
    _, spoofed = assigned_elsewhere
    services.assign_case(spoofed, by=triager, assignee=handler)
    conflict = possible(spoofed, handler)
    assert login(triager).post(resolve_url(conflict), {"decision": "dismiss"}).status_code == 302
    spoofed.refresh_from_db()
    assert spoofed.assignee == handler
    assert possible(spoofed, handler).status == "dismissed"
    assert AuditEntry.objects.filter(action="case.conflict_dismiss", actor=triager).exists()
    assert TimelineEvent.objects.filter(case=spoofed, kind="conflict_dismissed").exists()
    assert login(handler).get(f"/staff/cases/{spoofed.pk}/").status_code == 200
    before = snapshot()
    # Already resolved: a second answer is refused with a message and changes nothing.
    response = login(triager).post(resolve_url(conflict), {"decision": "confirm"})
    assert response.status_code == 302
    assert snapshot() == before
    assert possible(spoofed, handler).status == "dismissed"


def test_a_triager_cannot_dismiss_a_possible_conflict_about_themselves(file_report, triager):
    report, _ = file_report(anonymous=False, contact_email="tara@example.org")
    conflict = possible(report.case, triager)
    before = snapshot()
    with pytest.raises(DomainError, match="another triager"):
        conflicts.resolve_possible_conflict(report.case, conflict.pk, by=triager, confirm=False)
    assert login(triager).post(resolve_url(conflict), {"decision": "dismiss"}).status_code == 302
    assert snapshot() == before
    assert 'value="dismiss"' not in login(triager).get(f"/staff/cases/{report.case_id}/").content.decode()


def test_bad_decisions_and_other_cases_conflicts_are_refused(assigned_elsewhere, handler, triager):
    hers, spoofed = assigned_elsewhere
    conflict = possible(spoofed, handler)
    before = snapshot()
    client = login(triager)
    assert client.post(resolve_url(conflict), {"decision": "maybe"}).status_code == 302
    assert client.post(f"/staff/cases/{hers.pk}/conflicts/{conflict.pk}/", {"decision": "confirm"}).status_code == 302
    assert snapshot() == before
    assert possible(spoofed, handler).status == "possible"


def test_only_triagers_may_resolve(assigned_elsewhere, handler, unrelated, triager):
    _, spoofed = assigned_elsewhere
    services.assign_case(spoofed, by=triager, assignee=handler)
    conflict = possible(spoofed, handler)
    before = snapshot()
    assert login(handler).post(resolve_url(conflict), {"decision": "dismiss"}).status_code == 403
    assert login(unrelated).post(resolve_url(conflict), {"decision": "confirm"}).status_code == 403
    assert snapshot() == before


def test_a_linked_account_still_hides_at_once_even_after_a_dismissed_email(file_report, triager, handler):
    from steward.registry import services as registry
    from steward.reports.services import Account

    report, _ = file_report(anonymous=False, contact_email="hana@example.org", accounts=[Account("github", "hana-gh")])
    case = report.case
    services.assign_case(case, by=triager, assignee=handler)
    conflicts.resolve_possible_conflict(case, possible(case, handler).pk, by=triager, confirm=False)
    registry.link_staff_account(handler, system="github", handle="hana-gh")
    case = Case.objects.get(pk=case.pk)
    assert case.assignee is None
    assert possible(case, handler).status == "confirmed"
    assert login(handler).get(f"/staff/cases/{case.pk}/").status_code == 404
