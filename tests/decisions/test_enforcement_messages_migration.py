"""Migration 0011: it installs the shipped templates of the moderators and the community
announcement, and its reverse removes those still as shipped; a template an organisation wrote is
left alone both ways."""

from __future__ import annotations

from typing import Any

import pytest

from steward.decisions import decision_messages, preset_files
from steward.decisions.models import MessageTemplate
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("decisions", "0010_decision_messages")
AUDIENCES = ["moderators", "community"]


def _rows(audiences: list[str]) -> dict[tuple[str, str, str], tuple[str, str]]:
    return {(t.kind, t.audience, t.language): (t.subject, t.body)
            for t in MessageTemplate.objects.filter(audience__in=audiences)}


def test_the_migration_installs_the_new_audiences_and_leaves_edited_templates_alone(administrator: Any) -> None:
    decision_messages.install_templates()  # a transactional test before this one flushed them
    english = MessageTemplate.objects.get(kind="suspension", audience="moderators", language="en")
    german = MessageTemplate.objects.get(kind="suspension", audience="community", language="de")
    decision_messages.save_template(english, by=administrator, subject="{organisation}: {spaces}",
                                    body="Our own words for {person}: {what_to_do}")
    decision_messages.save_template(german, by=administrator, subject="{organisation}", body="Unsere Worte: {person}")
    edited = _rows(AUDIENCES)
    edited = {key: edited[key] for key in [("suspension", "moderators", "en"), ("suspension", "community", "de")]}
    others = _rows(["reported", "reporter"])

    migrate([BEFORE])
    assert _rows(AUDIENCES) == edited  # only what the organisation wrote stays
    assert _rows(["reported", "reporter"]) == others

    migrate(latest())
    after = _rows(AUDIENCES)
    assert len(after) == 6 * len(preset_files.message_languages())
    assert {key: after[key] for key in edited} == edited
    shipped = preset_files.messages()["en"][("permanent_ban", "moderators")]
    assert after[("permanent_ban", "moderators", "en")] == (shipped.subject, shipped.body)
    french = preset_files.messages()["fr"][("permanent_ban", "moderators")]
    assert after[("permanent_ban", "moderators", "fr")] == (french.subject, french.body)
    assert _rows(["reported", "reporter"]) == others
