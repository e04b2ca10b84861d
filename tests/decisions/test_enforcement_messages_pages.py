"""The decision messages page with the enforcement audiences: the moderators' and the community
announcement's templates listed with their state in every language, previewed with sample values
and saved by whoever edits the ladder; everyone else is refused and nothing changes."""

from __future__ import annotations

import html
from typing import Any

import pytest

from steward.core.models import AuditEntry
from steward.decisions import decision_messages
from steward.decisions.models import MessageTemplate
from tests.conftest import login

LIST = "/staff/decision-messages/"


@pytest.fixture
def templates(db: Any) -> None:
    decision_messages.install_templates()


def _template(kind: str = "suspension", audience: str = "moderators", language: str = "en") -> MessageTemplate:
    return MessageTemplate.objects.get(kind=kind, audience=audience, language=language)


def _url(template: MessageTemplate) -> str:
    return f"{LIST}{template.pk}/"


def _section(page: str, label: str) -> str:
    start = page.index(f">{label}</h2>")
    return page[start:page.index("</section>", start)]


def test_the_page_lists_the_enforcement_audiences_of_the_kinds_that_have_them(templates: Any, administrator: Any) -> None:
    page = html.unescape(login(administrator).get(LIST).content.decode())
    for kind in ("Limited activities", "Suspension", "Permanent ban"):
        assert f"{kind} — Moderators of affected spaces" in page and f"{kind} — Community announcement" in page
    assert "Warning — Moderators of affected spaces" not in page
    assert "No violation — Community announcement" not in page
    moderators = _section(page, "Suspension — Moderators of affected spaces")
    assert _url(_template(language="zh-TW")) in moderators  # a row to translate in every language
    assert moderators.count(">up to date<") == 16  # shipped in every language


def test_a_moderators_template_is_previewed_with_sample_values_then_saved_audited(templates: Any, administrator: Any) -> None:
    client = login(administrator)
    template = _template()
    body = "{person} in {spaces}: {what_to_do} Until {ends}. {consequence}"
    preview = client.post(_url(template), {"subject": "{organisation}: {spaces}", "body": body, "action": "preview"})
    assert preview.status_code == 200
    shown = html.unescape(preview.content.decode())
    assert "sam-example in the project chat (#general, #help): Remove the account from the rooms" in shown
    assert _template().body != body and not AuditEntry.objects.filter(action="decision.message_template").exists()
    assert client.post(_url(template), {"subject": "{organisation}: {spaces}", "body": body}).status_code == 302
    assert _template().body == body
    entry = AuditEntry.objects.get(action="decision.message_template", actor=administrator)
    assert entry.detail["audience"] == "moderators" and entry.detail["language"] == "en"


def test_an_announcement_previews_the_persons_public_name(templates: Any, administrator: Any) -> None:
    template = _template(audience="community")
    preview = login(administrator).post(_url(template), {"subject": template.subject, "body": template.body,
                                                         "action": "preview"})
    assert "Sam Example" in html.unescape(preview.content.decode())


def test_a_translation_saved_on_its_empty_row_is_up_to_date(templates: Any, administrator: Any) -> None:
    client = login(administrator)
    MessageTemplate.objects.filter(kind="suspension", audience="moderators", language="de").update(subject="", body="")
    german = _template(language="de")
    page = html.unescape(client.get(_url(german)).content.decode())
    assert "Not translated yet: the English is sent" in page and _template().body in page
    saved = client.post(_url(german), {"subject": "{organisation}: Sperre in {spaces}", "body": "{person}: {what_to_do}"})
    assert saved.status_code == 302
    listing = html.unescape(client.get(LIST).content.decode())
    assert _section(listing, "Suspension — Moderators of affected spaces").count(">up to date<") == 16


@pytest.mark.parametrize("placeholder", ["behaviour", "reporter_email", "outcome", "name"])
def test_the_reasons_and_the_reporter_are_refused_in_a_moderators_template(templates: Any, administrator: Any,
                                                                           placeholder: str) -> None:
    client = login(administrator)
    before = _template().body
    for action in ("preview", "save"):
        refused = client.post(_url(_template()), {"subject": "s", "body": f"Because {{{placeholder}}}",
                                                  "action": action})
        assert refused.status_code == 400
        assert f"Unknown placeholder: {{{placeholder}}}" in html.unescape(refused.content.decode())
    assert _template().body == before


@pytest.mark.parametrize("role_fixture", ["decision_maker", "triager"])
@pytest.mark.parametrize("audience", ["moderators", "community"])
def test_others_are_refused_the_enforcement_templates(templates: Any, request: Any, role_fixture: str,
                                                      audience: str) -> None:
    client = login(request.getfixturevalue(role_fixture))
    template = _template(audience=audience)
    assert client.get(LIST).status_code == 403
    assert client.get(_url(template)).status_code == 403
    assert client.post(_url(template), {"subject": "s", "body": "{person}"}).status_code == 403
    assert client.post(_url(template), {"subject": "s", "body": "{person}", "action": "preview"}).status_code == 403
    assert _template(audience=audience).body == template.body
    assert not AuditEntry.objects.filter(action="decision.message_template").exists()
