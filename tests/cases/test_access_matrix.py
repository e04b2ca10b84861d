"""Who may open which staff page: every URL under /staff/ (except signing in and out),
for every kind of visitor, against an explicit table.

The URLs come from the resolver, so a new staff page without a row here fails the
suite until someone decides who may use it. Refused requests must change nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from steward.cases.models import Case
from steward.reports.models import Report
from steward.reports.uploads import CleanFile
from tests.conftest import login, make_staff, png_bytes

ACTORS = ["anonymous", "no_role", "administrator", "triager", "assigned_handler", "unrelated_handler"]
EXCLUDED = {"staff/login/", "staff/logout/"}

OK = "200"  # the page is shown
DONE = "302"  # the action ran (or was answered) and the browser is sent on, not to the sign-in page
DENIED = "403"
LOGIN = "sign in"


def _expect(anonymous: str = LOGIN, no_role: str = DENIED, administrator: str = DENIED, triager: str = DENIED,
            assigned_handler: str = DENIED, unrelated_handler: str = DENIED) -> dict[str, str]:
    return {"anonymous": anonymous, "no_role": no_role, "administrator": administrator, "triager": triager,
            "assigned_handler": assigned_handler, "unrelated_handler": unrelated_handler}


@dataclass
class World:
    """The objects the staff URLs point at."""

    case: Case
    other_case: Case
    report: Report
    second_report: Report
    evidence_id: int
    version_id: int
    handler: Any


@dataclass(frozen=True)
class Row:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    expected: dict[str, str]


def _none(world: World) -> dict[str, Any]:
    return {}


# route (as the resolver spells it) -> how to call it and what each visitor gets.
TABLE: dict[str, Row] = {
    "staff/": Row("get", lambda w: "/staff/", _none, _expect(
        anonymous=DONE, no_role=DONE, administrator=DONE, triager=DONE, assigned_handler=DONE, unrelated_handler=DONE)),
    "staff/cases/": Row("get", lambda w: "/staff/cases/", _none, _expect(
        triager=OK, assigned_handler=OK, unrelated_handler=OK)),
    "staff/cases/<int:case_id>/": Row("get", lambda w: f"/staff/cases/{w.case.pk}/", _none, _expect(
        triager=OK, assigned_handler=OK)),
    "staff/cases/<int:case_id>/triage/": Row("get", lambda w: f"/staff/cases/{w.case.pk}/triage/", _none, _expect(
        triager=OK)),
    "staff/cases/<int:case_id>/assign/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/assign/", lambda w: {"assignee": w.handler.pk}, _expect(
            triager=DONE)),
    "staff/cases/<int:case_id>/status/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/status/", lambda w: {"to": "closed", "reason": "Out of scope"},
        _expect(triager=DONE, assigned_handler=DONE)),
    "staff/cases/<int:case_id>/notes/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/notes/", lambda w: {"body": "A note"}, _expect(
            triager=DONE, assigned_handler=DONE)),
    "staff/cases/<int:case_id>/parties/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/parties/",
        lambda w: {"role": "witness", "system": "github", "handle": "wendy"}, _expect(triager=DONE, assigned_handler=DONE)),
    "staff/cases/<int:case_id>/merge/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/merge/", lambda w: {"cases": w.other_case.reference}, _expect(
            triager=DONE)),
    "staff/cases/<int:case_id>/split/": Row(
        "post", lambda w: f"/staff/cases/{w.case.pk}/split/", lambda w: {"report": w.second_report.pk}, _expect(
            triager=DONE)),
    "staff/reports/new/": Row("get", lambda w: "/staff/reports/new/", _none, _expect(
        triager=OK, assigned_handler=OK, unrelated_handler=OK)),
    "staff/reports/<int:report_id>/message/": Row(
        "post", lambda w: f"/staff/reports/{w.report.pk}/message/", lambda w: {"body": "Could you tell us more?"},
        _expect(triager=DONE, assigned_handler=DONE)),
    "staff/evidence/<int:evidence_id>/": Row("get", lambda w: f"/staff/evidence/{w.evidence_id}/", _none, _expect(
        triager=OK, assigned_handler=OK)),
    # Guidelines: administrators edit them; the guidance on receiving a report is for all staff.
    "staff/guidelines/": Row("get", lambda w: "/staff/guidelines/", _none, _expect(administrator=OK)),
    "staff/guidelines/<int:version_id>/": Row("get", lambda w: f"/staff/guidelines/{w.version_id}/", _none, _expect(
        administrator=OK)),
    "staff/guidelines/<int:version_id>/publish/": Row(
        "get", lambda w: f"/staff/guidelines/{w.version_id}/publish/", _none, _expect(administrator=OK)),
    "staff/guidelines/<int:version_id>/delete/": Row(
        "post", lambda w: f"/staff/guidelines/{w.version_id}/delete/", _none, _expect(administrator=DONE)),
    "staff/guidelines/<int:version_id>/translations/": Row(
        "get", lambda w: f"/staff/guidelines/{w.version_id}/translations/", _none, _expect(administrator=OK)),
    "staff/guidelines/<int:version_id>/translations/<str:locale>/": Row(
        "get", lambda w: f"/staff/guidelines/{w.version_id}/translations/de/", _none, _expect(administrator=OK)),
    "staff/receiving-a-report/": Row("get", lambda w: "/staff/receiving-a-report/", _none, _expect(
        no_role=OK, administrator=OK, triager=OK, assigned_handler=OK, unrelated_handler=OK)),
}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def staff_routes() -> list[str]:
    return sorted({route for route in _walk(get_resolver().url_patterns)
                   if route.startswith("staff/") and route not in EXCLUDED})


def test_every_staff_url_is_in_the_table():
    routes = staff_routes()
    assert "staff/cases/<int:case_id>/" in routes  # the walk found the case pages
    missing = [route for route in routes if route not in TABLE]
    assert not missing, f"staff URLs without a row in the access table: {missing}"
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_every_row_names_every_actor():
    for route, row in TABLE.items():
        assert set(row.expected) == set(ACTORS), route
        assert row.method in {"get", "post"}, route


def snapshot() -> dict[str, Any]:
    """Every row of every Steward table (and users and groups): a refused request may change none."""
    models = [m for m in apps.get_models() if m._meta.app_label in {"core", "registry", "policy", "cases", "reports",
                                                                     "auth"}]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


@pytest.fixture
def world(file_report, triager, handler, administrator) -> World:
    report, _ = file_report(files=[CleanFile(name="screenshot.png", content_type="image/png", data=png_bytes())])
    second, _ = file_report(narrative="A second account of the same incident in the chat.")
    other, _ = file_report(narrative="Another report about the same person, in the forum this time.")
    case = report.case
    Report.objects.filter(pk=second.pk).update(case=case)
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    case.refresh_from_db()
    second.refresh_from_db()

    from steward.policy import services as policy

    version = policy.create_draft(by=administrator, number="99.0", changelog="A draft for the access table.",
                                  effective_date=timezone.localdate() + datetime.timedelta(days=30))
    return World(case=case, other_case=other.case, report=report, second_report=second,
                 evidence_id=report.evidence.get().pk, version_id=version.pk, handler=handler)


@pytest.fixture
def actor(request, triager, handler, unrelated, administrator) -> Callable[[str], Client]:
    users = {"no_role": make_staff("nora"), "administrator": administrator, "triager": triager,
             "assigned_handler": handler, "unrelated_handler": unrelated}

    def _client(name: str) -> Client:
        return Client() if name == "anonymous" else login(users[name])

    return _client


def _check(response: Any, outcome: str, label: str) -> None:
    location = response.get("Location", "")
    if outcome == OK:
        assert response.status_code == 200, label
    elif outcome == DONE:
        assert response.status_code == 302, label
        assert not location.startswith("/staff/login/"), label
    elif outcome == DENIED:
        assert response.status_code == 403, label
    else:
        assert response.status_code == 302, label
        assert location.startswith("/staff/login/?next="), label


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("route", staff_routes())
def test_access(world, actor, route, who):
    assert route in TABLE, f"{route} has no row in the access table"
    row = TABLE[route]
    outcome = row.expected[who]
    client = actor(who)
    before = snapshot()
    response = getattr(client, row.method)(row.path(world), row.data(world))
    _check(response, outcome, f"{who} {row.method.upper()} {route}")
    if outcome in {DENIED, LOGIN}:
        assert snapshot() == before, f"a refused {row.method.upper()} {route} by {who} changed data"
    if outcome == DENIED:
        assert b"He kept sending me" not in response.content


REFUSED_POSTS = [(route, who) for route in staff_routes() if route in TABLE and TABLE[route].method == "post"
                 for who in ACTORS if TABLE[route].expected[who] in {DENIED, LOGIN}]


@pytest.mark.parametrize(("route", "who"), REFUSED_POSTS)
def test_refused_posts_are_refused_before_the_input_is_looked_at(world, actor, route, who):
    """Empty or junk input must not turn a refusal into a form error (which would confirm what exists)."""
    row = TABLE[route]
    outcome = row.expected[who]
    client = actor(who)
    before = snapshot()
    for junk in ({}, {"body": "", "to": "bogus", "cases": "X-1", "report": "abc", "assignee": "0"}):
        response = client.post(row.path(world), junk)
        _check(response, outcome, f"{who} POST {route} {junk}")
    assert snapshot() == before


def test_case_pages_of_a_missing_case_are_not_found_for_the_triager(world, actor):
    client = actor("triager")
    assert client.get("/staff/cases/987654/").status_code == 404
    assert client.post("/staff/cases/987654/notes/", {"body": "x"}).status_code == 404
