"""The ladder as data: presets become drafts, drafts are edited and published, the previous
ladder is retired but kept, and a ladder that decisions use never changes."""

from __future__ import annotations

import pytest

from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import ladders, preset_files
from steward.decisions.models import Ban, Ladder, Level, LevelTranslation
from steward.policy.models import TranslationStatus

from .helpers import current_ladder, decide, level


def level_input(**overrides):
    values = {"key": "mediation", "name": "Mediation", "impact": "A misunderstanding both sides want to repair.",
              "consequence": "A mediated conversation with a moderator."}
    values.update(overrides)
    return ladders.LevelInput(**values)


def rows():
    """Everything a refused change must leave as it was."""
    return (list(Ladder.objects.order_by("pk").values()), list(Level.objects.order_by("pk").values()),
            list(LevelTranslation.objects.order_by("pk").values()))


def test_the_migration_made_the_covenant_ladder_current(db):
    ladder = current_ladder()
    assert ladder.preset == "covenant-2.1" and ladder.status == Ladder.Status.CURRENT
    assert [item.key for item in ladder.levels_in_order()] == ["correction", "warning", "temporary_ban", "permanent_ban"]
    assert level("warning").breach_leads_to == level("temporary_ban")
    assert level("temporary_ban").ban == Ban.TEMPORARY and level("temporary_ban").default_duration_days == 90


def test_every_shipped_preset_loads_with_its_levels_in_order():
    presets = preset_files.presets()
    assert set(presets) == {"mozilla-style", "covenant-2.1", "covenant-3.0"}
    assert [item.key for item in presets["mozilla-style"].levels] == [
        "no_action", "simple_warning", "warning_mediation", "cooling_off_kept", "cooling_off_revoked", "extended_ban",
        "permanent_ban"]
    assert [item.key for item in presets["covenant-3.0"].levels] == [
        "warning", "limited_activities", "temporary_suspension", "permanent_ban"]


def test_an_administrator_picks_a_preset_edits_the_draft_and_publishes_it(administrator):
    previous = current_ladder()
    draft = ladders.create_from_preset("mozilla-style", by=administrator)
    assert draft.status == Ladder.Status.DRAFT and draft.version == previous.version + 1
    assert len(draft.levels_in_order()) == 7
    extended = draft.levels.get(key="extended_ban")
    assert extended.ban == Ban.TEMPORARY and extended.default_duration_days == 75

    added = ladders.add_level(draft, level_input(), by=administrator)
    assert added.position == 7  # at the top; moved down to where it belongs
    for _ in range(5):
        ladders.move_level(added, by=administrator, up=False)
    assert [item.key for item in draft.levels_in_order()][1:4] == ["simple_warning", "mediation", "warning_mediation"]
    ladders.edit_level(added, level_input(name="Mediated conversation", no_contact=True,
                                          breach_leads_to=draft.levels.get(key="cooling_off_kept").pk),
                       by=administrator)
    added.refresh_from_db()
    assert added.name == "Mediated conversation" and added.no_contact and added.breach_leads_to.key == "cooling_off_kept"
    ladders.remove_level(draft.levels.get(key="no_action"), by=administrator)
    assert [item.position for item in draft.levels_in_order()] == list(range(7))

    ladders.publish(draft, by=administrator)
    previous.refresh_from_db()
    assert ladders.current_ladder() == draft
    assert previous.status == Ladder.Status.RETIRED and previous.levels.count() == 4  # kept
    assert AuditEntry.objects.filter(action="ladder.publish", object_id=str(draft.pk)).exists()


def test_a_new_version_copies_the_current_ladder_with_its_translations(administrator):
    current = current_ladder()
    LevelTranslation.objects.update_or_create(level=level("warning"), language="de", defaults={
        "name": "Verwarnung", "impact": "Ein Verstoß.", "consequence": "Eine Verwarnung.",
        "source_digest": level("warning").digest})
    draft = ladders.start_new_version(by=administrator)
    assert draft.version == current.version + 1 and draft.status == Ladder.Status.DRAFT
    copied = draft.levels.get(key="warning")
    assert copied.pk != level("warning").pk and copied.breach_leads_to.ladder == draft
    assert copied.translations.get(language="de").name == "Verwarnung"
    with pytest.raises(ladders.LadderError, match="is still open"):
        ladders.start_new_version(by=administrator)


def test_a_level_used_by_a_decision_can_never_change(reported_case, decision_maker, administrator):
    decision = decide(reported_case, decision_maker, "warning")
    ladder = decision.level.ladder
    before = rows()
    refusals = [
        lambda: ladders.edit_level(decision.level, level_input(key="warning", name="Softer warning"), by=administrator),
        lambda: ladders.remove_level(decision.level, by=administrator),
        lambda: ladders.remove_level(level("correction"), by=administrator),  # a level of a ladder decisions use
        lambda: ladders.move_level(level("correction"), by=administrator, up=True),
        lambda: ladders.add_level(ladder, level_input(), by=administrator),
        lambda: ladders.save_details(ladder, by=administrator, name="Renamed", description=""),
    ]
    for refused in refusals:
        with pytest.raises(ladders.LadderError) as error:
            refused()
        assert "can never change" in str(error.value.message) and "Start a new version" in str(error.value.message)
    assert rows() == before
    # The decision reads the same after a new version changes the level.
    draft = ladders.start_new_version(by=administrator)
    ladders.edit_level(draft.levels.get(key="warning"), level_input(key="warning", name="Final warning"),
                       by=administrator)
    ladders.publish(draft, by=administrator)
    decision.refresh_from_db()
    assert decision.level_name == "Warning" and decision.level.name == "Warning" and decision.ladder_version == 1


def test_a_published_ladder_without_decisions_is_still_not_edited_in_place(administrator):
    before = rows()
    with pytest.raises(ladders.LadderError, match="Only a draft can be edited"):
        ladders.edit_level(level("warning"), level_input(key="warning"), by=administrator)
    assert rows() == before


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"key": "Not a key!"}, "key", "The key is a short code"),
    ({"key": "warning_mediation"}, "key", "already has the key"),
    ({"name": " "}, "name", "Give the level a name."),
    ({"impact": ""}, "impact", "Describe the community impact"),
    ({"ban": "forever"}, "ban", "Choose no ban, a temporary ban or a permanent ban."),
    ({"ban": "temporary"}, "default_duration_days", "A temporary ban needs a default duration in days."),
    ({"tool_access": "some"}, "tool_access", "Tool access is either kept or revoked."),
    ({"breach_leads_to": "elsewhere"}, "breach_leads_to", "A breach leads to another level of the same ladder."),
])
def test_a_bad_level_is_refused_with_a_clear_error_and_changes_nothing(administrator, overrides, field, message):
    draft = ladders.create_from_preset("mozilla-style", by=administrator)
    if overrides.get("breach_leads_to") == "elsewhere":
        overrides["breach_leads_to"] = level("warning").pk  # a level of the current ladder, not this draft
    before = rows()
    with pytest.raises(ladders.LadderError) as error:
        ladders.add_level(draft, level_input(**overrides), by=administrator)
    assert error.value.field == field and message in str(error.value.message)
    assert rows() == before


def test_only_one_draft_at_a_time_and_an_empty_ladder_is_not_published(administrator):
    draft = ladders.create_from_preset("covenant-3.0", by=administrator)
    with pytest.raises(ladders.LadderError, match="still open"):
        ladders.create_from_preset("mozilla-style", by=administrator)
    with pytest.raises(ladders.LadderError, match="no preset called"):
        ladders.create_from_preset("nonsense", by=administrator)
    for item in draft.levels_in_order():
        ladders.remove_level(item, by=administrator)
    with pytest.raises(ladders.LadderError, match="at least one level"):
        ladders.publish(draft, by=administrator)
    assert ladders.current_ladder().preset == "covenant-2.1"
    ladders.discard_draft(draft, by=administrator)
    assert not Ladder.objects.filter(pk=draft.pk).exists()


def test_only_administrators_change_the_ladder(decision_maker, triager):
    before = rows()
    for user in (decision_maker, triager):
        with pytest.raises(Denied):
            ladders.create_from_preset("mozilla-style", by=user)
        with pytest.raises(Denied):
            ladders.start_new_version(by=user)
    assert rows() == before


def test_translation_status_is_complete_outdated_or_missing(administrator, settings):
    settings.STEWARD_GUIDELINE_LOCALES = ["de", "fr", "ja"]
    draft = ladders.start_new_version(by=administrator)
    LevelTranslation.objects.filter(level__ladder=draft).delete()  # this test sets each language's state itself
    for item in draft.levels_in_order():
        LevelTranslation.objects.create(level=item, language="de", name=f"DE {item.name}", impact="Wirkung",
                                        consequence="Folge", source_digest=item.digest)
        LevelTranslation.objects.create(level=item, language="fr", name=f"FR {item.name}", impact="Impact",
                                        consequence="Conséquence", source_digest=item.digest)
    edited = draft.levels.get(key="warning")
    ladders.edit_level(edited, level_input(key="warning", name="Formal warning"), by=administrator)
    statuses = {s.language: (s.status, s.complete, s.total) for s in ladders.translation_statuses(draft)}
    assert statuses["de"] == (TranslationStatus.OUTDATED, 3, 4)  # made from the English before the edit
    assert statuses["ja"] == (TranslationStatus.MISSING, 0, 4)
    LevelTranslation.objects.filter(level=edited).update(source_digest=draft.levels.get(key="warning").digest)
    assert {s.language: s.status for s in ladders.translation_statuses(draft)}["fr"] == TranslationStatus.COMPLETE
