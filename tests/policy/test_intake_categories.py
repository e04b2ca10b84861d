"""Reporters choose the kind of behaviour from the current guidelines; the choice is sealed
like the rest of the report and shown to staff on the case page."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from steward.reports.models import Report
from tests.conftest import file_received_reports, login

from .conftest import publish_v2


def _post(client: Client, **extra):
    token = client.get("/report/").context["form"]["submission"].initial
    data = {"narrative": "He posted my address in the chat.", "reporter_role": "affected", "ongoing": "no",
            "danger_now": "no", "consent_contact_reported": "no", "consent_name_to_reported": "no",
            "anonymous": "anonymous", "preferred_language": "en", "submission": token}
    data.update(extra)
    return client.post("/report/", data)


def test_form_offers_the_current_categories(v1):
    page = Client().get("/report/").content.decode()
    assert "What kind of behaviour was it? (optional)" in page
    assert 'value="doxxing-privacy"' in page and 'type="checkbox"' in page
    assert page.index('name="narrative"') < page.index('name="categories"') < page.index('name="occurred_date"')


def test_chosen_categories_are_stored_sealed_and_shown_to_staff(v1, triager):
    response = _post(Client(), categories=["doxxing-privacy", "harassment"])
    assert response.status_code == 200
    (report,) = file_received_reports()
    assert report.categories == ["doxxing-privacy", "harassment"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT categories_sealed FROM reports_report WHERE id = %s", [report.pk])
        raw = bytes(cursor.fetchone()[0])
    assert b"doxxing" not in raw and b"harassment" not in raw
    page = login(triager).get(f"/staff/cases/{report.case_id}/").content.decode()
    assert "Kind of behaviour" in page
    assert "Doxxing and privacy violations, Harassment" in page


def test_no_choice_stores_nothing(v1):
    _post(Client())
    (report,) = file_received_reports()
    assert report.categories_sealed is None
    assert report.categories == []


def test_unknown_category_is_refused(v1):
    response = _post(Client(), categories=["made-up"])
    assert response.status_code == 400
    assert "is not one of the choices" in response.content.decode()
    assert not Report.objects.exists()


def test_choices_follow_the_published_version(administrator, v1):
    from steward.policy import services

    version = publish_v2(administrator)
    version.categories.filter(slug="other").update(label="Anything else")
    assert ("other", "Anything else") in services.current_categories()
    assert 'Anything else' in Client().get("/report/").content.decode()
