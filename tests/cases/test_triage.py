"""Guided triage: the proposal, the triage service and the triage page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from steward.cases import services
from steward.cases.messages import SecurityAlert
from steward.cases.models import RANK, Case, Priority, Status, TimelineEvent, Triage
from steward.cases.triage import propose_priority
from steward.core.access import Denied
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import AuditEntry
from tests.conftest import login, queued

from .helpers import answers, set_status, snapshot, triage_post

# --- the proposal -----------------------------------------------------------------


@pytest.mark.parametrize("violation", ["yes", "unclear", "no"])
def test_danger_proposes_p1_whatever_else_is_answered(violation):
    assert propose_priority(answers(danger=True, violation=violation)) == Priority.P1
    everything = answers(danger=True, ongoing=True, staff_or_leader_involved=True, public=True, pattern=True,
                         legal_exposure=True, violation=violation)
    assert propose_priority(everything) == Priority.P1


@pytest.mark.parametrize("flag", ["ongoing", "staff_or_leader_involved", "legal_exposure", "pattern"])
@pytest.mark.parametrize("violation", ["yes", "unclear", "no"])
def test_each_aggravating_answer_proposes_p2(flag, violation):
    assert propose_priority(answers(**{flag: True}, violation=violation)) == Priority.P2


def test_no_violation_proposes_p4():
    assert propose_priority(answers(violation="no")) == Priority.P4
    assert propose_priority(answers(violation="no", public=True)) == Priority.P4


@pytest.mark.parametrize("violation", ["yes", "unclear"])
def test_violation_or_unclear_without_aggravation_proposes_p3(violation):
    assert propose_priority(answers(violation=violation)) == Priority.P3
    # Being public alone does not raise the priority.
    assert propose_priority(answers(violation=violation, public=True)) == Priority.P3


# --- the service ------------------------------------------------------------------


@pytest.mark.parametrize(("priority", "flags"), [
    (Priority.P1, {"danger": True}),
    (Priority.P2, {"ongoing": True}),
    (Priority.P3, {}),
    (Priority.P4, {"violation": "no"}),
])
def test_triage_sets_priority_rank_status_and_sla_clock(case, triager, settings, priority, flags):
    settings.STEWARD_SLA_HOURS = {"P1": 2, "P2": 30, "P3": 100, "P4": 200}
    before = timezone.now()
    services.triage_case(case, by=triager, answers=answers(**flags), priority=priority, reason="", ip="192.0.2.7")
    after = timezone.now()

    case.refresh_from_db()
    assert case.priority == priority
    assert case.rank == RANK[priority]
    assert case.status == Status.TRIAGED
    assert before <= case.triaged_at <= after
    hours = settings.STEWARD_SLA_HOURS[priority]
    assert before + timedelta(hours=hours) <= case.due_at <= after + timedelta(hours=hours)


def test_triage_records_sealed_answers_reason_timeline_and_audit(case, triager):
    given = answers(ongoing=True, reporter_country="Kenya", reported_country="Peru")
    services.triage_case(case, by=triager, answers=given, priority=Priority.P1, reason="Threat posted in chat since",
                         ip="192.0.2.7")

    triage = Triage.objects.get(case=case)
    assert triage.by == triager
    assert triage.proposed == Priority.P2
    assert triage.priority == Priority.P1
    assert triage.reason == "Threat posted in chat since"
    assert triage.answers["ongoing"] is True
    assert triage.answers["reporter_country"] == "Kenya"
    assert triage.answers["violation"] == "yes"
    # Sealed: neither the reason nor the answers are stored in the clear.
    assert b"Threat posted" not in bytes(triage.reason_sealed)
    assert b"Kenya" not in bytes(triage.answers_sealed)

    kinds = list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "triaged" in kinds
    status_event = TimelineEvent.objects.get(case=case, kind="status")
    assert status_event.data == {"old": Status.NEW, "new": Status.TRIAGED}
    triaged = TimelineEvent.objects.get(case=case, kind="triaged")
    assert triaged.data == {"priority": "P1", "proposed": "P2"}
    assert triaged.detail == "Threat posted in chat since"

    entry = AuditEntry.objects.get(action="case.triage")
    assert entry.actor == triager
    assert entry.object_id == str(case.pk)
    assert entry.detail == {"priority": "P1", "proposed": "P2"}
    assert entry.ip == "192.0.2.7"


def test_accepting_the_proposal_needs_no_reason(case, triager):
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    assert Triage.objects.get(case=case).reason == ""


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_differing_from_the_proposal_without_reason_is_refused_and_changes_nothing(case, triager, reason):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        services.triage_case(case, by=triager, answers=answers(), priority=Priority.P4, reason=reason)
    assert "P3" in str(error.value.message)
    assert snapshot() == before
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert case.priority is None


def test_p1_queues_the_security_alert(case, triager):
    services.triage_case(case, by=triager, answers=answers(danger=True), priority=Priority.P1, reason="")
    assert queued(SecurityAlert) == [SecurityAlert(case=case.pk)]
    assert TimelineEvent.objects.filter(case=case, kind="safety_alert").exists()


@pytest.mark.parametrize("priority", [Priority.P2, Priority.P3, Priority.P4])
def test_other_priorities_alert_nobody(case, triager, priority):
    services.triage_case(case, by=triager, answers=answers(), priority=priority, reason="Judgement call")
    assert queued(SecurityAlert) == []
    assert not TimelineEvent.objects.filter(case=case, kind="safety_alert").exists()


def test_a_triaged_case_can_be_triaged_again(case, triager):
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    services.triage_case(case, by=triager, answers=answers(ongoing=True), priority=Priority.P2, reason="")
    case.refresh_from_db()
    assert case.priority == Priority.P2
    assert Triage.objects.filter(case=case).count() == 2
    # Only the first triage changed the status.
    assert TimelineEvent.objects.filter(case=case, kind="status").count() == 1


@pytest.mark.parametrize("status", [Status.INVESTIGATING, Status.AWAITING_DECISION, Status.DECIDED, Status.CLOSED])
def test_cases_past_triage_cannot_be_triaged(case, triager, status):
    set_status(case, status)
    before = snapshot()
    with pytest.raises(InvalidTransition):
        services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    assert snapshot() == before


def test_a_reopened_case_can_be_triaged(case, triager):
    set_status(case, Status.REOPENED)
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    case.refresh_from_db()
    assert case.status == Status.TRIAGED


def test_case_handlers_cannot_triage_even_their_own_case(case, handler, unrelated):
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    case.refresh_from_db()
    before = snapshot()
    for user in (handler, unrelated):
        with pytest.raises(Denied):
            services.triage_case(case, by=user, answers=answers(), priority=Priority.P3, reason="")
    assert snapshot() == before


# --- the page ---------------------------------------------------------------------


def assert_only_read(before: dict, reader) -> None:
    """Nothing changed but the audit entry of the page's read of the report."""
    after = snapshot()
    assert after.pop("audit") == before.pop("audit") + 1
    assert after == before
    assert AuditEntry.objects.order_by("pk").values_list("action", "actor").last() == ("case.view", reader.pk)


def test_triage_form_renders(case, triager):
    response = login(triager).get(f"/staff/cases/{case.pk}/triage/")
    assert response.status_code == 200
    assert response.context["proposal"] is None
    page = response.content.decode()
    assert f"Triage C-{case.pk:05d}" in page
    assert 'name="propose"' in page
    assert 'name="reason"' in page


def test_the_form_starts_from_the_reporters_danger_answer(file_report, triager):
    report, _ = file_report(danger_now=True)
    response = login(triager).get(f"/staff/cases/{report.case_id}/triage/")
    assert response.context["form"]["danger"].value() == "yes"


def test_asking_for_a_proposal_saves_nothing(case, triager):
    before = snapshot()
    data = triage_post(ongoing="yes")
    del data["priority"]
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", {**data, "propose": "1"})
    assert response.status_code == 200
    assert response.context["proposal"] == Priority.P2
    assert "Proposed priority: <strong>P2</strong>" in response.content.decode()
    assert_only_read(before, triager)


def test_asking_for_a_proposal_with_a_priority_chosen_still_saves_nothing(case, triager):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", {**triage_post(danger="yes", priority="P4"), "propose": "1"})
    assert response.status_code == 200
    assert response.context["proposal"] == Priority.P1
    assert_only_read(before, triager)


def test_saving_triage_redirects_to_the_case(case, triager):
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/",
                                   triage_post(violation="no", priority="P3", reason="Reported twice before"))
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.status, case.priority) == (Status.TRIAGED, Priority.P3)
    triage = Triage.objects.get(case=case)
    assert (triage.proposed, triage.priority, triage.reason) == (Priority.P4, Priority.P3, "Reported twice before")
    assert triage.by == triager


def test_saving_a_different_priority_without_reason_shows_the_error(case, triager):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", triage_post(priority="P1"))
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Explain why the priority differs from the proposed P3."]
    assert_only_read(before, triager)


@pytest.mark.parametrize(("change", "field"), [
    ({"violation": ""}, "violation"),
    ({"violation": "perhaps"}, "violation"),
    ({"danger": "maybe"}, "danger"),
    ({"priority": "P9"}, "priority"),
    ({"priority": ""}, "priority"),
    ({"reporter_country": "x" * 101}, "reporter_country"),
])
def test_invalid_triage_form_is_400_and_changes_nothing(case, triager, change, field):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", triage_post(**change))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert_only_read(before, triager)


def test_missing_answers_are_named(case, triager):
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", {"priority": "P3"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    for name in ("danger", "ongoing", "staff_or_leader_involved", "public", "pattern", "legal_exposure", "violation"):
        assert name in errors
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_triage_page_of_a_missing_case_is_404(db, triager):
    assert login(triager).get("/staff/cases/999999/triage/").status_code == 404


# --- what the triage page starts from ---------------------------------------------


def test_the_triage_page_shows_the_report_text_and_audits_the_read(file_report, triager):
    report, _ = file_report(narrative="He posted my home address in #general twice.", categories=["doxxing-privacy"])
    before = AuditEntry.objects.filter(action="case.view").count()

    response = login(triager).get(f"/staff/cases/{report.case_id}/triage/")

    page = response.content.decode()
    assert "He posted my home address in #general twice." in page
    assert report.category_labels[0] in page
    assert AuditEntry.objects.filter(action="case.view", actor=triager).count() == before + 1


@pytest.mark.parametrize(("ongoing", "expected"), [("yes", "yes"), ("no", "no"), ("unknown", None)])
def test_the_form_starts_from_the_reporters_ongoing_answer(file_report, triager, ongoing, expected):
    report, _ = file_report(ongoing=ongoing)
    response = login(triager).get(f"/staff/cases/{report.case_id}/triage/")
    assert response.context["form"]["ongoing"].value() == expected
    if expected is None:
        assert not re.findall(r'name="ongoing" value="\w+"[^>]*checked', response.content.decode())


def test_the_form_starts_from_a_no_to_danger_as_no(file_report, triager):
    report, _ = file_report(danger_now=False)
    response = login(triager).get(f"/staff/cases/{report.case_id}/triage/")
    assert response.context["form"]["danger"].value() == "no"


def test_an_unanswered_question_is_left_open():
    from steward.cases.forms import yes_no_initial

    assert [yes_no_initial(True), yes_no_initial(False), yes_no_initial(None)] == ["yes", "no", None]


def test_asking_for_a_proposal_pre_selects_it(case, triager):
    data = triage_post(ongoing="yes")
    del data["priority"]
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", {**data, "propose": "1"})

    assert response.context["form"]["priority"].value() == "P2"
    checked = re.findall(r'name="priority" value="(P\d)"[^>]*checked', response.content.decode())
    assert checked == ["P2"]


def test_the_proposal_replaces_an_earlier_choice_when_asked_for(case, triager):
    response = login(triager).post(f"/staff/cases/{case.pk}/triage/", {**triage_post(danger="yes", priority="P4"), "propose": "1"})
    assert response.context["form"]["priority"].value() == "P1"


def test_a_case_already_at_p1_starts_with_p1_chosen(file_report, triager):
    report, _ = file_report(danger_now=True)
    response = login(triager).get(f"/staff/cases/{report.case_id}/triage/")
    assert response.context["form"]["priority"].value() == "P1"
