"""Guidance for staff and community leaders who receive a report."""

from __future__ import annotations

from tests.conftest import login


def test_guidance_covers_the_essentials(triager, settings):
    settings.STEWARD_SLA_HOURS = {"P1": 1, "P2": 24, "P3": 72, "P4": 168}
    page = login(triager).get("/staff/receiving-a-report/").content.decode()
    for principle in ("Believe them.", "Don't judge.", "Don't investigate alone.", "Don't promise an outcome.",
                      "Write it down.", "Escalate by priority."):
        assert principle in page
    assert "If someone is in danger now" in page
    assert "<td>1 hour</td>" in page and "<td>1 week</td>" in page
