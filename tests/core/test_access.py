"""Need to know: who may do what, on every case or on their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from steward.cases.models import Case
from steward.cases.permissions import may_be_assigned, sees_all_cases
from steward.core import access
from steward.core.access import Denied
from steward.core.roles import Role
from tests.conftest import make_staff

CASE_ACTIONS = ["view", "triage", "assign", "transition", "note", "message", "merge", "split", "evidence"]


@pytest.fixture
def assigned(case, handler):
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_triagers_may_do_everything_on_every_case(case, triager, action):
    assert access.can(triager, action, case)
    access.require(triager, action, case)


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_the_assigned_handler_works_the_case_but_does_not_triage_assign_merge_or_split(assigned, handler, action):
    allowed = action in {"view", "transition", "note", "message", "evidence"}
    assert access.can(handler, action, assigned) is allowed
    if not allowed:
        with pytest.raises(Denied):
            access.require(handler, action, assigned)


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_unrelated_handlers_administrators_and_roleless_staff_get_nothing(assigned, unrelated, administrator, action):
    nobody = make_staff("nora")
    for user in (unrelated, administrator, nobody, AnonymousUser()):
        assert not access.can(user, action, assigned), (user, action)
        with pytest.raises(Denied):
            access.require(user, action, assigned)


def test_being_assigned_without_the_case_handler_role_grants_nothing(case, administrator):
    Case.objects.filter(pk=case.pk).update(assignee=administrator)
    case.refresh_from_db()
    assert not access.can(administrator, "view", case)


@pytest.mark.parametrize(("change", "label"), [({"is_active": False}, "inactive"), ({"is_staff": False}, "not staff")])
def test_inactive_or_non_staff_accounts_lose_every_role(case, triager, change, label):
    for name, value in change.items():
        setattr(triager, name, value)
    triager.save()
    assert access.roles_of(triager) == frozenset(), label
    assert not access.can(triager, "view", case)
    assert not access.can(triager, "queue")


def test_global_actions(triager, handler, administrator):
    nobody = make_staff("nora")
    assert access.can(triager, "queue") and access.can(handler, "queue")
    assert access.can(triager, "record_report") and access.can(handler, "record_report")
    assert not access.can(administrator, "queue") and not access.can(nobody, "queue")
    assert not access.can(AnonymousUser(), "queue")
    assert not access.can(triager, "no-such-action")
    with pytest.raises(Denied):
        access.require(administrator, "record_report")


def test_who_sees_every_case(triager, handler, administrator):
    assert sees_all_cases(triager)
    assert not sees_all_cases(handler)
    assert not sees_all_cases(administrator)
    assert not sees_all_cases(AnonymousUser())


def test_who_may_be_assigned(triager, handler, administrator):
    assert may_be_assigned(triager)
    assert may_be_assigned(handler)
    assert not may_be_assigned(administrator)
    assert not may_be_assigned(make_staff("nora"))
    assert not may_be_assigned(make_staff("dora", Role.DECISION_MAKER))


def test_several_roles_add_up(case):
    both = make_staff("bea", Role.ADMINISTRATOR, Role.TRIAGER)
    assert access.roles_of(both) == {Role.ADMINISTRATOR, Role.TRIAGER}
    assert access.can(both, "merge", case)


def test_roles_are_read_once_per_user_object(triager, django_assert_num_queries):
    access.roles_of(triager)
    with django_assert_num_queries(0):
        for _ in range(5):
            access.roles_of(triager)


# --- the policy table: which roles cover which cases --------------------------------

from steward.cases.models import CaseConflict, Consultation, Status  # noqa: E402


def _case_in(case, **values):
    Case.objects.filter(pk=case.pk).update(**values)
    return Case.objects.get(pk=case.pk)


def test_security_covers_every_p1_case_only(case):
    security = make_staff("sam", Role.CONSULTANT_SECURITY)
    assert not access.can(security, "view", _case_in(case, priority="P2"))
    p1 = _case_in(case, priority="P1")
    for action in ("view", "note", "message", "evidence", "transition"):
        assert access.can(security, action, p1), action
    for action in ("assign", "triage", "merge", "split"):
        assert not access.can(security, action, p1), action
    assert list(access.visible(security, Case.objects.all())) == [p1]


@pytest.mark.parametrize(("status", "covered"), [(s, s in {"awaiting_decision", "decided"}) for s in Status.values])
def test_decision_makers_cover_cases_awaiting_or_having_a_decision(case, status, covered):
    decider = make_staff("dora", Role.DECISION_MAKER)
    current = _case_in(case, status=status)
    assert access.can(decider, "view", current) is covered
    assert access.can(decider, "decide", current) is covered
    assert (current in access.visible(decider, Case.objects.all())) is covered


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR, Role.ENFORCER, Role.SCREENER, Role.WORKING_GROUP,
                                  Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL, Role.CASE_HANDLER])
def test_roles_that_read_no_case_content_without_a_relation(case, role):
    user = make_staff("someone", role)
    for status in Status.values:
        current = _case_in(case, status=status, priority="P1")
        assert not access.can(user, "view", current)
        assert not access.parts(user, current)
    assert not access.visible(user, Case.objects.all()).exists()


def test_auditors_read_access_history_only(case):
    auditor = make_staff("audrey", Role.AUDITOR)
    assert access.can(auditor, "access_history", case) and access.can(auditor, "access_history")
    assert access.actions(auditor, case) == {"access_history"}


def test_a_conflict_beats_every_relation_and_hides_the_case(assigned, handler, triager):
    CaseConflict.objects.create(case=assigned, user=handler, source="declared")
    CaseConflict.objects.create(case=assigned, user=triager, source="detected")
    for user in (handler, triager):
        fresh = Case.objects.get(pk=assigned.pk)
        assert access.actions(user, fresh) == frozenset()
        with pytest.raises(access.Hidden):
            access.require(user, "view", fresh)
        assert not access.visible(user, Case.objects.all()).exists()


def test_a_consultation_grants_its_scope_to_the_matching_consultant_role_only(case, triager):
    lawyer = make_staff("lena", Role.CONSULTANT_LEGAL)
    Consultation.objects.create(case=case, consultant=lawyer, kind="hr", requested_by=triager,
                                question="?")
    assert not access.can(lawyer, "view", Case.objects.get(pk=case.pk))  # an HR consultation: not their role
    Consultation.objects.create(case=case, consultant=lawyer, kind="legal", requested_by=triager, shares_evidence=True,
                                question="?")
    fresh = Case.objects.get(pk=case.pk)
    assert access.parts(lawyer, fresh) == {"summary", "evidence"}
    assert access.actions(lawyer, fresh) == {"view", "answer", "evidence", "declare_conflict"}
    assert list(access.visible(lawyer, Case.objects.all())) == [fresh]


def test_visible_cases_is_one_query(case, triager, handler, django_assert_num_queries):
    access.roles_of(handler)
    with django_assert_num_queries(1):
        list(access.visible(handler, Case.objects.all()))
