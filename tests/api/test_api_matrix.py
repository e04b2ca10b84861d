"""Who may call which API endpoint: every URL under /api/, for every kind of token, against an
explicit table (the API's sibling of tests/cases/test_access_matrix.py, on the same objects).

Callers: no token, a malformed or unknown token, a revoked, an expired token and one whose owner was
offboarded (all 401); a token of each scope; and for `cases:read`, a token owned by every role in
every relation to the case (assigned, consulted sharing everything or only the summary, unrelated,
conflicted). A case its owner may not view is answered 404, exactly like a case that does not exist.

The URLs come from the resolver, so a new API URL fails the suite until its row is written here,
and each view's accepted methods are asked of the view (a PUT answers 405 with an Allow header).
Refused requests must change nothing (the token's own `last_used_at` aside) and leak no content.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import get_resolver
from django.utils import timezone

import tests.cases.test_access_matrix as staff_matrix
from steward.core import api
from steward.core.api import Scope
from steward.core.models import ApiToken
from steward.core.roles import Role
from steward.reports import services as report_services
from steward.reports.models import Report
from tests.api.conftest import ApiClient

ASSIGNED, CONSULTED, NARROW, UNRELATED, CONFLICTED = staff_matrix.RELATIONS
T, H, D = Role.TRIAGER, Role.CASE_HANDLER, Role.DECISION_MAKER
CONSULTANTS = {Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL, Role.CONSULTANT_SECURITY}
ROLES = list(Role.values)
UNAUTHENTICATED = ["no_token", "malformed", "unknown", "revoked", "expired", "offboarded"]
SCOPED = ["submit", "follow_up"]
OWNERS = ["no_role", *[f"{role}:{relation}" for role in ROLES for relation in staff_matrix.RELATIONS]]
CALLERS = [*UNAUTHENTICATED, *SCOPED, *[f"cases:{owner}" for owner in OWNERS],
           *[f"screen:{owner}" for owner in OWNERS]]
OWNED = {"cases": Scope.CASES_READ, "screen": Scope.SCREENING}  # scopes a token acts with as its owner

OK, CREATED, UNAUTH, DENIED, HIDDEN = 200, 201, 401, 403, 404
NARRATIVE = "He kept sending me insulting messages in the project chat."


@dataclass
class ApiWorld:
    staff: staff_matrix.World
    receipt_code: str
    secrets: dict[str, str] = field(default_factory=dict)


def issue(scopes: list[str], owner: User | None = None, **extra: Any) -> str:
    """A token row written directly: owners whose roles no longer allow what the token was made for
    (the service would refuse to create it for them today), revoked and expired tokens."""
    secret = api.new_secret()
    ApiToken.objects.create(name="matrix", hint=secret[:api.HINT_LENGTH], secret_hash=api.secret_hash(secret),
                            scopes=scopes, owner=owner, created_at=timezone.now(), **extra)
    return secret


def _build(media: Any) -> ApiWorld:
    staff = staff_matrix._build(media)
    _report, code = report_services.submit_report(report_services.Intake(
        narrative="A report followed up by its code.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="api-matrix-follow-up"))
    world = ApiWorld(staff=staff, receipt_code=code)
    every = list(Scope.values)
    world.secrets |= {
        "malformed": "not-a-token", "unknown": api.new_secret(),
        "revoked": issue(every, staff.users[f"{T}:{UNRELATED}"], revoked_at=timezone.now()),
        "expired": issue(every, staff.users[f"{T}:{UNRELATED}"], expires_at=timezone.now() - datetime.timedelta(days=1)),
        "submit": issue([Scope.REPORTS_SUBMIT]), "follow_up": issue([Scope.REPORTS_FOLLOW_UP]),
    }
    leaver = staff_matrix.make_staff("leo", T)
    world.secrets["offboarded"] = issue(every, leaver)
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    for owner in OWNERS:
        world.secrets[f"cases:{owner}"] = issue([Scope.CASES_READ], staff.users[owner])
        world.secrets[f"screen:{owner}"] = issue([Scope.SCREENING], staff.users[owner])
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[ApiWorld]:
    with staff_matrix.rolled_back_world(django_db_blocker, tmp_path_factory.mktemp("api-matrix-media"), _build) as built:
        yield built


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, world: ApiWorld, db: Any) -> None:
    settings.MEDIA_ROOT = world.staff.media
    settings.TASKS = staff_matrix.QUICK["TASKS"]
    cache.clear()


def client_for(world: ApiWorld, who: str) -> ApiClient:
    if who == "no_token":
        return ApiClient()
    if who.startswith("cases:") and who.endswith(f":{ASSIGNED}"):  # the test's savepoint undoes this
        staff_matrix.Case.objects.filter(pk=world.staff.case.pk).update(assignee=world.staff.users[who.removeprefix("cases:")])
    return ApiClient(world.secrets[who])


@dataclass(frozen=True)
class Row:
    """One API URL and method: the scope it needs, and for that scope's callers who gets `ok`.

    `allowed(owner)` decides for `cases:read` tokens (by their owner's role and relation);
    the other scopes get `ok` when theirs is the scope. Refused owners get `refused`."""

    method: str
    path: Callable[[ApiWorld], str]
    scope: str | None  # None: open to everyone (the schema)
    ok: int = OK
    refused: int = DENIED
    allowed: Callable[[str], bool] = lambda owner: True
    data: Callable[[ApiWorld], dict[str, Any]] = lambda w: {}
    # For owned scopes, when refusals differ by owner: the status for each owner.
    outcome: Callable[[str], int] | None = None

    def expected(self, who: str) -> int:
        if self.scope is None:
            return self.ok
        if who in UNAUTHENTICATED:
            return UNAUTH
        kind, _colon, owner = who.partition(":")
        scope = {"submit": Scope.REPORTS_SUBMIT, "follow_up": Scope.REPORTS_FOLLOW_UP}.get(who, OWNED.get(kind))
        if scope != self.scope:
            return DENIED
        if scope in OWNED.values():
            if self.outcome is not None:
                return self.outcome(owner)
            return self.ok if self.allowed(owner) else self.refused
        return self.ok


def reads_case(owner: str) -> bool:
    """Who reads the case page in tests/cases/test_access_matrix.py: the same people read it here."""
    if owner == "no_role":
        return False
    role, relation = owner.split(":")
    return role in staff_matrix.TABLE["staff/cases/<int:case_id>/"].allow[relation]


def screens(owner: str) -> bool:
    return owner != "no_role" and owner.split(":")[0] == Role.SCREENER


def reads_screening(owner: str) -> int:
    """Only its own screener reads a screening; another screener is told it does not exist."""
    if owner == f"{Role.SCREENER}:{UNRELATED}":
        return OK
    return HIDDEN if screens(owner) else DENIED


def opens_queue(owner: str) -> bool:
    return owner != "no_role" and owner.split(":")[0] in {T, H, D, *CONSULTANTS}


TABLE: dict[tuple[str, str], Row] = {
    ("api/schema/", "get"): Row("get", lambda w: "/api/schema/", None),
    ("api/reports/", "post"): Row("post", lambda w: "/api/reports/", Scope.REPORTS_SUBMIT, ok=CREATED,
                                  data=lambda w: {"narrative": "Someone insulted a newcomer in the forum."}),
    ("api/follow-up/", "post"): Row("post", lambda w: "/api/follow-up/", Scope.REPORTS_FOLLOW_UP,
                                    data=lambda w: {"code": w.receipt_code}),
    ("api/cases/", "get"): Row("get", lambda w: "/api/cases/", Scope.CASES_READ, allowed=opens_queue),
    # Conflicted, unrelated and roles that never read a case: all as if the case did not exist.
    ("api/cases/<int:case_id>/", "get"): Row("get", lambda w: f"/api/cases/{w.staff.case.pk}/", Scope.CASES_READ,
                                             refused=HIDDEN, allowed=reads_case),
    ("api/screenings/", "post"): Row(
        "post", lambda w: "/api/screenings/", Scope.SCREENING, ok=CREATED, allowed=screens,
        data=lambda w: {"purpose": "grant", "applicants": [{"name": "Ada Lovelace", "emails": ["ada@example.org"]}]}),
    ("api/screenings/<int:screening_id>/", "get"): Row(
        "get", lambda w: f"/api/screenings/{w.staff.screenings[f'{Role.SCREENER}:{UNRELATED}']}/", Scope.SCREENING,
        outcome=reads_screening),
}


def api_routes() -> list[str]:
    return sorted({route for route in staff_matrix._walk(get_resolver().url_patterns) if route.startswith("api/")})


def test_every_api_url_is_in_the_table():
    routes = api_routes()
    assert "api/cases/<int:case_id>/" in routes
    assert sorted({route for route, _method in TABLE}) == routes


def test_every_method_each_api_view_accepts_has_a_row(world):
    client = ApiClient(issue(list(Scope.values), world.staff.users[f"{T}:{UNRELATED}"]))
    for route in api_routes():
        path = next(row.path(world) for (r, _m), row in TABLE.items() if r == route)
        response = client.put(path)
        assert response.status_code == 405, route
        methods = {m.strip().lower() for m in response["Allow"].split(",")} - {"head", "options"}
        assert methods == {m for r, m in TABLE if r == route}, route


def _send(client: ApiClient, row: Row, world: ApiWorld) -> Any:
    if row.method == "get":
        return client.get(row.path(world))
    return client.post(row.path(world), row.data(world), content_type="application/json")


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize(("route", "method"), sorted(TABLE))
def test_api_access(world, route, method, who):
    row = TABLE[route, method]
    expected = row.expected(who)
    client = client_for(world, who)
    with staff_matrix.changes(leave_out={"core.ApiToken"}) as written:  # a token's use is noted on it
        response = _send(client, row, world)
    assert response.status_code == expected, f"{who} {method.upper()} {route}: {response.content[:200]!r}"
    if expected >= 400:
        assert not written, f"a refused {method.upper()} {route} by {who} changed data: {written}"
        assert set(response.json()) <= {"detail", "errors"}
        assert NARRATIVE.encode() not in response.content
        assert world.staff.case.reference.encode() not in response.content
    if expected == UNAUTH:
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_hidden_case_answers_exactly_like_a_missing_one(world):
    for who in (f"cases:{T}:{CONFLICTED}", f"cases:{H}:{UNRELATED}"):
        client = client_for(world, who)
        hidden, missing = client.get(f"/api/cases/{world.staff.case.pk}/"), client.get("/api/cases/987654/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_a_conflicted_owner_does_not_find_the_case_in_the_queue(world):
    client = client_for(world, f"cases:{T}:{CONFLICTED}")
    found = client.get("/api/cases/", {"q": world.staff.case.reference, "status": ""}).json()
    assert found["results"] == []
