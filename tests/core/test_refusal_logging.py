"""A refused page prints one line on the console, with its path and no traceback or content."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from tests.conftest import login


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The console handler settings.LOGGING configured, writing into a buffer for the test."""
    [handler] = [h for h in logging.getLogger().handlers
                 if type(h) is logging.StreamHandler and True]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_a_permission_refusal_is_one_line_without_a_traceback(console, triager):
    response = login(triager).get("/staff/people/")
    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /staff/people/"]


def test_a_hidden_or_missing_case_is_one_line(console, triager, case):
    client = login(triager)
    assert client.get("/staff/cases/987654/").status_code == 404
    assert client.post("/staff/cases/987654/notes/", {"body": "Canary note text"}).status_code == 404
    output = console.getvalue()
    assert "Traceback" not in output and "Canary" not in output
    assert output.splitlines() == ["Not Found: /staff/cases/987654/", "Not Found: /staff/cases/987654/notes/"]


def test_server_errors_keep_their_traceback(console):
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",),
                               (ValueError, ValueError("boom"), None))
    record.status_code = 500
    logging.getLogger("django.request").handle(record)
    assert "ValueError: boom" in console.getvalue()
