"""Consultations: a consultant sees only the parts shared with them, answers, and loses access
when the consultation is withdrawn (or answered and the case closed)."""

from __future__ import annotations

import pytest

from steward.cases import consultations, services
from steward.cases.models import CaseConflict, Consultation, Part, Status
from steward.core import access
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.uploads import CleanFile
from tests.conftest import login, make_staff, png_bytes

from .helpers import set_status


@pytest.fixture
def lawyer(db):
    return make_staff("lena", Role.CONSULTANT_LEGAL, first_name="Lena")


@pytest.fixture
def auditor(db):
    return make_staff("audrey", Role.AUDITOR)


@pytest.fixture
def case_with_evidence(file_report):
    report, _ = file_report(files=[CleanFile(name="shot.png", content_type="image/png", data=png_bytes())])
    services.add_note(report.case, by=make_staff("tom", Role.TRIAGER), body="Internal: spoke with moderators.")
    return report.case


def ask(case, by, consultant, parts, kind="legal"):
    return consultations.request_consultation(case, by=by, consultant=consultant, kind=kind, parts=parts,
                                              question="Is there legal exposure?")


def test_a_narrow_consultation_shows_only_the_summary(case_with_evidence, triager, lawyer):
    case = case_with_evidence
    consultation = ask(case, triager, lawyer, {"summary"})
    assert AuditEntry.objects.filter(action="case.consultation_request").exists()
    response = login(lawyer).get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Is there legal exposure?" in page
    assert "He kept sending me" not in page
    assert "Internal: spoke with moderators." not in page
    assert "shot.png" not in page
    assert f'action="/staff/consultations/{consultation.pk}/answer/"' in page
    assert f'action="/staff/cases/{case.pk}/notes/"' not in page
    evidence = case.reports.get().evidence.get()
    assert login(lawyer).get(f"/staff/evidence/{evidence.pk}/").status_code == 403
    with pytest.raises(Denied):
        report_services.evidence_for_staff(evidence, by=lawyer, ip=None)


def test_a_wide_consultation_shares_reports_evidence_and_notes(case_with_evidence, triager, lawyer):
    case = case_with_evidence
    ask(case, triager, lawyer, {"summary", "reports", "evidence", "notes"})
    page = login(lawyer).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "He kept sending me" in page and "Internal: spoke with moderators." in page and "shot.png" in page
    evidence = case.reports.get().evidence.get()
    assert login(lawyer).get(f"/staff/evidence/{evidence.pk}/").status_code == 200


@pytest.mark.parametrize("action", ["triage", "assign", "note", "message", "transition", "merge", "split", "consult"])
def test_a_consultant_only_answers(case, triager, lawyer, action):
    ask(case, triager, lawyer, set(Part))
    assert access.can(lawyer, "view", case) and access.can(lawyer, "answer", case)
    assert not access.can(lawyer, action, case)


def test_answering_and_the_end_of_access(case, triager, lawyer):
    consultation = ask(case, triager, lawyer, {"summary"})
    client = login(lawyer)
    assert client.post(f"/staff/consultations/{consultation.pk}/answer/", {"answer": "No exposure."}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "answered" and consultation.answer == "No exposure."
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 200  # still open: they may follow up
    with pytest.raises(DomainError):
        consultations.answer_consultation(consultation, by=lawyer, answer="Again")
    set_status(case, Status.CLOSED)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 403


def test_withdrawing_ends_access_at_once(case, triager, lawyer):
    consultation = ask(case, triager, lawyer, {"summary"})
    assert login(triager).post(f"/staff/consultations/{consultation.pk}/withdraw/").status_code == 302
    assert Consultation.objects.get().status == "withdrawn"
    assert login(lawyer).get(f"/staff/cases/{case.pk}/").status_code == 403
    assert login(lawyer).get("/staff/consultations/").context["consultations"] == []


def test_who_may_request_and_whom(case, triager, handler, unrelated, lawyer):
    hr = make_staff("hugo", Role.CONSULTANT_HR)
    with pytest.raises(Denied):
        ask(case, unrelated, lawyer, {"summary"})
    with pytest.raises(DomainError, match="not a Legal consultant"):
        ask(case, triager, hr, {"summary"})
    CaseConflict.objects.create(case=case, user=lawyer, source="declared")
    with pytest.raises(DomainError, match="conflict of interest"):
        ask(case, triager, lawyer, {"summary"})
    CaseConflict.objects.filter(user=lawyer).delete()
    access.forget(case)
    with pytest.raises(DomainError):
        consultations.request_consultation(case, by=triager, consultant=lawyer, kind="legal", parts={"summary"}, question=" ")
    assert not Consultation.objects.exists()


def test_losing_the_consultant_role_ends_access(case, triager, lawyer):
    ask(case, triager, lawyer, {"summary"})
    lawyer.groups.clear()
    assert login(lawyer).get(f"/staff/cases/{case.pk}/").status_code == 403


def test_consultations_show_on_the_case_page_and_timeline(case, triager, lawyer):
    ask(case, triager, lawyer, {"summary"})
    page = login(triager).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Legal consultation with lena" in page
    assert "Legal consultation requested from Lena" in page
    assert "Is there legal exposure?" in page


def test_the_consultants_list(case, triager, lawyer):
    ask(case, triager, lawyer, {"summary"})
    response = login(lawyer).get("/staff/consultations/")
    assert response.status_code == 200
    assert case.reference in response.content.decode()
    assert login(triager).get("/staff/consultations/").status_code == 403


def test_reading_the_consultants_list_is_audited_on_every_case_it_shows(file_report, triager, lawyer, auditor):
    """The list shows each question: each read leaves one entry in each listed case's access history."""
    first, second, withdrawn = (file_report(narrative=f"Report number {n} about insults in the chat.")[0].case
                                for n in range(3))
    ask(first, triager, lawyer, {"summary"})
    ask(first, triager, lawyer, {"summary"}, kind="legal")  # two questions on one case: still one read of it
    ask(second, triager, lawyer, {"summary"})
    consultations.withdraw_consultation(ask(withdrawn, triager, lawyer, {"summary"}), by=triager)

    def reads(case):
        return list(AuditEntry.objects.filter(action="case.view", object_type="case", object_id=str(case.pk), actor=lawyer)
                    .values_list("detail", "ip"))

    client = login(lawyer)
    page = client.get("/staff/consultations/", REMOTE_ADDR="198.51.100.9").content.decode()
    assert first.reference in page and second.reference in page and withdrawn.reference not in page
    assert reads(first) == reads(second) == [({"page": "consultations"}, "198.51.100.9")]
    assert reads(withdrawn) == []
    client.get("/staff/consultations/", REMOTE_ADDR="198.51.100.9")
    assert len(reads(first)) == len(reads(second)) == 2  # one entry per read
    history = login(auditor).get(f"/staff/cases/{first.pk}/access/").context["lines"]
    assert [line.ip for line in history if line.who == "lena" and line.action == "case.view"] == ["198.51.100.9"] * 2


def test_a_refused_consultants_list_audits_nothing(case, triager, lawyer):
    ask(case, triager, lawyer, {"summary"})
    before = AuditEntry.objects.count()
    assert login(triager).get("/staff/consultations/").status_code == 403
    assert AuditEntry.objects.count() == before
