"""The case read model: one service builds what a staff member may see of a case, with only
the visible parts, audits the read once; the page renders it and nothing else."""

from __future__ import annotations

import re

import pytest

from steward.cases import consultations, reading, services
from steward.cases.models import CaseConflict, Part
from steward.core import access
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.uploads import CleanFile
from tests.conftest import login, make_staff, png_bytes

NARRATIVE = "He kept sending me insulting messages in the project chat."
NOTE = "Internal: spoke with the moderators."
REASON = "Raised: a moderator confirmed it."
OTHER_QUESTION = "Does the HR policy apply to volunteers?"


@pytest.fixture
def lawyer(db):
    return make_staff("lena", Role.CONSULTANT_LEGAL, first_name="Lena")


@pytest.fixture
def full_case(file_report, triager):
    """A case with every part filled: a report with evidence and a message, a note, a party, a
    timeline entry with a reason, and a consultation with someone else."""
    report, _ = file_report(files=[CleanFile(name="shot.png", content_type="image/png", data=png_bytes())])
    case = report.case
    services.add_note(case, by=triager, body=NOTE)
    services.add_party(case, by=triager, system="github", handle="wendy-witness", role="witness")
    services.move_case(case, by=triager, to="closed", reason=REASON)
    services.move_case(case, by=triager, to="reopened", reason="")
    report_services.message_reporter(report, by=triager, body="Could you tell us more?")
    consultations.request_consultation(case, by=triager, consultant=make_staff("hal", Role.CONSULTANT_HR), kind="hr",
                                       parts={"summary"}, question=OTHER_QUESTION)
    return case


def ask(case, by, consultant, parts):
    return consultations.request_consultation(case, by=by, consultant=consultant, kind="legal", parts=parts,
                                              question="Is there legal exposure?")


def views_of(case):
    return AuditEntry.objects.filter(action="case.view", object_type="case", object_id=str(case.pk)).count()


def test_a_full_reader_gets_every_part(full_case, triager):
    view = reading.read_case(triager, full_case.pk, ip=None)
    assert view.full and view.parts == set(Part)
    assert view.summary == full_case
    [part] = view.report_parts
    assert part.details is not None and part.details.narrative == NARRATIVE
    assert [file.name for file in part.evidence] == ["shot.png"]
    assert [line.message.body for line in part.messages] == ["Could you tell us more?"]
    assert [note.body for note in view.notes] == [NOTE]
    assert [party.role for party in view.parties] == ["witness"]
    assert REASON in [line.detail for line in view.timeline]
    assert [c.question for c in view.consultations] == [OTHER_QUESTION]


def test_a_narrowly_consulted_consultant_gets_only_the_summary(full_case, triager, lawyer):
    own = ask(full_case, triager, lawyer, {"summary"})
    view = reading.read_case(lawyer, full_case.pk, ip=None)
    assert not view.full and view.parts == {Part.SUMMARY}
    assert view.summary == full_case
    assert view.report_parts == ()
    assert view.notes is None and view.parties is None and view.triages == () and view.conflicts == ()
    assert view.timeline is not None and all(line.detail == "" for line in view.timeline)
    assert list(view.consultations) == [own]  # not the HR consultation with someone else
    assert view.can["answer"] and not view.can["note"] and not view.can["evidence"]


def test_a_consultation_sharing_reports_and_evidence_gives_exactly_those(full_case, triager, lawyer):
    ask(full_case, triager, lawyer, {"summary", "reports", "evidence"})
    view = reading.read_case(lawyer, full_case.pk, ip=None)
    [part] = view.report_parts
    assert part.details is not None and [file.name for file in part.evidence] == ["shot.png"]
    assert view.notes is None and view.parties is None
    assert view.can["evidence"]


def test_evidence_without_the_reports_gives_the_files_but_no_text(full_case, triager, lawyer):
    ask(full_case, triager, lawyer, {"evidence"})
    view = reading.build(full_case, by=lawyer)
    [part] = view.report_parts
    assert part.details is None and part.messages == ()
    assert [file.name for file in part.evidence] == ["shot.png"]
    assert view.summary is None and view.timeline is None


def test_the_page_of_a_narrow_consultant_shows_nothing_beyond_the_summary(full_case, triager, lawyer):
    ask(full_case, triager, lawyer, {"summary"})
    page = login(lawyer).get(f"/staff/cases/{full_case.pk}/").content.decode()
    assert "Is there legal exposure?" in page and full_case.reference in page
    for secret in (NARRATIVE, NOTE, REASON, "wendy-witness", "shot.png", "Could you tell us more?", OTHER_QUESTION):
        assert secret not in page, secret
    for heading in ("Internal notes", "People involved", "Triage history", "Messages with this reporter"):
        assert heading not in page, heading


@pytest.mark.parametrize("path", ["", "triage/"])
def test_the_read_is_audited_exactly_once_per_page_view(full_case, triager, path):
    client = login(triager)
    before = views_of(full_case)
    assert client.get(f"/staff/cases/{full_case.pk}/{path}").status_code == 200
    assert views_of(full_case) == before + 1
    assert client.get(f"/staff/cases/{full_case.pk}/{path}").status_code == 200
    assert views_of(full_case) == before + 2


def test_a_refused_read_is_not_audited_and_builds_nothing(full_case, unrelated):
    before = views_of(full_case)
    with pytest.raises(access.Denied):
        reading.read_case(unrelated, full_case.pk, ip=None)
    assert views_of(full_case) == before


def _without_tokens(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.decode())


def test_a_hidden_case_answers_exactly_like_a_missing_one(full_case, triager):
    CaseConflict.objects.create(case=full_case, user=triager, source=CaseConflict.Source.DECLARED)
    client = login(triager)
    notes = full_case.notes.count()
    for suffix in ("", "triage/", "access/"):
        hidden = client.get(f"/staff/cases/{full_case.pk}/{suffix}")
        missing = client.get(f"/staff/cases/987654/{suffix}")
        assert hidden.status_code == missing.status_code == 404, suffix
        assert [t.name for t in hidden.templates] == [t.name for t in missing.templates]
        assert _without_tokens(hidden.content) == _without_tokens(missing.content)
    hidden = client.post(f"/staff/cases/{full_case.pk}/notes/", {"body": "x"})
    missing = client.post("/staff/cases/987654/notes/", {"body": "x"})
    assert hidden.status_code == missing.status_code == 404
    assert _without_tokens(hidden.content) == _without_tokens(missing.content)
    assert full_case.notes.count() == notes


def test_a_denied_case_page_is_the_refusal_page_listing_what_can_be_used(full_case, unrelated):
    response = login(unrelated).get(f"/staff/cases/{full_case.pk}/")
    assert response.status_code == 403
    assert "errors/403.html" in [t.name for t in response.templates]
    assert 'href="/staff/cases/"' in response.content.decode()  # the queue, which a case handler may open
    assert NARRATIVE not in response.content.decode()
