"""What the queue says about each case: a staff-given title (or "Untitled"), the kinds of
behaviour reported, and a marker for reporter messages the viewer has not read. The page runs
a fixed number of queries whatever the number of cases, and each read is audited once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steward.cases import services
from steward.cases.models import Case, CaseReading, TimelineEvent
from steward.core.models import AuditEntry
from steward.policy.models import BehaviourCategory
from steward.reports import services as report_services
from tests.conftest import login, make_staff

URL = "/staff/cases/"
pytestmark = pytest.mark.django_db


def row(page: str, case: Case) -> str:
    anchor = page.index(f'href="/staff/cases/{case.pk}/"')
    return page[page.rindex("<tr", 0, anchor):page.index("</tr>", anchor)]


def label(slug: str) -> str:
    return BehaviourCategory.objects.filter(slug=slug).order_by("-version__major").first().label


def test_a_titled_case_shows_its_title_and_categories(file_report, triager):
    report, _ = file_report(categories=["harassment", "doxxing-privacy"])
    services.set_case_title(report.case, by=triager, title="Address posted in the chat")

    page = login(triager).get(URL).content.decode()

    line = row(page, report.case)
    assert "Address posted in the chat" in line
    assert f"{label('harassment')}, {label('doxxing-privacy')}" in line
    assert "Untitled" not in line


def test_an_untitled_case_says_so_and_never_shows_the_reporters_words(file_report, triager):
    report, _ = file_report(narrative="CANARY-NARRATIVE he keeps insulting me", categories=["harassment"])

    page = login(triager).get(URL).content.decode()

    line = row(page, report.case)
    assert "Untitled" in line
    assert label("harassment") in line
    assert "CANARY-NARRATIVE" not in page


def test_categories_of_every_report_on_a_merged_case_are_listed_once(file_report, triager):
    first, _ = file_report(categories=["harassment"])
    second, _ = file_report(categories=["harassment", "doxxing-privacy"])
    services.merge_cases(first.case, [second.case], by=triager)

    line = row(login(triager).get(URL).content.decode(), first.case)

    assert line.count(label("harassment")) == 1
    assert label("doxxing-privacy") in line


def test_a_reporter_message_is_marked_until_the_viewer_opens_the_case(file_report, triager, handler):
    report, _ = file_report()
    case = report.case
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    client = login(handler)
    assert "new message" not in row(client.get(URL).content.decode(), case)

    report_services.reporter_reply(report, body="One more thing: it happened again today.", files=[])
    assert "badge unread" in row(client.get(URL).content.decode(), case)
    assert "badge unread" in row(login(triager).get(URL).content.decode(), case)  # unread for everyone who has not looked

    assert client.get(f"/staff/cases/{case.pk}/").status_code == 200
    assert "badge unread" not in row(client.get(URL).content.decode(), case)
    assert "badge unread" in row(login(triager).get(URL).content.decode(), case)  # the triager has still not read it

    report_services.reporter_reply(report, body="And the day after.", files=[])
    assert "badge unread" in row(client.get(URL).content.decode(), case)


def test_files_alone_from_the_reporter_count_as_a_message(file_report, handler):
    from steward.reports.uploads import CleanFile

    report, _ = file_report()
    Case.objects.filter(pk=report.case_id).update(assignee=handler)
    client = login(handler)
    client.get(f"/staff/cases/{report.case_id}/")
    report_services.reporter_reply(report, body="", files=[CleanFile("log.txt", "text/plain", b"a log")])

    assert "badge unread" in row(client.get(URL).content.decode(), report.case)


def test_opening_the_triage_page_does_not_mark_messages_read(file_report, triager):
    report, _ = file_report()
    report_services.reporter_reply(report, body="Another message.", files=[])
    client = login(triager)

    client.get(f"/staff/cases/{report.case_id}/triage/")

    assert not CaseReading.objects.exists()
    assert "badge unread" in row(client.get(URL).content.decode(), report.case)


def test_a_consultant_without_the_reports_does_not_clear_the_marker_nor_see_categories(file_report, triager):
    from steward.cases import consultations
    from steward.core.roles import Role

    report, _ = file_report(categories=["harassment"])
    legal = make_staff("lena", Role.CONSULTANT_LEGAL)
    consultations.request_consultation(report.case, by=triager, consultant=legal, kind="legal", parts=["summary"],
                                       question="Is this defamation?")
    report_services.reporter_reply(report, body="Any news?", files=[])
    client = login(legal)

    assert client.get(f"/staff/cases/{report.case_id}/").status_code == 200
    line = row(client.get(URL).content.decode(), report.case)

    assert not CaseReading.objects.filter(user=legal).exists()
    assert label("harassment") not in line
    assert "Untitled" in line


def test_each_queue_read_is_audited_once_with_no_content(file_report, triager):
    report, _ = file_report(narrative="CANARY-AUDIT narrative", categories=["harassment"])
    services.set_case_title(report.case, by=triager, title="CANARY-TITLE")
    client = login(triager)
    before = AuditEntry.objects.filter(action="case.queue").count()

    client.get(URL, REMOTE_ADDR="198.51.100.9")
    client.get(URL, {"q": "someone-handle"}, REMOTE_ADDR="198.51.100.9")

    entries = list(AuditEntry.objects.filter(action="case.queue").order_by("pk"))[before:]
    assert len(entries) == 2
    assert (entries[0].actor, entries[0].ip, entries[0].detail) == (triager, "198.51.100.9", {"cases": [report.case_id]})
    assert entries[1].detail == {"cases": []}
    recorded = repr([(e.detail, e.object_id) for e in entries])
    assert "CANARY" not in recorded and "someone-handle" not in recorded and "harassment" not in recorded


def _queue(file_report, triager, handler, count: int) -> None:
    for index in range(count):
        report, _ = file_report(categories=["harassment", "doxxing-privacy"][: 1 + index % 2])
        if index % 2:
            services.set_case_title(report.case, by=triager, title=f"Case number {index}")
        if index % 3 == 0:
            report_services.reporter_reply(report, body="More details.", files=[])
        if index % 4 in {0, 1}:
            services.assign_case(report.case, by=triager, assignee=handler)


@pytest.mark.parametrize("who", ["triager", "handler"])
def test_the_queue_runs_the_same_queries_for_5_and_50_cases(file_report, triager, handler, who,
                                                              django_assert_num_queries):
    viewer = {"triager": triager, "handler": handler}[who]
    client = login(viewer)
    client.get(URL)  # warm up the session and the caches
    _queue(file_report, triager, handler, 5)
    with CaptureQueriesContext(connection) as few:
        page = client.get(URL).content.decode()
    assert "Case number 1" in page and "badge unread" in page
    _queue(file_report, triager, handler, 45)
    assert Case.objects.count() == 50

    with django_assert_num_queries(len(few)):
        response = client.get(URL)

    shown = response.context["rows"]
    assert len(shown) == (50 if who == "triager" else Case.objects.filter(assignee=handler).count())
    assert len(shown) > 20
    assert any(r.title for r in shown) and any(r.unread for r in shown) and all(r.categories for r in shown)


def test_the_title_is_kept_sealed(file_report, triager):
    report, _ = file_report()
    services.set_case_title(report.case, by=triager, title="CANARY-SEALED-TITLE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT title_sealed FROM cases_case WHERE id = %s", [report.case_id])
        raw = bytes(cursor.fetchone()[0])
    assert b"CANARY-SEALED-TITLE" not in raw
    assert Case.objects.get(pk=report.case_id).title == "CANARY-SEALED-TITLE"
    assert not TimelineEvent.objects.filter(data__icontains="CANARY").exists()
