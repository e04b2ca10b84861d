"""Need to know: who may do what, on every case or on their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from steward.cases.models import Case
from steward.core import access
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
        with pytest.raises(PermissionDenied):
            access.require(handler, action, assigned)


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_unrelated_handlers_administrators_and_roleless_staff_get_nothing(assigned, unrelated, administrator, action):
    nobody = make_staff("nora")
    for user in (unrelated, administrator, nobody, AnonymousUser()):
        assert not access.can(user, action, assigned), (user, action)
        with pytest.raises(PermissionDenied):
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
    with pytest.raises(PermissionDenied):
        access.require(administrator, "record_report")


def test_who_sees_every_case(triager, handler, administrator):
    assert access.sees_all_cases(triager)
    assert not access.sees_all_cases(handler)
    assert not access.sees_all_cases(administrator)
    assert not access.sees_all_cases(AnonymousUser())


def test_who_may_be_assigned(triager, handler, administrator):
    assert access.may_be_assigned(triager)
    assert access.may_be_assigned(handler)
    assert not access.may_be_assigned(administrator)
    assert not access.may_be_assigned(make_staff("nora"))
    assert not access.may_be_assigned(make_staff("dora", Role.DECISION_MAKER))


def test_several_roles_add_up(case):
    both = make_staff("bea", Role.ADMINISTRATOR, Role.TRIAGER)
    assert access.roles_of(both) == {Role.ADMINISTRATOR, Role.TRIAGER}
    assert access.can(both, "merge", case)


def test_roles_are_read_once_per_user_object(triager, django_assert_num_queries):
    access.roles_of(triager)
    with django_assert_num_queries(0):
        for _ in range(5):
            access.roles_of(triager)
