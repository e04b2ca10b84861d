"""What one intake costs the database: a pinned number of queries, so a change that adds one is seen.

Answering the reporter, on a warm process (the categories and spaces cached, as every intake after
the first finds them; a first send lists no held files, so none are looked for): all or none, the
report's data key, the received report (its unique submission hash is the duplicate check) and the
outbox message that files it, in one statement on PostgreSQL. Filing, in the worker: the received row, locked (its space comes
from the cache too); the case's key, the case, its "opened" event, the report, and the audit entries
in one INSERT (no chain head is read and no lock taken: the worker's sequencer chains them later),
then the received row emptied.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from steward.cases import services as cases
from steward.cases.models import Space
from steward.core import crypto
from steward.core.models import DataKey
from steward.reports import services
from steward.reports.models import ReceivedReport, Report
from tests.conftest import deliver_outbox

from .helpers import listed_files, report_data, text_upload

pytestmark = pytest.mark.django_db


def _statements(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints are how the test's own transaction nests the intake's; they are not the intake's queries.
    return [q["sql"].split()[0].upper() for q in queries.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


def _inserted_tables(queries: CaptureQueriesContext) -> list[str]:
    return [table for q in queries.captured_queries for table in re.findall(r'INSERT INTO "(\w+)"', q["sql"])]


def test_an_intake_runs_a_fixed_number_of_queries(space):
    client = Client()
    client.post("/report/", report_data(client, space=space.pk, categories=["harassment"]))  # warms the cache
    data = report_data(client, space=space.pk, categories=["harassment"], wishes="an apology")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/report/", data)
    assert response.status_code == 200
    # On PostgreSQL the three INSERTs go in one statement, one round trip (core.rows.together).
    assert _statements(queries) == (["INSERT"] if connection.vendor == "postgresql" else ["INSERT"] * 3), \
        [q["sql"][:120] for q in queries.captured_queries]
    assert _inserted_tables(queries) == [
        "core_datakey",  # the report's data key
        "reports_receivedreport",  # the received report, with the receipt code sealed for the form's token
        "core_outboxmessage",  # the outbox message that files it
    ]
    assert ReceivedReport.objects.filter(report__isnull=True).count() == 2
    assert Report.objects.count() == 0


def test_filing_a_received_report_runs_a_fixed_number_of_queries(space):
    client = Client()
    client.post("/report/", report_data(client, space=space.pk, categories=["harassment"]))
    received = ReceivedReport.objects.get()
    with CaptureQueriesContext(connection) as queries:
        report = services.file_received(received.pk)
    assert report is not None
    assert _statements(queries) == [
        "SELECT",  # the received row, locked, with its data key
        "INSERT",  # the case's data key
        "INSERT",  # the case
        "INSERT",  # its "opened" event
        "INSERT",  # the report
        "UPDATE",  # the received row: filed, its sealed intake emptied
        "INSERT",  # the audit entries, waiting for the sequencer
    ], [q["sql"][:120] for q in queries.captured_queries]


def test_the_case_and_the_report_get_keys_of_their_own(space):
    client = Client()
    client.post("/report/", report_data(client, space=space.pk))
    deliver_outbox()
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


def test_a_corrected_form_that_lists_held_files_looks_them_up(space):
    client = Client()
    data = report_data(client, space=space.pk, narrative="")
    first = client.post("/report/", {**data, "evidence": text_upload()})
    with CaptureQueriesContext(connection) as queries:
        client.post("/report/", {**data, "narrative": "It happened.", "held_file": listed_files(first)})
    assert any("reports_heldupload" in q["sql"] for q in queries.captured_queries)
    assert Report.objects.get().evidence.count() == 1


def test_a_space_saved_or_deleted_is_offered_at_once(space):
    client = Client()
    assert f'<option value="{space.pk}"' in client.get("/report/").content.decode()
    other = Space.objects.create(name="#random", kind=Space.Kind.CHAT)
    space.active = False
    space.save()
    page = client.get("/report/").content.decode()
    assert f'<option value="{other.pk}"' in page and f'<option value="{space.pk}"' not in page
    response = client.post("/report/", report_data(client, space=space.pk))
    assert response.status_code == 400 and "That space is not one of the choices." in response.content.decode()
    other.delete()
    assert f'<option value="{other.pk}"' not in client.get("/report/").content.decode()
