"""Merging cases about the same incident, and splitting a report back out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from steward.cases import services
from steward.cases.models import Case, CaseConflict, Note, Party, Priority, Status, TimelineEvent
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import login

from .helpers import answers, set_status, snapshot


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def two_cases(file_report, triager):
    one, _ = file_report(narrative="Insults in the chat from a maintainer.", accounts=[Account("github", "mallory")])
    two, _ = file_report(narrative="The same maintainer insulted me in code review.", accounts=[Account("github", "mal")])
    services.add_note(two.case, by=triager, body="Second reporter wants no contact with the reported person.")
    return one, two


# --- merging ----------------------------------------------------------------------


def test_merge_moves_reports_parties_and_notes(two_cases, triager):
    one, two = two_cases
    target, source = one.case, two.case
    services.merge_cases(target, [source], by=triager, ip="192.0.2.9")

    assert set(Report.objects.filter(case=target).values_list("pk", flat=True)) == {one.pk, two.pk}
    assert Report.objects.get(pk=two.pk).narrative == "The same maintainer insulted me in code review."
    handles = sorted(i.handle for p in Party.objects.filter(case=target) for i in p.person.identities.all())
    assert handles == ["mal", "mallory"]
    note = Note.objects.get(case=target)
    assert note.body == "Second reporter wants no contact with the reported person."  # resealed under the target's key
    assert bytes(note.body_sealed) != bytes(Note.objects.get(case=source).body_sealed)

    source.refresh_from_db()
    assert source.status == Status.CLOSED
    assert source.closed_at is not None
    assert source.merged_into == target
    assert TimelineEvent.objects.get(case=source, kind="merged_away").data == {"target": target.reference}
    assert TimelineEvent.objects.get(case=target, kind="merged_in").data == {"source": source.reference}
    entry = AuditEntry.objects.get(action="case.merge")
    assert (entry.object_id, entry.detail, entry.ip) == (str(target.pk), {"source": source.pk}, "192.0.2.9")


def test_the_merged_case_takes_the_most_urgent_priority(two_cases, triager):
    one, two = two_cases
    target, source = one.case, two.case
    services.triage_case(target, by=triager, answers=answers(violation="no"), priority=Priority.P4, reason="")
    services.triage_case(source, by=triager, answers=answers(ongoing=True), priority=Priority.P2, reason="")
    target.refresh_from_db()
    source.refresh_from_db()
    services.merge_cases(target, [source], by=triager)
    target.refresh_from_db()
    assert target.priority == Priority.P2
    assert target.rank == 3
    assert target.due_at == source.due_at


def test_a_less_urgent_case_does_not_lower_the_priority(two_cases, triager):
    one, two = two_cases
    target, source = one.case, two.case
    services.triage_case(target, by=triager, answers=answers(danger=True), priority=Priority.P1, reason="")
    services.triage_case(source, by=triager, answers=answers(), priority=Priority.P3, reason="")
    target.refresh_from_db()
    due = target.due_at
    services.merge_cases(target, [source], by=triager)
    target.refresh_from_db()
    assert (target.priority, target.due_at) == (Priority.P1, due)


def test_merging_an_untriaged_case_keeps_the_targets_triage(two_cases, triager):
    one, two = two_cases
    services.triage_case(one.case, by=triager, answers=answers(ongoing=True), priority=Priority.P2, reason="")
    services.merge_cases(one.case, [two.case], by=triager)
    target = Case.objects.get(pk=one.case_id)
    assert (target.status, target.priority, target.rank) == (Status.TRIAGED, Priority.P2, 3)


def test_an_untriaged_target_stays_untriaged_until_someone_triages_it(two_cases, triager):
    one, two = two_cases
    services.triage_case(two.case, by=triager, answers=answers(), priority=Priority.P3, reason="")
    services.merge_cases(one.case, [two.case], by=triager)
    target = Case.objects.get(pk=one.case_id)
    assert (target.status, target.priority, target.rank) == (Status.NEW, None, 2)


def test_danger_travels_with_a_merge(file_report, triager):
    calm, _ = file_report()
    alarming, _ = file_report(narrative="He said he would come to my house tonight.", danger_now=True)
    services.merge_cases(calm.case, [alarming.case], by=triager)
    target = Case.objects.get(pk=calm.case_id)
    assert target.danger
    assert target.priority == Priority.P1


def test_merging_several_cases_at_once(file_report, triager):
    reports = [file_report(narrative=f"Incident number {i} with the same person in the forum.")[0] for i in range(3)]
    target = reports[0].case
    services.merge_cases(target, [r.case for r in reports[1:]], by=triager)
    assert Report.objects.filter(case=target).count() == 3
    assert Case.objects.filter(merged_into=target).count() == 2


def test_merging_a_case_into_itself_is_refused(case, triager):
    before = snapshot()
    with pytest.raises(DomainError, match="at least one other case"):
        services.merge_cases(case, [case], by=triager)
    assert snapshot() == before


def test_merging_an_already_merged_case_is_refused(file_report, triager):
    reports = [file_report(narrative=f"Incident number {i} with the same person in the forum.")[0] for i in range(3)]
    first, second, third = (r.case for r in reports)
    services.merge_cases(first, [second], by=triager)
    second.refresh_from_db()
    before = snapshot()
    with pytest.raises(DomainError, match=f"Case {second.reference} was already merged"):
        services.merge_cases(third, [second], by=triager)
    assert snapshot() == before


def test_a_failed_merge_leaves_earlier_sources_untouched(file_report, triager):
    reports = [file_report(narrative=f"Incident number {i} with the same person in the forum.")[0] for i in range(4)]
    first, second, third, fourth = (r.case for r in reports)
    services.merge_cases(third, [fourth], by=triager)
    fourth.refresh_from_db()
    before = snapshot()
    with pytest.raises(DomainError, match="already merged"):
        services.merge_cases(first, [second, fourth], by=triager)  # second is fine, fourth is refused
    assert snapshot() == before
    assert Case.objects.get(pk=second.pk).status == Status.NEW


def test_merge_works_on_the_current_state_of_the_cases(two_cases, file_report, triager):
    one, two = two_cases
    target, source = one.case, two.case  # loaded before the triage below
    services.triage_case(Case.objects.get(pk=target.pk), by=triager, answers=answers(ongoing=True),
                         priority=Priority.P2, reason="")
    services.merge_cases(target, [source], by=triager)
    stored = Case.objects.get(pk=target.pk)
    assert (stored.priority, stored.status) == (Priority.P2, Status.TRIAGED)
    # A source that was merged elsewhere since it was loaded is refused.
    assert source.merged_into_id is None
    third, _ = file_report(narrative="A third report about the same maintainer in the forum.")
    with pytest.raises(DomainError, match="already merged"):
        services.merge_cases(third.case, [source], by=triager)
    assert Case.objects.get(pk=source.pk).merged_into_id == target.pk


def test_a_closed_case_cannot_receive_a_merge(case, second_case, triager):
    set_status(case, Status.CLOSED)
    before = snapshot()
    with pytest.raises(DomainError, match="reopen it first"):
        services.merge_cases(case, [second_case], by=triager)
    assert snapshot() == before


def test_case_handlers_cannot_merge(case, second_case, handler):
    Case.objects.filter(pk__in=[case.pk, second_case.pk]).update(assignee=handler)
    case.refresh_from_db()
    before = snapshot()
    with pytest.raises(Denied):
        services.merge_cases(case, [second_case], by=handler)
    assert snapshot() == before


def test_merge_through_the_form(two_cases, triager):
    one, two = two_cases
    response = login(triager).post(f"/staff/cases/{one.case_id}/merge/", {"cases": f"c-{two.case_id:05d}, "})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{one.case_id}/"
    assert flash(response) == ["Cases merged."]
    assert Case.objects.get(pk=two.case_id).merged_into_id == one.case_id


@pytest.mark.parametrize(("value", "message"), [
    ("X-1", "“X-1” is not a case reference."),
    ("C-12, R-3", "“R-3” is not a case reference."),
    ("C-", "Give at least one case reference."),
    (",,", "Give at least one case reference."),
    ("", "This field is required."),
    ("C-999999", "No case C-999999."),
    ("999998, 999999", "No case C-999998, C-999999."),
])
def test_bad_merge_references_are_refused_with_a_message(case, second_case, triager, value, message):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/merge/", {"cases": value})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.pk}/"
    assert flash(response) == [message]
    assert snapshot() == before


def test_a_missing_case_among_good_ones_merges_nothing(case, second_case, triager):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/merge/", {"cases": f"{second_case.reference}, C-999999"})
    assert flash(response) == ["No case C-999999."]
    assert snapshot() == before


def test_a_hidden_case_is_answered_like_a_missing_one(case, second_case, triager):
    CaseConflict.objects.create(case=second_case, user=triager, source=CaseConflict.Source.DECLARED)
    before = snapshot()
    hidden = login(triager).post(f"/staff/cases/{case.pk}/merge/", {"cases": second_case.reference})
    missing = login(triager).post(f"/staff/cases/{case.pk}/merge/", {"cases": "C-99999"})
    assert hidden.status_code == missing.status_code == 302
    assert hidden["Location"] == missing["Location"] == f"/staff/cases/{case.pk}/"
    assert flash(hidden) == [f"No case {second_case.reference}."]
    assert flash(missing) == ["No case C-99999."]
    assert snapshot() == before
    # Called directly, the service answers the same too.
    with pytest.raises(DomainError, match=f"No case {second_case.reference}."):
        services.merge_cases(case, [second_case], by=triager)


def test_merging_into_itself_through_the_form(case, triager):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/merge/", {"cases": case.reference})
    assert flash(response) == ["Choose at least one other case to merge."]
    assert snapshot() == before


# --- splitting --------------------------------------------------------------------


def test_split_moves_one_report_to_a_new_case(two_cases, triager):
    one, two = two_cases
    target = one.case
    services.triage_case(target, by=triager, answers=answers(ongoing=True), priority=Priority.P2, reason="")
    services.merge_cases(target, [two.case], by=triager)
    before = timezone.now()

    new_case = services.split_report(target, report_id=two.pk, by=triager, ip="192.0.2.3")

    assert new_case.pk not in (one.case_id, two.case_id)
    assert list(Report.objects.filter(case=new_case).values_list("pk", flat=True)) == [two.pk]
    assert list(Report.objects.filter(case=target).values_list("pk", flat=True)) == [one.pk]
    assert Report.objects.get(pk=two.pk).narrative == "The same maintainer insulted me in code review."
    new_case.refresh_from_db()
    assert new_case.priority == Priority.P2
    assert new_case.status == Status.TRIAGED
    assert new_case.due_at >= before + timedelta(hours=24) - timedelta(seconds=1)
    assert TimelineEvent.objects.get(case=target, kind="split_out").data == {"report": two.reference,
                                                                          "target": new_case.reference}
    assert TimelineEvent.objects.get(case=new_case, kind="split_from").data == {"report": two.reference,
                                                                             "source": target.reference}
    assert AuditEntry.objects.get(action="case.split").detail == {"report": two.pk, "new_case": new_case.pk}


def test_split_of_an_untriaged_case_opens_an_untriaged_case(two_cases, triager):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    new_case = services.split_report(one.case, report_id=two.pk, by=triager)
    assert (new_case.status, new_case.priority, new_case.rank) == (Status.NEW, None, 2)


def test_split_refuses_a_case_with_one_report(case, triager):
    report = case.reports.get()
    before = snapshot()
    with pytest.raises(DomainError, match="at least two reports"):
        services.split_report(case, report_id=report.pk, by=triager)
    assert snapshot() == before


def test_split_refuses_a_report_of_another_case(two_cases, file_report, triager):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    other, _ = file_report(narrative="An unrelated incident in a different space entirely.")
    before = snapshot()
    with pytest.raises(DomainError, match="not part of this case"):
        services.split_report(one.case, report_id=other.pk, by=triager)
    assert snapshot() == before


def test_split_through_the_form(two_cases, triager):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    client = login(triager)
    page = client.get(f"/staff/cases/{one.case_id}/").content.decode()
    assert f'action="/staff/cases/{one.case_id}/split/"' in page
    response = client.post(f"/staff/cases/{one.case_id}/split/", {"report": two.pk})
    new_case = Report.objects.get(pk=two.pk).case
    assert new_case.pk != one.case_id
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{new_case.pk}/"
    assert flash(response) == ["Report moved to a new case."]


@pytest.mark.parametrize(("value", "message"), [
    ("", "This field is required."),
    ("abc", "Enter a whole number."),
])
def test_bad_split_input_is_refused_with_a_message(two_cases, triager, value, message):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{one.case_id}/split/", {"report": value})
    assert flash(response) == [message]
    assert snapshot() == before


def test_split_form_on_a_one_report_case(case, triager):
    before = snapshot()
    response = login(triager).post(f"/staff/cases/{case.pk}/split/", {"report": case.reports.get().pk})
    assert flash(response) == ["A case needs at least two reports to split one off."]
    assert snapshot() == before
