"""The public reporting form at /report/: what a good submission stores and shows."""

from __future__ import annotations

import datetime
import logging
import math

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from steward.cases.messages import SecurityAlert
from steward.cases.models import Party, Priority, Status, TimelineEvent
from steward.core import crypto
from steward.core.models import AuditEntry, DataKey
from steward.registry.models import Identity, System
from steward.reports import receipts
from steward.reports.models import Report
from tests.conftest import file_received_reports, queued

from .helpers import CODE_RE, NARRATIVE, report_data

pytestmark = pytest.mark.django_db


def test_the_form_renders_with_a_fresh_one_time_token():
    client = Client()
    first, second = client.get("/report/"), client.get("/report/")
    assert first.status_code == 200
    assert b"What happened?" in first.content
    assert first.context["form"]["submission"].initial != second.context["form"]["submission"].initial


def test_a_report_is_stored_and_opens_a_case(space):
    client = Client()
    occurred = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post("/report/", report_data(
        client, space=space.pk, occurred_date=occurred.isoformat(), occurred_time="18:30",
        location="https://example.org/forum/t/42", involved="a maintainer called Bob", witnesses="Alice saw it",
        wishes="I want it to stop.", ongoing="no",
    ))
    file_received_reports()

    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    case = report.case
    assert case.status == Status.NEW
    assert case.priority is None
    assert case.space == space
    assert case.ongoing is False
    assert report.channel == Report.Channel.WEB
    assert report.recorded_by is None
    assert report.space == space
    assert report.anonymous is True
    assert report.narrative == NARRATIVE
    assert report.location == "https://example.org/forum/t/42"
    assert report.involved == "a maintainer called Bob"
    assert report.witnesses == "Alice saw it"
    assert report.wishes == "I want it to stop."
    assert report.reporter_role == Report.ReporterRole.AFFECTED
    assert timezone.localtime(report.occurred_at).date() == occurred
    assert timezone.localtime(report.occurred_at).time() == datetime.time(18, 30)
    assert report.data_key.purpose == DataKey.Purpose.REPORT
    assert TimelineEvent.objects.filter(case=case, kind="opened", data__channel="web").exists()
    submit = AuditEntry.objects.get(action="report.submit")
    assert (submit.actor_id, submit.actor_kind, submit.ip) == (None, "reporter", None)
    assert submit.object_id == str(report.pk)
    assert b"Thank you. We received your report." in response.content


def test_the_receipt_code_is_shown_once_and_only_its_keyed_hash_is_stored():
    client = Client()
    response = client.post("/report/", report_data(client))
    file_received_reports()

    code = response.context["code"]
    assert CODE_RE.match(code), code
    symbols = code.replace("-", "")
    assert len(symbols) == 25
    assert len(symbols) * math.log2(len(receipts.ALPHABET)) >= 100  # 125 bits of randomness
    assert code.encode() in response.content
    report = Report.objects.get()
    assert report.receipt_hash == crypto.keyed_hash(symbols, purpose="receipt")
    row = " ".join(str(value) for value in Report.objects.filter(pk=report.pk).values().get().values())
    assert code not in row and symbols not in row


def test_the_receipt_code_is_not_logged_audited_or_put_in_a_url(caplog):
    client = Client()
    data = report_data(client)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/report/", data)
        file_received_reports()

    code = response.context["code"]
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    audit_rows = " ".join(str(row) for row in AuditEntry.objects.values_list("detail", "object_id"))
    assert code not in audit_rows and code.replace("-", "") not in audit_rows
    assert code not in response.get("Location", "")
    assert "no-store" in response["Cache-Control"]  # the browser must not keep the page with the code


def test_every_report_gets_its_own_code():
    client = Client()
    codes = {client.post("/report/", report_data(client)).context["code"] for _ in range(3)}
    file_received_reports()
    assert len(codes) == 3
    assert Report.objects.count() == 3


def test_the_narrative_is_stored_as_ciphertext_only():
    client = Client()
    client.post("/report/", report_data(client))
    file_received_reports()

    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative_sealed FROM reports_report")
        (raw,) = cursor.fetchone()
    raw = bytes(raw)
    assert NARRATIVE.encode() not in raw
    assert b"home address" not in raw
    report = Report.objects.get()
    assert crypto.unseal(report.data_key, raw, field="report.narrative", row=report.row_uuid) == NARRATIVE


@pytest.mark.parametrize(("narrative", "language"), [
    ("Me insultó varias veces en el chat del proyecto y publicó mi dirección de casa en el foro sin mi permiso.", "es"),
    ("He insulted me several times in the project chat and posted my home address on the forum.", "de"),
])
def test_the_case_takes_the_language_the_reporter_chose(narrative, language):
    # The reporter's own choice, whatever the narrative is written in: nothing is guessed from the text.
    client = Client()
    response = client.post("/report/", report_data(client, narrative=narrative, preferred_language=language))
    file_received_reports()

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.preferred_language == language
    assert report.case.language == language
    assert report.detected_language == ""
    assert report.narrative == narrative


def test_accounts_become_registry_identities_and_reported_parties():
    client = Client()
    response = client.post("/report/", report_data(
        client, account_system_1="github", account_handle_1=" @rude-dev ",
        account_system_2="matrix", account_handle_2="@rude:matrix.org",
    ))
    file_received_reports()

    assert response.status_code == 200
    case = Report.objects.get().case
    identities = {(identity.system, identity.handle) for identity in Identity.objects.all()}
    assert identities == {(System.GITHUB, "rude-dev"), (System.MATRIX, "@rude:matrix.org")}
    parties = Party.objects.filter(case=case)
    assert parties.count() == 2
    assert {party.role for party in parties} == {Party.Role.REPORTED}
    assert {party.person_id for party in parties} == set(Identity.objects.values_list("person_id", flat=True))
    # The handle is sealed in the registry too.
    assert b"rude-dev" not in bytes(Identity.objects.get(system=System.GITHUB).handle_sealed)


def test_an_account_already_known_is_not_duplicated():
    client = Client()
    client.post("/report/", report_data(client, account_system_1="github", account_handle_1="rude-dev"))
    file_received_reports()
    client.post("/report/", report_data(client, account_system_1="github", account_handle_1="@rude-dev"))
    file_received_reports()

    assert Identity.objects.count() == 1
    people = set(Party.objects.values_list("person_id", flat=True))
    assert len(people) == 1
    assert Party.objects.count() == 2


def test_danger_now_makes_the_case_p1_and_alerts_security():
    client = Client()
    data = report_data(client, danger_now="yes")
    response = client.post("/report/", data)
    file_received_reports()

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.danger_now is True
    assert report.case.priority == Priority.P1
    assert report.case.danger is True
    assert TimelineEvent.objects.filter(case=report.case, kind="safety_alert").exists()
    assert queued(SecurityAlert) == [SecurityAlert(case=report.case.pk)]
    assert b"You told us someone is in danger right now" in response.content
    assert b"call your local emergency number" in response.content


def test_no_danger_means_no_alert_and_no_emergency_banner():
    client = Client()
    data = report_data(client)
    response = client.post("/report/", data)
    file_received_reports()

    assert Report.objects.get().case.priority is None
    assert queued(SecurityAlert) == []
    assert b"You told us someone is in danger right now" not in response.content


def test_contact_details_are_sealed_and_dropped_when_anonymous():
    client = Client()
    client.post("/report/", report_data(client, anonymous="contact", contact_name="Rosa",
                                        contact_email="rosa@example.org", consent_name_to_reported="yes"))
    file_received_reports()
    client.post("/report/", report_data(client, anonymous="anonymous", contact_name="Ghost",
                                        contact_email="ghost@example.org", consent_name_to_reported="yes"))
    file_received_reports()

    named, anonymous = Report.objects.order_by("pk")
    assert (named.anonymous, named.contact_name, named.contact_email) == (False, "Rosa", "rosa@example.org")
    assert named.consent_name_to_reported is True
    assert b"rosa@example.org" not in bytes(named.contact_email_sealed)
    assert named.contact_email_index == crypto.blind_index("rosa@example.org", purpose="email")
    assert anonymous.anonymous is True
    assert anonymous.contact_email_sealed is None and anonymous.contact_name_sealed is None
    assert anonymous.contact_email_index == ""
    assert anonymous.consent_name_to_reported is False  # nobody to name


def test_a_report_without_a_space_or_date_is_accepted():
    client = Client()
    response = client.post("/report/", report_data(client, occurred_approx="during the March community call"))
    file_received_reports()

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.space is None and report.occurred_at is None
    assert report.occurred_approx == "during the March community call"
