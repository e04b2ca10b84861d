"""The staff case queue at /staff/cases/: order, filters, search, pages, visibility."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from steward.cases import services
from steward.cases.models import RANK, Case, Priority, Space, Status
from steward.cases.views import PAGE_SIZE
from steward.reports.services import Account
from tests.conftest import login, make_staff

URL = "/staff/cases/"


def new_case(*, priority: str | None = None, status: str = Status.NEW, due_in: timedelta = timedelta(hours=10),
             space: Space | None = None, assignee=None) -> Case:
    """A case opened the way intake opens one, then put into the wanted state."""
    case = services.open_case(space=space, danger=False, ongoing=None, language="en", channel="web")
    Case.objects.filter(pk=case.pk).update(
        priority=priority, rank=RANK[Priority(priority) if priority else None], status=status,
        due_at=timezone.now() + due_in, assignee=assignee)
    case.refresh_from_db()
    return case


def listed(response) -> list[int]:
    return [case.pk for case in response.context["page"]]


def test_cases_are_ordered_by_priority_then_due_time(db, triager):
    p4 = new_case(priority="P4", status=Status.TRIAGED, due_in=timedelta(hours=-100))
    p2_late = new_case(priority="P2", status=Status.TRIAGED, due_in=timedelta(hours=20))
    untriaged_late = new_case(due_in=timedelta(hours=20))
    p1_late = new_case(priority="P1", status=Status.TRIAGED, due_in=timedelta(hours=30))
    p3 = new_case(priority="P3", status=Status.INVESTIGATING, due_in=timedelta(hours=-1))
    p2_soon = new_case(priority="P2", status=Status.TRIAGED, due_in=timedelta(hours=2))
    p1_soon = new_case(priority="P1", status=Status.TRIAGED, due_in=timedelta(minutes=5))
    untriaged_soon = new_case(due_in=timedelta(hours=1))

    response = login(triager).get(URL)
    assert response.status_code == 200
    assert listed(response) == [p1_soon.pk, p1_late.pk, untriaged_soon.pk, untriaged_late.pk, p2_soon.pk, p2_late.pk,
                                p3.pk, p4.pk]


def test_the_rows_show_reference_priority_and_status(db, triager, space):
    case = new_case(priority="P2", status=Status.INVESTIGATING, space=space, assignee=triager)
    page = login(triager).get(URL).content.decode()
    assert f'href="/staff/cases/{case.pk}/"' in page
    assert case.reference in page
    assert "prio-P2" in page
    assert "Investigating" in page
    assert "steward/steward" in page
    assert "1 case" in page


def test_overdue_rows_are_marked(db, triager):
    late = new_case(priority="P3", status=Status.TRIAGED, due_in=timedelta(hours=-2))
    on_time = new_case(priority="P3", status=Status.TRIAGED, due_in=timedelta(hours=2))
    page = login(triager).get(URL).content.decode()
    rows = {pk: row for pk, row in ((c.pk, _row(page, c)) for c in (late, on_time))}
    assert 'class="overdue' in rows[late.pk]
    assert "badge overdue" in rows[late.pk]
    assert "overdue" not in rows[on_time.pk]


def _row(page: str, case: Case) -> str:
    anchor = page.index(f'href="/staff/cases/{case.pk}/"')
    return page[page.rindex("<tr", 0, anchor):page.index("</tr>", anchor)]


# --- filters ----------------------------------------------------------------------


def test_closed_cases_are_hidden_unless_asked_for(db, triager):
    open_case = new_case(priority="P3", status=Status.INVESTIGATING)
    closed = new_case(priority="P3", status=Status.CLOSED)
    client = login(triager)
    assert listed(client.get(URL)) == [open_case.pk]
    assert listed(client.get(URL, {"status": ""})) == [open_case.pk]
    assert listed(client.get(URL, {"status": "closed"})) == [closed.pk]
    assert listed(client.get(URL, {"status": "investigating"})) == [open_case.pk]


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.CLOSED])
def test_filter_by_each_status(db, triager, status):
    wanted = new_case(priority="P3", status=status)
    for other in Status.values:
        if other != status:
            new_case(priority="P3", status=other)
    assert listed(login(triager).get(URL, {"status": status})) == [wanted.pk]


def test_filter_by_priority_including_untriaged(db, triager):
    cases = {p: new_case(priority=p, status=Status.TRIAGED) for p in ("P1", "P2", "P3", "P4")}
    untriaged = new_case()
    client = login(triager)
    for priority, case in cases.items():
        assert listed(client.get(URL, {"priority": priority})) == [case.pk]
    assert listed(client.get(URL, {"priority": "untriaged"})) == [untriaged.pk]
    assert len(listed(client.get(URL, {"priority": ""}))) == 5


def test_filter_by_space(db, triager, space):
    forum = Space.objects.create(name="discuss", kind=Space.Kind.FORUM)
    in_repo = new_case(space=space)
    in_forum = new_case(space=forum)
    new_case()
    client = login(triager)
    assert listed(client.get(URL, {"space": space.pk})) == [in_repo.pk]
    assert listed(client.get(URL, {"space": forum.pk})) == [in_forum.pk]


def test_filter_by_assignee(db, triager, handler, unrelated):
    mine = new_case(assignee=triager, due_in=timedelta(hours=1))
    hanas = new_case(assignee=handler, due_in=timedelta(hours=2))
    nobodys = new_case(due_in=timedelta(hours=3))
    client = login(triager)
    assert listed(client.get(URL, {"assignee": "me"})) == [mine.pk]
    assert listed(client.get(URL, {"assignee": "none"})) == [nobodys.pk]
    assert listed(client.get(URL, {"assignee": str(handler.pk)})) == [hanas.pk]
    assert listed(client.get(URL, {"assignee": str(unrelated.pk)})) == []
    assert listed(client.get(URL, {"assignee": ""})) == [mine.pk, hanas.pk, nobodys.pk]


def test_filter_overdue_only(db, triager):
    late = new_case(priority="P2", status=Status.TRIAGED, due_in=timedelta(hours=-1))
    new_case(priority="P2", status=Status.TRIAGED, due_in=timedelta(hours=1))
    new_case(priority="P2", status=Status.CLOSED, due_in=timedelta(hours=-1))
    client = login(triager)
    assert listed(client.get(URL, {"overdue": "on"})) == [late.pk]
    assert listed(client.get(URL, {"overdue": "on", "status": "closed"})) == []


def test_filters_combine(db, triager, handler, space):
    wanted = new_case(priority="P2", status=Status.INVESTIGATING, space=space, assignee=handler,
                      due_in=timedelta(hours=-1))
    new_case(priority="P2", status=Status.INVESTIGATING, space=space, assignee=handler, due_in=timedelta(hours=1))
    new_case(priority="P3", status=Status.INVESTIGATING, space=space, assignee=handler, due_in=timedelta(hours=-1))
    new_case(priority="P2", status=Status.INVESTIGATING, space=None, assignee=handler, due_in=timedelta(hours=-1))
    new_case(priority="P2", status=Status.INVESTIGATING, space=space, assignee=None, due_in=timedelta(hours=-1))
    query = {"status": "investigating", "priority": "P2", "space": space.pk, "assignee": handler.pk, "overdue": "on"}
    assert listed(login(triager).get(URL, query)) == [wanted.pk]


# --- search -----------------------------------------------------------------------


@pytest.mark.parametrize("form", ["C-{:05d}", "c-{:05d}", "C-{}", "{}", " C-{:05d} "])
def test_search_by_case_number(db, triager, form):
    wanted = new_case()
    new_case()
    assert listed(login(triager).get(URL, {"q": form.format(wanted.pk)})) == [wanted.pk]


def test_search_by_report_number(file_report, triager):
    first, _ = file_report()
    second, _ = file_report(narrative="Someone keeps mocking newcomers in the issue tracker.")
    client = login(triager)
    for term in (second.reference, second.reference.lower(), f"R-{second.pk}"):
        assert listed(client.get(URL, {"q": term})) == [second.case_id]
    assert listed(client.get(URL, {"q": first.reference})) == [first.case_id]


def test_a_report_number_does_not_find_the_case_with_that_number(db, triager):
    bare = new_case()  # a case without reports: no report number can lead to it
    assert bare.pk not in listed(login(triager).get(URL, {"q": f"R-{bare.pk:05d}"}))
    assert listed(login(triager).get(URL, {"q": f"C-{bare.pk:05d}"})) == [bare.pk]


def test_a_case_with_several_reports_is_listed_once(file_report, triager):
    one, _ = file_report()
    two, _ = file_report(narrative="Someone keeps mocking newcomers in the issue tracker.")
    services.merge_cases(one.case, [two.case], by=triager)
    client = login(triager)
    assert listed(client.get(URL, {"q": one.case.reference})) == [one.case_id]
    assert listed(client.get(URL, {"q": str(one.case_id)})).count(one.case_id) == 1
    assert client.get(URL, {"q": one.case.reference}).context["page"].paginator.count == 1


def test_search_by_report_number_finds_the_case_the_report_moved_to(file_report, triager):
    one, _ = file_report()
    two, _ = file_report(narrative="Someone keeps mocking newcomers in the issue tracker.")
    services.merge_cases(one.case, [two.case], by=triager)
    response = login(triager).get(URL, {"q": f"R-{two.pk:05d}"})
    assert listed(response) == [one.case_id]


@pytest.mark.parametrize("term", ["alice", "ALICE", "@alice", " Alice "])
def test_search_by_exact_account_handle(file_report, triager, term):
    report, _ = file_report(accounts=[Account("github", "alice")])
    file_report(narrative="Another incident in the forum with someone else entirely.",
                accounts=[Account("github", "alicia")])
    assert listed(login(triager).get(URL, {"q": term})) == [report.case_id]


def test_search_by_handle_on_any_system(file_report, triager):
    report, _ = file_report(accounts=[Account("matrix", "@bob:example.org")])
    assert listed(login(triager).get(URL, {"q": "@bob:example.org"})) == [report.case_id]


def test_search_by_handle_is_exact_not_partial(file_report, triager):
    file_report(accounts=[Account("github", "alice")])
    assert listed(login(triager).get(URL, {"q": "ali"})) == []


def test_search_with_no_match_says_so(db, triager):
    new_case()
    response = login(triager).get(URL, {"q": "nobody-at-all"})
    assert listed(response) == []
    assert "No cases match." in response.content.decode()


# --- pages and queries ------------------------------------------------------------


def test_pagination(db, triager):
    cases = [new_case(priority="P3", status=Status.TRIAGED, due_in=timedelta(minutes=i)) for i in range(PAGE_SIZE + 3)]
    client = login(triager)
    first = client.get(URL, {"priority": "P3"})
    assert listed(first) == [c.pk for c in cases[:PAGE_SIZE]]
    page = first.content.decode()
    assert f"{PAGE_SIZE + 3} cases" in page
    assert "Page 1 of 2" in page
    assert "priority=P3&amp;page=2" in page
    second = client.get(URL, {"priority": "P3", "page": "2"})
    assert listed(second) == [c.pk for c in cases[PAGE_SIZE:]]
    assert "Page 2 of 2" in second.content.decode()
    # Out-of-range or junk page numbers land on a real page.
    assert listed(client.get(URL, {"priority": "P3", "page": "99"})) == [c.pk for c in cases[PAGE_SIZE:]]
    assert listed(client.get(URL, {"priority": "P3", "page": "x"})) == [c.pk for c in cases[:PAGE_SIZE]]


def _queue_queries(client, count: int, space: Space, staff: list) -> int:
    for i in range(count):
        new_case(priority=["P1", "P2", "P3", "P4", None][i % 5], status=Status.TRIAGED if i % 5 != 4 else Status.NEW,
                 space=space if i % 2 else None, assignee=staff[i % len(staff)], due_in=timedelta(hours=i - 3))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(listed(response)) == min(Case.objects.count(), PAGE_SIZE)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_queue(db, triager, handler, unrelated, space):
    client = login(triager)
    client.get(URL)  # warm up the session and the caches
    staff = [triager, handler, unrelated, None]
    few = _queue_queries(client, 5, space, staff)
    many = _queue_queries(client, 55, space, staff)  # 60 cases in all
    assert Case.objects.count() == 60
    assert many == few


def test_the_number_of_queries_does_not_grow_for_a_case_handler(db, handler, triager, space):
    client = login(handler)
    client.get(URL)
    few = _queue_queries(client, 5, space, [handler])
    many = _queue_queries(client, 55, space, [handler])
    assert many == few


# --- who sees what ----------------------------------------------------------------


def test_case_handlers_see_only_their_cases(db, handler, unrelated, triager):
    hanas = new_case(assignee=handler)
    umas = new_case(assignee=unrelated)
    nobodys = new_case()
    assert listed(login(handler).get(URL)) == [hanas.pk]
    assert listed(login(unrelated).get(URL)) == [umas.pk]
    assert sorted(listed(login(triager).get(URL))) == sorted([hanas.pk, umas.pk, nobodys.pk])


def test_case_handlers_cannot_widen_their_view_with_filters(db, handler, unrelated):
    umas = new_case(assignee=unrelated)
    new_case()
    client = login(handler)
    assert listed(client.get(URL, {"assignee": str(unrelated.pk)})) == []
    assert listed(client.get(URL, {"assignee": "none"})) == []
    assert listed(client.get(URL, {"q": umas.reference})) == []


def test_staff_without_a_queue_role_are_refused(db, administrator):
    new_case()
    no_role = make_staff("nora")
    assert login(administrator).get(URL).status_code == 403
    assert login(no_role).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(db):
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")
