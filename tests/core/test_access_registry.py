"""The access mechanism: apps register their own rules; core decides, fetches and refuses."""

from __future__ import annotations

import inspect
import re

import pytest
from django.http import Http404

from steward.cases import services as cases
from steward.cases.models import Case, CaseConflict, Consultation
from steward.cases.permissions import CaseAction
from steward.core import access, actors
from steward.core.roles import Role
from steward.decisions.permissions import DecisionAction
from steward.policy.permissions import PolicyAction
from steward.reports.models import Report
from steward.reports.permissions import INTAKE, ReportAction
from steward.retention import erasure
from steward.retention.permissions import PURGE, RetentionAction
from steward.staff.permissions import CREATE_STAFF_COMMAND, StaffAction
from tests.conftest import make_staff


def test_core_access_holds_no_domain_words():
    """The mechanism names no case, report, decision or role of its own: the apps register them."""
    source = inspect.getsource(access).lower()
    found = re.findall(r"\b(cases?|reports?|decisions?|triagers?|evidence|erase|role\.\w+)\b", source)
    assert found == []
    assert "from steward" not in source


def test_each_app_registers_its_own_actions_on_cases():
    named = access.actions_of(Case)
    # Global actions (pages, not one case) are not registered on cases.
    assert set(CaseAction) - {CaseAction.QUEUE, CaseAction.CONSULTATIONS, CaseAction.CONSULTATION_RULES} <= named
    assert DecisionAction.DECIDE in named  # registered by decisions
    assert RetentionAction.ERASE in named  # registered by retention


def test_global_actions_are_registered_by_their_apps(triager, administrator):
    assert access.can(triager, ReportAction.RECORD_REPORT) and not access.can(administrator, ReportAction.RECORD_REPORT)
    for action in (PolicyAction.EDIT_GUIDELINES, StaffAction.MANAGE_STAFF, RetentionAction.EXPORT_PERSON):
        assert access.can(administrator, action) and not access.can(triager, action), action
    assert access.usable(triager) == {CaseAction.QUEUE, ReportAction.RECORD_REPORT, DecisionAction.VIEW_LADDER}


def test_actions_are_enums_and_equal_their_names(db):
    assert isinstance(CaseAction.VIEW, str) and CaseAction.VIEW == "view"
    assert access.can(make_staff("tom", Role.TRIAGER), "queue") is access.can(make_staff("tim", Role.TRIAGER), CaseAction.QUEUE)


def test_hidden_and_denied_are_domain_exceptions_not_http_ones():
    assert not issubclass(access.Hidden, Http404)
    assert issubclass(access.Hidden, access.Refused) and issubclass(access.Denied, access.Refused)
    from django.core.exceptions import PermissionDenied

    assert not issubclass(access.Denied, PermissionDenied)


def test_fetch_finds_the_object_for_an_allowed_actor(case, triager):
    assert access.fetch(triager, CaseAction.VIEW, Case, case.pk) == case
    assert access.fetch(triager, CaseAction.VIEW, Case.objects.select_related("data_key"), case.pk) == case


@pytest.mark.parametrize("key", [987654, "abc", None])
def test_fetch_answers_a_missing_object_as_hidden(case, triager, key):
    with pytest.raises(access.Hidden):
        access.fetch(triager, CaseAction.VIEW, Case, key)


def test_fetch_answers_a_conflicted_staff_member_as_for_a_missing_case(case, triager):
    CaseConflict.objects.create(case=case, user=triager, source=CaseConflict.Source.DECLARED)
    with pytest.raises(access.Hidden):
        access.fetch(triager, CaseAction.VIEW, Case, case.pk)


def test_fetch_refuses_an_unrelated_staff_member(case, unrelated):
    with pytest.raises(access.Denied):
        access.fetch(unrelated, CaseAction.VIEW, Case, case.pk)


def test_fetch_decides_for_a_related_object_by_its_case(case, triager, unrelated):
    report = case.reports.get()
    assert access.fetch(triager, CaseAction.MESSAGE, Report, report.pk) == report
    with pytest.raises(access.Denied):
        access.fetch(unrelated, CaseAction.MESSAGE, Report, report.pk)
    consultation = Consultation(case=case, consultant=unrelated, kind="hr", requested_by=triager)
    consultation.question = "?"
    consultation.save(force_insert=True)
    assert access.fetch(triager, CaseAction.CONSULT, Consultation, consultation.pk) == consultation
    CaseConflict.objects.create(case=case, user=triager, source=CaseConflict.Source.DECLARED)
    with pytest.raises(access.Hidden):
        access.fetch(triager, CaseAction.CONSULT, Consultation, consultation.pk)


def test_no_check_runs_without_an_actor(case):
    for check in (lambda: access.require(None, CaseAction.VIEW, case), lambda: access.can(None, CaseAction.QUEUE),
                  lambda: access.fetch(None, CaseAction.VIEW, Case, case.pk)):
        with pytest.raises(TypeError):
            check()


def test_a_service_called_without_an_actor_is_refused(case, triager):
    with pytest.raises(TypeError):
        cases.add_note(case, body="A note")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        cases.add_note(case, by=None, body="A note")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cases.add_party(case, system="github", handle="x", role="witness")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        erasure.erase_case(case, by=None, reason="mistake")  # type: ignore[arg-type]
    assert not case.notes.exists() and not case.parties.exists()


def test_a_system_actor_may_do_only_what_it_was_declared_with(case):
    assert access.can(PURGE, RetentionAction.ERASE, case)
    access.require(PURGE, RetentionAction.ERASE, case)
    for action in (CaseAction.VIEW, CaseAction.NOTE, DecisionAction.DECIDE):
        assert not access.can(PURGE, action, case)
        with pytest.raises(access.Denied):
            access.require(PURGE, action, case)
    assert access.can(INTAKE, CaseAction.RECORD_PARTY, case) and not access.can(INTAKE, CaseAction.VIEW, case)
    assert access.can(CREATE_STAFF_COMMAND, StaffAction.MANAGE_STAFF)
    assert not access.can(CREATE_STAFF_COMMAND, RetentionAction.EXPORT_PERSON)
    assert access.visible(PURGE, Case.objects.all()).count() == 0  # no reading through the back door


def test_a_system_actor_refuses_services_outside_its_declaration(case):
    with pytest.raises(access.Denied):
        cases.add_note(case, by=PURGE, body="A note")  # type: ignore[arg-type]
    assert not case.notes.exists()


def test_a_system_actor_names_its_job():
    with pytest.raises(ValueError, match="names the job"):
        actors.SystemActor(" ")
    with pytest.raises(ValueError, match="Unknown kind"):
        actors.SystemActor("nightly", kind="staff")
    assert str(PURGE) == "retention purge" and not PURGE.is_authenticated and PURGE.pk is None


def test_intake_records_the_named_accounts_as_the_reporter(file_report):
    from steward.core.models import AuditEntry
    from steward.reports.services import Account

    report, _ = file_report(accounts=[Account("github", "mallory")])
    entry = AuditEntry.objects.get(action="case.party", object_id=str(report.case_id))
    assert (entry.actor, entry.actor_kind, entry.detail["job"]) == (None, "reporter", "intake")
    assert report.case.parties.get().role == "reported"
