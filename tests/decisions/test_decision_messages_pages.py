"""The decision message pages: the templates page for whoever edits the ladder (allowed and
denied), editing with a preview that saves nothing, and the decision page's "Preview messages"
showing exactly what "Record decision" stores; the case page shows the messages sent."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.utils import timezone

from steward.core.models import AuditEntry
from steward.decisions import decision_messages
from steward.decisions.models import Decision, DecisionMessage, MessageTemplate
from steward.reports.services import Account
from tests.conftest import login

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, MESSAGE, level

LIST = "/staff/decision-messages/"


@pytest.fixture
def templates(db: Any) -> None:
    decision_messages.install_templates()


def _edit_url(kind: str = "warning", audience: str = "reported", language: str = "en") -> str:
    template = MessageTemplate.objects.get(kind=kind, audience=audience, language=language)
    return f"{LIST}{template.pk}/"


def test_an_administrator_sees_every_kind_audience_and_language(templates, administrator):
    page = login(administrator).get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Warning — Person the decision applies to" in text and "Out of scope — Reporter" in text
    assert "Out of scope — Person the decision applies to" not in text  # no such message
    assert _edit_url("warning", "reported", "zh-TW") in text


@pytest.mark.parametrize("role_fixture", ["decision_maker", "triager"])
def test_others_are_refused_the_pages_and_the_save(templates, request, role_fixture):
    client = login(request.getfixturevalue(role_fixture))
    assert client.get(LIST).status_code == 403
    url = _edit_url()
    assert client.get(url).status_code == 403
    before = MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body
    assert client.post(url, {"subject": "s", "body": "b"}).status_code == 403
    assert MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body == before


def test_editing_previews_with_sample_values_without_saving_then_saves_audited(templates, administrator):
    client = login(administrator)
    url = _edit_url()
    body = "Hello {name}, about {behaviour}. Appeal until {appeal_until}: {appeal_link}"
    preview = client.post(url, {"subject": "From {organisation}", "body": body, "action": "preview"})
    assert preview.status_code == 200
    text = html.unescape(preview.content.decode())
    assert "Hello sam-example, about Repeated dismissive comments" in text
    assert MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body != body
    assert not AuditEntry.objects.filter(action="decision.message_template").exists()
    saved = client.post(url, {"subject": "From {organisation}", "body": body})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body == body
    assert AuditEntry.objects.filter(action="decision.message_template", actor=administrator).count() == 1
    listing = client.get(LIST).content.decode()
    assert "outdated: the English changed" in listing


def test_an_unknown_placeholder_is_a_form_error_naming_it_and_nothing_is_saved(templates, administrator):
    client = login(administrator)
    url = _edit_url()
    before = MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body
    for action in ("preview", "save"):
        refused = client.post(url, {"subject": "s", "body": "Hi {reporter_email}", "action": action})
        assert refused.status_code == 400
        assert "Unknown placeholder: {reporter_email}" in html.unescape(refused.content.decode())
    assert MessageTemplate.objects.get(kind="warning", audience="reported", language="en").body == before


# --- The decision page ------------------------------------------------------------------------


@pytest.fixture
def case(file_report: Any, templates: None) -> Any:
    report, _code = file_report(accounts=[Account("email", "mallory@example.net")], anonymous=False,
                                contact_email="rita@example.org", contact_name="Rita")
    return awaiting(report.case)


def _form(case: Any, **overrides: Any) -> dict[str, Any]:
    return {"choice": f"level:{level('temporary_ban').pk}", "subject": str(reported_person(case).pk),
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
            "reporter_summary": "The person you reported was banned for two months.", "rationale": "Second offence.",
            "departure_reason": DEPARTURE, **MESSAGE, **overrides}


def test_preview_messages_shows_exactly_what_record_decision_stores(case, decision_maker):
    client = login(decision_maker)
    url = f"/staff/cases/{case.pk}/decision/"
    preview = client.post(url, {**_form(case), "action": "preview"})
    assert preview.status_code == 200
    assert not Decision.objects.exists()
    assert AuditEntry.objects.filter(action="case.view", actor=decision_maker, detail__page="decision").count() == 1
    shown = html.unescape(preview.content.decode())
    assert "Messages that will be sent" in shown
    assert client.post(url, _form(case)).status_code == 302
    stored = list(DecisionMessage.objects.order_by("pk"))
    assert [m.audience for m in stored] == ["reported", "reporter"]
    for message in stored:
        assert message.subject in shown and message.body in shown
    page = html.unescape(login(decision_maker).get(f"/staff/cases/{case.pk}/").content.decode())
    assert "2 messages sent about this decision" in page and stored[0].body in page
    assert AuditEntry.objects.filter(action="case.view", actor=decision_maker).exists()  # an audited read


def test_preview_without_the_neutral_description_is_a_form_error(case, decision_maker):
    client = login(decision_maker)
    refused = client.post(f"/staff/cases/{case.pk}/decision/", {**_form(case, behaviour=""), "action": "preview"})
    assert refused.status_code == 400
    assert "describes the behaviour" in html.unescape(refused.content.decode())
    assert not Decision.objects.exists()
