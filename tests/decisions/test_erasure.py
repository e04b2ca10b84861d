"""Erasing a case destroys its keys: its content cannot be decrypted any more, its evidence
files are gone from disk, while the record of a ban still in force survives."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from steward.cases import services as cases
from steward.cases.models import Case, ErasureReason, Note, Party, Status, TimelineEvent
from steward.core import crypto
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.decisions.models import Decision, Outcome
from steward.registry.models import Identity, Person
from steward.reports import services as reports
from steward.reports import uploads
from steward.reports.models import Evidence, Message, Report
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from steward.retention.erasure import erase_case
from tests.conftest import login

from .conftest import awaiting
from .helpers import decide


@pytest.fixture
def full_case(file_report, triager):
    """A case with a file, messages both ways, a note and a triage reason; awaiting a decision."""
    report, code = file_report(narrative="He threatened me in the project chat and in private messages.",
                               accounts=[Account("github", "mallory")], anonymous=False, contact_name="Rita",
                               contact_email="rita@example.org",
                               files=[CleanFile(name="chat-log.txt", content_type="text/plain", data=b"the chat log")])
    case = report.case
    reports.reporter_reply(report, body="Another message from the reporter.", files=[])
    reports.message_reporter(report, by=triager, body="Thank you, we are looking into it.")
    cases.add_note(case, by=triager, body="Checked the chat logs.")
    return awaiting(case), report, code


def _erase(case, by, django_capture_on_commit_callbacks, reason=ErasureReason.REQUEST):
    with django_capture_on_commit_callbacks(execute=True):
        return erase_case(case, by=by, reason=reason, ip="192.0.2.9")


def test_erasing_a_case_with_an_active_ban_keeps_only_the_ban_record(full_case, decision_maker, client,
                                                                     django_capture_on_commit_callbacks):
    case, report, code = full_case
    decision = decide(case, decision_maker, "temporary_ban", days=90, summary="A ban of 90 days.",
                      rationale="Threats are never acceptable.")
    files = [Path(uploads.storage().path(name)) for name in Evidence.objects.values_list("stored_name", flat=True)]
    assert files and all(path.exists() for path in files)

    _erase(case, decision_maker, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    report = Report.objects.select_related("data_key", "case__data_key").get(pk=report.pk)
    # The content cannot be decrypted: the keys are gone.
    assert case.data_key.wrapped is None and case.data_key.destroyed_at is not None
    assert report.data_key.wrapped is None
    for read in (lambda: report.narrative, lambda: report.contact_email, lambda: case.decision_summary,
                 lambda: Note.objects.get(case=case).body, lambda: Message.objects.filter(report=report).first().body,
                 lambda: Decision.objects.get().rationale, lambda: Decision.objects.get().reporter_summary):
        with pytest.raises(crypto.KeyDestroyed):
            read()
    # The evidence files are gone from disk, their rows with them.
    assert not any(path.exists() for path in files)
    assert not Evidence.objects.exists()
    assert report.contact_email_index == ""
    # The ban survives, readable: who, what, until when.
    decision.refresh_from_db()
    assert decision.is_active_ban()
    assert decision.ban_record == {"outcome": "temporary_ban", "ban": "temporary",
                                   "starts_on": decision.starts_on.isoformat(), "ends_on": decision.ends_on.isoformat(),
                                   "subject": decision.subject_id, "decided_at": decision.decided_at.isoformat(),
                                   "case": case.pk}
    person = Person.objects.get(pk=decision.subject_id)
    assert [i.handle for i in person.identities.all()] == ["mallory"]
    assert Party.objects.filter(case=case, person=person, role=Party.Role.REPORTED).exists()
    assert case.erased_at is not None and case.erasure_reason == ErasureReason.REQUEST
    entry = AuditEntry.objects.filter(action="case.erase").get()
    assert entry.actor == decision_maker
    assert entry.detail == {"reason": "request", "reports": 1, "files": 1, "bans_kept": 1}
    assert TimelineEvent.objects.filter(case=case, kind="erased").exists()

    # The staff page shows the erasure and the ban, and no content (and does not fail).
    page = login(decision_maker).get(f"/staff/cases/{case.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "This case was erased on" in text and "Erasure request from someone involved" in text
    assert "Temporary ban" in text and "mallory" in text
    assert "threatened" not in text
    # The reporter's follow-up page says so (and does not fail).
    assert client.post("/follow-up/", {"code": code}).status_code == 302
    follow_up = client.get("/follow-up/case/")
    assert follow_up.status_code == 200
    assert "This report has been erased." in follow_up.content.decode()
    assert client.post("/follow-up/case/", {"body": "Still there?"}).status_code == 200
    assert Message.objects.filter(report=report).count() == 2


def test_erasing_a_no_violation_case_erases_it_fully(full_case, decision_maker, django_capture_on_commit_callbacks):
    case, report, _ = full_case
    decision = decide(case, decision_maker, Outcome.NO_VIOLATION)
    person_ids = list(Party.objects.filter(case=case).values_list("person_id", flat=True))

    _erase(case, decision_maker, django_capture_on_commit_callbacks, reason=ErasureReason.RETENTION)

    decision.refresh_from_db()
    assert decision.outcome == Outcome.NO_VIOLATION and decision.subject is None
    assert not Party.objects.filter(case=case).exists()
    assert not Person.objects.filter(pk__in=person_ids).exists()
    assert not Identity.objects.exists()
    assert not Evidence.objects.exists()
    with pytest.raises(crypto.KeyDestroyed):
        _ = Report.objects.get(pk=report.pk).narrative


def test_an_ended_ban_is_not_kept_linked_to_the_person(full_case, decision_maker, django_capture_on_commit_callbacks):
    case, _, _ = full_case
    decision = decide(case, decision_maker, "temporary_ban", days=10)
    Decision.objects.filter(pk=decision.pk).update(starts_on=decision.starts_on.replace(year=2000),
                                                     ends_on=decision.ends_on.replace(year=2001))
    _erase(case, decision_maker, django_capture_on_commit_callbacks)
    decision.refresh_from_db()
    assert decision.subject is None
    assert not Party.objects.filter(case=case).exists()


def test_a_person_involved_elsewhere_keeps_their_accounts(full_case, file_report, decision_maker,
                                                         django_capture_on_commit_callbacks):
    case, _, _ = full_case
    other, _ = file_report(accounts=[Account("github", "mallory")])
    _erase(case, decision_maker, django_capture_on_commit_callbacks)
    assert Identity.objects.filter(person__parties__case=other.case).exists()


def test_nothing_can_be_added_to_an_erased_case(full_case, decision_maker, triager, django_capture_on_commit_callbacks):
    case, report, _ = full_case
    _erase(case, decision_maker, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    report.refresh_from_db()
    with pytest.raises(DomainError, match="erased"):
        cases.add_note(case, by=triager, body="One more thing")
    with pytest.raises(DomainError, match="erased"):
        reports.message_reporter(report, by=triager, body="Hello")
    with pytest.raises(DomainError, match="erased"):
        cases.move_case(case, by=triager, to=Status.CLOSED)
    with pytest.raises(DomainError, match="already erased"):
        erase_case(case, by=decision_maker, reason=ErasureReason.REQUEST)


def test_only_decision_makers_and_administrators_may_erase(full_case, triager, handler, administrator,
                                                           django_capture_on_commit_callbacks):
    case, _, _ = full_case
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    for user in (triager, handler):
        with pytest.raises(Denied):
            erase_case(case, by=user, reason=ErasureReason.REQUEST)
    assert Case.objects.get(pk=case.pk).erased_at is None
    with pytest.raises(DomainError, match="Choose why"):
        erase_case(case, by=administrator, reason="because")
    _erase(case, administrator, django_capture_on_commit_callbacks)
    assert Case.objects.get(pk=case.pk).erased_at is not None


# --- the erase page ----------------------------------------------------------------


def test_the_erase_page_needs_the_reason_and_the_typed_reference(full_case, administrator):
    case, _, _ = full_case
    client = login(administrator)
    page = client.get(f"/staff/cases/{case.pk}/erase/")
    assert page.status_code == 200
    assert "threatened" not in page.content.decode()  # the administrator does not read the case
    for data, message in [({"reason": "request", "confirm": "C-99999"}, "This is not the reference of this case."),
                          ({"confirm": case.reference}, "This field is required."),
                          ({"reason": "whim", "confirm": case.reference}, "Select a valid choice.")]:
        response = client.post(f"/staff/cases/{case.pk}/erase/", data)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Case.objects.get(pk=case.pk).erased_at is None
    response = client.post(f"/staff/cases/{case.pk}/erase/", {"reason": "request", "confirm": case.reference.lower()})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).erased_at is not None
    assert "This case was erased on" in client.get(response["Location"]).content.decode()


def test_the_erase_page_is_refused_to_others_and_needs_a_recent_sign_in(full_case, triager, decision_maker):
    import time

    case, _, _ = full_case
    assert login(triager).post(f"/staff/cases/{case.pk}/erase/", {"reason": "request", "confirm": case.reference}
                               ).status_code == 403
    assert Client().get(f"/staff/cases/{case.pk}/erase/").status_code == 302
    stale = login(decision_maker, at=time.time() - 3 * 3600)
    response = stale.post(f"/staff/cases/{case.pk}/erase/", {"reason": "request", "confirm": case.reference})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert Case.objects.get(pk=case.pk).erased_at is None
    assert f'href="/staff/cases/{case.pk}/erase/"' in login(decision_maker).get(f"/staff/cases/{case.pk}/").content.decode()
