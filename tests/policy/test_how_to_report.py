"""How to Report is generated from settings, so it never disagrees with the system's real clocks."""

from __future__ import annotations

from django.test import Client


def test_page_shows_the_defaults(db):
    page = Client().get("/how-to-report/").content.decode()
    assert "Emergency first" in page
    assert page.index("Emergency first") < page.index("Ways to report")
    assert "within 24 hours" in page  # acknowledgement
    assert "within 3 days" in page  # first response
    assert "conduct@example.org" in page
    assert "Example Open Source Foundation" in page
    for heading in ("When to report", "What to include", "What happens next", "Confidentiality and anonymity",
                    "The limits", "Retaliation is forbidden", "Appeals", "In person at events"):
        assert heading in page
    assert "/report/" in page and "/guidelines/#appeals" in page


def test_page_follows_the_settings(db, settings):
    settings.STEWARD_ACK_HOURS = 48
    settings.STEWARD_FIRST_RESPONSE_DAYS = 5
    settings.STEWARD_SLA_HOURS = {"P1": 2, "P2": 12, "P3": 96, "P4": 336}
    settings.STEWARD_CONTACT_EMAIL = "safety@foo.example"
    settings.STEWARD_ORGANISATION_NAME = "Foo Collective"
    page = Client().get("/how-to-report/").content.decode()
    assert "within 2 days" in page and "within 24 hours" not in page
    assert "within 5 days" in page
    assert "<td>2 hours</td>" in page
    assert "<td>12 hours</td>" in page
    assert "<td>4 days</td>" in page
    assert "<td>2 weeks</td>" in page
    assert "safety@foo.example" in page and "conduct@example.org" not in page
    assert "Foo Collective" in page


def test_one_hour_is_singular(db, settings):
    settings.STEWARD_SLA_HOURS = {"P1": 1, "P2": 24, "P3": 72, "P4": 168}
    page = Client().get("/how-to-report/").content.decode()
    assert "<td>1 hour</td>" in page
    assert "<td>24 hours</td>" in page
    assert "<td>3 days</td>" in page
    assert "<td>1 week</td>" in page


def test_linked_from_the_public_navigation(db):
    page = Client().get("/report/").content.decode()
    assert 'href="/how-to-report/"' in page and 'href="/guidelines/"' in page
