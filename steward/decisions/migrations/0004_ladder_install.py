"""The Contributor Covenant 2.1 preset becomes the current ladder (its four levels are the old
fixed outcomes), and every existing decision is mapped onto it: correction, warning,
temporary_ban and permanent_ban take the level of the same key and a snapshot of it; no_violation
stays the outcome it was. Nothing is lost. Going back maps the levels to their keys again."""

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.utils import timezone

from steward.decisions import preset_files

OLD_LEVELS = ("correction", "warning", "temporary_ban", "permanent_ban")


def install(apps, schema_editor):
    Ladder = apps.get_model("decisions", "Ladder")
    Level = apps.get_model("decisions", "Level")
    LevelTranslation = apps.get_model("decisions", "LevelTranslation")
    Decision = apps.get_model("decisions", "Decision")
    preset = preset_files.presets()[preset_files.LEGACY_PRESET]
    ladder = Ladder.objects.create(name=preset.name, description=preset.description, preset=preset.slug, version=1,
                                   status="current", published_at=timezone.now())
    levels = {}
    for position, item in enumerate(preset.levels):
        levels[item.key] = Level.objects.create(
            ladder=ladder, position=position, key=item.key, name=item.name, impact=item.impact,
            consequence=item.consequence, no_contact=item.no_contact, cooling_off=item.cooling_off,
            tool_access=item.tool_access, leadership_suspended=item.leadership_suspended,
            events_barred=item.events_barred, ban=item.ban, default_duration_days=item.default_duration_days,
            onboarding_required=item.onboarding_required, message_kind=item.messages)
    for item in preset.levels:
        if item.breach:
            Level.objects.filter(pk=levels[item.key].pk).update(breach_leads_to=levels[item.breach])
    for language, texts in preset_files.translations(preset.slug).items():
        for key, text in texts.items():
            if key in levels:
                level = levels[key]
                LevelTranslation.objects.create(
                    level=level, language=language, name=text.name, impact=text.impact, consequence=text.consequence,
                    source_digest=preset_files.digest(level.name, level.impact, level.consequence))
    missing = set(OLD_LEVELS) - set(levels)
    if missing and Decision.objects.filter(outcome__in=missing).exists():
        raise RuntimeError(f"the {preset.slug} preset lacks the levels {sorted(missing)} that decisions use")
    for decision in Decision.objects.filter(outcome__in=OLD_LEVELS).iterator():
        level = levels[decision.outcome]
        Decision.objects.filter(pk=decision.pk).update(
            outcome="level", level=level, level_key=level.key, level_name=level.name, level_position=level.position,
            ladder_name=ladder.name, ladder_version=ladder.version, ban=level.ban,
            starts_on=timezone.localtime(decision.decided_at).date(),
            restrictions={"no_contact": level.no_contact, "cooling_off": level.cooling_off,
                          "tool_access": level.tool_access, "leadership_suspended": level.leadership_suspended,
                          "events_barred": level.events_barred, "onboarding_required": level.onboarding_required,
                          "default_duration_days": level.default_duration_days})
    for decision in Decision.objects.exclude(outcome="level").iterator():
        Decision.objects.filter(pk=decision.pk).update(starts_on=timezone.localtime(decision.decided_at).date())


def uninstall(apps, schema_editor):
    Decision = apps.get_model("decisions", "Decision")
    unmappable = Decision.objects.exclude(outcome__in=("level", "no_violation")).exists() or (
        Decision.objects.filter(outcome="level").exclude(level_key__in=OLD_LEVELS).exists())
    if unmappable:
        raise IrreversibleError(
            "decisions use outcomes or levels the fixed outcomes cannot express")
    for key in OLD_LEVELS:
        Decision.objects.filter(outcome="level", level_key=key).update(outcome=key, level=None)
    apps.get_model("decisions", "Ladder").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("decisions", "0003_ladder"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
