"""The API against its own OpenAPI schema: a property-based run (schemathesis, Hypothesis) sends
generated requests, valid and invalid, to every operation through the WSGI application with a
token holding every scope, and finds no server error and no response its schema does not describe.
The number of examples is bounded and the run is derandomized, so it takes seconds and repeats."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as examples
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from steward.core.api import Scope
from steward.staff import tokens
from tests.api.test_reports_api import NARRATIVE

# Generating the schema reads no table, so it is fetched once, when the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def _one_connection() -> Any:
    """The requests go straight to the WSGI application, not through Django's test client, so the
    connection would be closed after each one, inside the test's transaction; like the test client,
    keep it open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def every_scope(_one_connection: Any, administrator: Any, triager: Any, file_report: Any, settings: Any) -> str:
    """A token with every scope, acting for a triager who sees every case; a few cases to read."""
    settings.STEWARD_INTAKE_RATE = settings.STEWARD_FOLLOWUP_RATE = (100_000, 3600)
    for _ in range(3):
        file_report(narrative=NARRATIVE)
    return tokens.create_api_token(by=administrator, name="Schema run", scopes=list(Scope.values), owner=triager)[1]


@schema.parametrize()
@examples(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
@pytest.mark.django_db
def test_the_api_never_fails_and_answers_as_its_schema_says(case: Any, every_scope: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {every_scope}"}, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance])


def test_the_schema_is_served_without_a_token(client: Any) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {"/api/reports/", "/api/follow-up/", "/api/cases/", "/api/cases/{case_id}/", "/api/screenings/",
                          "/api/screenings/{screening_id}/"}
    assert response.json()["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": "A token an administrator created on /staff/api-tokens/ (shown once)."}


def test_an_unknown_api_url_answers_in_json_and_pages_keep_their_html(client: Any) -> None:
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_crash_under_api_answers_in_json(rf: Any) -> None:
    from steward.core import views

    crashed = views.server_error(rf.post("/api/reports/"))
    assert crashed.status_code == 500 and crashed["Content-Type"] == "application/json"
    assert json.loads(crashed.content) == {"detail": "Something went wrong on our side. Try again later."}
    assert views.server_error(rf.get("/report/"))["Content-Type"].startswith("text/html")


def test_the_schema_is_valid_openapi_and_generates_without_warnings(tmp_path: Any) -> None:
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/cases/{case_id}/" in out.read_text()
