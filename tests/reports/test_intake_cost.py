"""What one intake costs the database: a pinned number of queries, so a change that adds one is seen.

On a warm process (the categories cached, as every intake after the first finds them): the
form's held files and space, then in the transaction the duplicate check, both data keys in
one INSERT, the case, its "opened" event, the report, its receipt, and the audit entries in
one INSERT (no chain head is read and no lock taken: the worker's sequencer chains them later).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from steward.cases import services as cases
from steward.core import crypto
from steward.core.models import DataKey
from steward.reports.models import Report

from .helpers import report_data

pytestmark = pytest.mark.django_db


def _statements(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints are how the test's own transaction nests the intake's; they are not the intake's queries.
    return [q["sql"].split()[0].upper() for q in queries.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


def test_an_intake_runs_a_fixed_number_of_queries(space):
    client = Client()
    client.post("/report/", report_data(client, space=space.pk, categories=["harassment"]))  # warms the cache
    data = report_data(client, space=space.pk, categories=["harassment"], wishes="an apology")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/report/", data)
    assert response.status_code == 200
    statements = _statements(queries)
    assert statements == [
        "SELECT",  # files held for this form (the form lists them)
        "SELECT",  # the space chosen
        "SELECT",  # files held for this form (the report takes them)
        "SELECT",  # the same form sent before?
        "INSERT",  # both data keys
        "INSERT",  # the case
        "INSERT",  # its "opened" event
        "INSERT",  # the report
        "INSERT",  # the receipt code, sealed for the form's token
        "INSERT",  # the audit entries, waiting for the sequencer
    ], [q["sql"][:120] for q in queries.captured_queries]
    assert Report.objects.count() == 2


def test_the_case_and_the_report_get_keys_of_their_own(space):
    client = Client()
    client.post("/report/", report_data(client, space=space.pk))
    report = Report.objects.select_related("data_key", "case__data_key").get()
    assert report.data_key.purpose == DataKey.Purpose.REPORT
    assert report.case.data_key.purpose == DataKey.Purpose.CASE
    assert report.data_key.pk != report.case.data_key.pk
    assert bytes(report.data_key.wrapped) != bytes(report.case.data_key.wrapped)


def test_a_case_is_not_opened_with_a_key_made_for_something_else(space):
    (report_key,) = crypto.new_data_keys(DataKey.Purpose.REPORT)
    with pytest.raises(ValueError, match="fresh, stored case data key"):
        cases.open_case(space=space, danger=False, ongoing=None, language="en", channel="web", data_key=report_key)
    with pytest.raises(ValueError, match="fresh, stored case data key"):
        cases.open_case(space=space, danger=False, ongoing=None, language="en", channel="web",
                        data_key=DataKey(purpose=DataKey.Purpose.CASE))
