"""The staff ladder pages (administrators edit, decision makers and triagers read, others are
refused) and the public consequences page (no sign-in, the visitor's language when complete)."""

from __future__ import annotations

import pytest
from django.test import Client

from steward.core.roles import Role
from steward.decisions import ladders, preset_files
from steward.decisions.models import Ladder, Level, LevelTranslation
from tests.conftest import login, make_staff

from .helpers import current_ladder, decide, level

LADDER = "/staff/ladder/"


def level_post(prefix: str, **overrides: str) -> dict[str, str]:
    data = {"key": "mediation", "name": "Mediation", "impact": "A misunderstanding both sides want to repair.",
            "consequence": "A mediated conversation.", "tool_access": "kept", "ban": "none",
            "default_duration_days": "0", "breach_leads_to": "", "message_kind": "mediation"}
    data.update(overrides)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_decision_makers_and_triagers_read_the_ladder_without_editing_it(decision_maker, triager):
    current_ladder()
    for user in (decision_maker, triager):
        page = login(user).get(LADDER)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Temporary ban, by default 90 days" in text and "Tool access revoked" in text
        assert "Start a new version" not in text and "Start from a preset" not in text
        assert 'href="/staff/ladder/"' in text  # offered in the navigation


@pytest.mark.parametrize("roles", [(Role.CASE_HANDLER,), (Role.AUDITOR,), ()])
def test_everyone_else_is_refused_the_ladder_pages(db, roles):
    current_ladder()
    client = login(make_staff("olga", *roles))
    before = list(Ladder.objects.values_list("pk", "status"))
    assert client.get(LADDER).status_code == 403
    assert 'href="/staff/ladder/"' not in client.get("/staff/").content.decode()
    assert client.post(LADDER, {"preset": "mozilla-style"}).status_code == 403
    assert client.post("/staff/ladder/new-version/").status_code == 403
    assert list(Ladder.objects.values_list("pk", "status")) == before


def test_a_decision_maker_may_not_change_the_ladder(decision_maker):
    current = current_ladder()
    client = login(decision_maker)
    assert client.post(LADDER, {"preset": "mozilla-style"}).status_code == 403
    assert client.post("/staff/ladder/new-version/").status_code == 403
    assert client.post(f"/staff/ladder/{current.pk}/publish/").status_code == 403
    assert client.post(f"/staff/ladder/levels/{level('warning').pk}/", level_post(f"level-{level('warning').pk}")
                       ).status_code == 403
    assert Ladder.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(LADDER)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_administrator_picks_a_preset_edits_a_level_and_publishes(administrator):
    current_ladder()
    client = login(administrator)
    page = client.get(LADDER).content.decode()
    assert "Seven levels (Mozilla style)" in page and "Start a new version" in page
    created = client.post(LADDER, {"preset": "covenant-3.0"})
    draft = Ladder.objects.get(status=Ladder.Status.DRAFT)
    assert created["Location"] == f"/staff/ladder/{draft.pk}/"
    assert "Publish this version" in client.get(LADDER).content.decode()  # the open draft is shown first
    warning = draft.levels.get(key="warning")
    saved = client.post(f"/staff/ladder/levels/{warning.pk}/", level_post(
        f"level-{warning.pk}", key="warning", name="Written warning", no_contact="on"))
    assert saved.status_code == 302
    warning.refresh_from_db()
    assert warning.name == "Written warning" and warning.no_contact
    added = client.post(f"/staff/ladder/{draft.pk}/levels/", level_post("new"))
    assert added.status_code == 302 and draft.levels.filter(key="mediation").exists()
    moved = client.post(f"/staff/ladder/levels/{draft.levels.get(key='mediation').pk}/move/", {"direction": "down"})
    assert moved.status_code == 302 and draft.levels.get(key="mediation").position == 3
    assert client.post(f"/staff/ladder/{draft.pk}/publish/").status_code == 302
    assert ladders.current_ladder() == draft


def test_editing_a_used_level_shows_the_error_and_changes_nothing(reported_case, decision_maker, administrator):
    decision = decide(reported_case, decision_maker, "warning")
    used = decision.level
    before = list(Level.objects.values())
    response = login(administrator).post(f"/staff/ladder/levels/{used.pk}/", level_post(
        f"level-{used.pk}", key="warning", name="Renamed"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Decisions were taken with this ladder, so its levels can never change." in text
    assert "Start a new version to change the ladder." in text
    assert list(Level.objects.values()) == before


def test_a_bad_level_form_names_the_field_and_changes_nothing(administrator):
    client = login(administrator)
    current_ladder()
    client.post(LADDER, {"preset": "covenant-3.0"})
    draft = Ladder.objects.get(status=Ladder.Status.DRAFT)
    before = list(Level.objects.values())
    response = client.post(f"/staff/ladder/{draft.pk}/levels/", level_post("new", ban="temporary"))
    assert response.status_code == 400
    assert "A temporary ban needs a default duration in days." in response.content.decode()
    assert list(Level.objects.values()) == before


def test_the_public_page_shows_the_current_ladder_without_signing_in(db):
    current_ladder()
    page = Client().get("/guidelines/consequences/")
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("Correction", "Warning", "Temporary ban", "Permanent ban"):
        assert name in text
    assert "not yet translated" not in text


def test_the_public_page_is_in_the_visitors_language_when_its_translation_is_complete(db, tmp_path, monkeypatch):
    preset = preset_files.presets()["covenant-2.1"]
    lines = []
    for item in preset.levels:
        lines += [f"[ladders.\"covenant-2.1\".levels.{item.key}]", f'name = "DE-{item.key}"', 'impact = "Wirkung"',
                  'consequence = "Folge"']
    (tmp_path / "de.toml").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setattr(preset_files, "TRANSLATIONS_DIR", tmp_path)
    preset_files.translations.cache_clear()
    try:
        admin = make_staff("ada", Role.ADMINISTRATOR)
        current_ladder()
        draft = ladders.create_from_preset("covenant-2.1", by=admin)  # installs the shipped translations
        assert LevelTranslation.objects.filter(level__ladder=draft, language="de").count() == 4
        ladders.publish(draft, by=admin)
    finally:
        preset_files.translations.cache_clear()
    german = Client().get("/guidelines/consequences/?lang=de").content.decode()
    assert "DE-temporary_ban" in german and 'lang="de"' in german
    french = Client().get("/guidelines/consequences/?lang=fr").content.decode()
    assert "DE-temporary_ban" not in french and "Temporary ban" in french
    assert 'lang="en"' in french and 'id="translation-notice"' in french  # English, and said so
