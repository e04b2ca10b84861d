"""Offboarding: access ends the moment a person is removed; their open work is handed on."""

from __future__ import annotations

import pytest

from steward.cases import consultations
from steward.cases.models import Case, CaseConflict, Consultation, Status
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.staff import services as staff_services
from tests.conftest import login, make_staff

from .helpers import set_status, snapshot


def test_offboarding_hands_on_cases_withdraws_consultations_and_ends_the_session(assigned_case, second_case, handler,
                                                                               triager, administrator, unrelated):
    set_status(second_case, Status.CLOSED)
    Case.objects.filter(pk=second_case.pk).update(assignee=handler)
    lawyer = make_staff("lena", Role.CONSULTANT_LEGAL)
    consultation = consultations.request_consultation(assigned_case, by=triager, consultant=lawyer, kind="legal",
                                                      parts={"summary"}, question="Exposure?")
    session = login(handler)
    lawyer_session = login(lawyer)
    assert session.get(f"/staff/cases/{assigned_case.pk}/").status_code == 200

    response = login(administrator).post(f"/staff/people/{handler.pk}/offboard/", {"reassign_to": unrelated.pk})
    assert response.status_code == 302
    staff_services.offboard_staff(lawyer, by=administrator, reassign_to=None)

    handler.refresh_from_db()
    assert not handler.is_active and not handler.groups.exists()
    assert Case.objects.get(pk=assigned_case.pk).assignee == unrelated
    assert Case.objects.get(pk=second_case.pk).assignee == handler  # closed cases keep their history
    assert Consultation.objects.get(pk=consultation.pk).status == "withdrawn"
    assert AuditEntry.objects.filter(action="staff.offboard").count() == 2
    # The very next request of the old session is refused (Django does not authenticate inactive users).
    refused = session.get(f"/staff/cases/{assigned_case.pk}/")
    assert refused.status_code == 302 and "/login/" in refused["Location"]
    assert lawyer_session.get(f"/staff/cases/{assigned_case.pk}/").status_code == 302


def test_a_conflicted_target_is_refused_and_nothing_changes(assigned_case, handler, unrelated, administrator):
    CaseConflict.objects.create(case=assigned_case, user=unrelated, source="declared")
    before = snapshot()
    with pytest.raises(DomainError, match="conflict of interest"):
        staff_services.offboard_staff(handler, by=administrator, reassign_to=unrelated)
    assert snapshot() == before
    handler.refresh_from_db()
    assert handler.is_active


def test_only_administrators_offboard(handler, triager, administrator):
    with pytest.raises(Denied):
        staff_services.offboard_staff(handler, by=triager, reassign_to=None)
    assert login(triager).get("/staff/people/").status_code == 403
    with pytest.raises(DomainError):
        staff_services.offboard_staff(administrator, by=administrator, reassign_to=None)


def test_someone_who_cannot_be_assigned_is_refused_as_target(assigned_case, handler, administrator):
    with pytest.raises(DomainError, match="cannot be assigned"):
        staff_services.offboard_staff(handler, by=administrator, reassign_to=make_staff("ed", Role.ENFORCER))


def test_the_staff_page_lists_roles(handler, administrator):
    page = login(administrator).get("/staff/people/").content.decode()
    assert "hana" in page and "Case handler" in page
    assert f'action="/staff/people/{handler.pk}/offboard/"' in page
    assert f'action="/staff/people/{administrator.pk}/offboard/"' not in page


def test_a_role_taken_away_takes_its_work_back(assigned_case, handler, triager, administrator):
    lawyer = make_staff("lena", Role.CONSULTANT_LEGAL, Role.CONSULTANT_HR)
    legal = consultations.request_consultation(assigned_case, by=triager, consultant=lawyer, kind="legal",
                                               parts={"summary"}, question="Exposure?")
    hr = consultations.request_consultation(assigned_case, by=triager, consultant=lawyer, kind="hr",
                                            parts={"summary"}, question="Workplace?")
    staff_services.change_roles(handler, by=administrator, roles=[Role.TRIAGER])  # may still be assigned
    assert Case.objects.get(pk=assigned_case.pk).assignee == handler
    staff_services.change_roles(handler, by=administrator, roles=[Role.AUDITOR])
    assert Case.objects.get(pk=assigned_case.pk).assignee is None  # back to the triage queue
    staff_services.change_roles(lawyer, by=administrator, roles=[Role.CONSULTANT_HR])
    assert Consultation.objects.get(pk=legal.pk).status == "withdrawn"
    assert Consultation.objects.get(pk=hr.pk).status != "withdrawn"
    details = [e.detail for e in AuditEntry.objects.filter(action="staff.roles_changed").order_by("pk")]
    assert details[1] == {"before": ["triager"], "after": ["auditor"], "cases_returned": [assigned_case.pk]}
    assert details[2] == {"before": ["consultant_hr", "consultant_legal"], "after": ["consultant_hr"],
                          "consultations_withdrawn": [legal.pk]}
