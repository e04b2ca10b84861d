"""Screening reads only the keys of people whose records may count (`MatchKey.counts`, from a partial index)
and opens one sealed subject per candidate (`Person.subject_sealed`). The flags are set here, so screening
finds the same people the moment this has run; everyone is marked not indexed, so the worker's
`registry.index` job writes their subjects within minutes (until then their names and identities are opened
as before)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def flag_and_index_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    may_count = apps.get_model("registry", "ViolationRecord").objects.filter(
        Q(set_aside_at__isnull=True) & (Q(counts_until__isnull=True) | Q(counts_until__gte=today)))
    apps.get_model("registry", "MatchKey").objects.filter(person_id__in=may_count.values("person_id")).update(counts=True)
    apps.get_model("registry", "Person").objects.update(indexed_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_alter_datakey_purpose'),
        ('registry', '0005_index_again_with_typo_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='matchkey',
            name='counts',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='person',
            name='subject_key',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.datakey'),
        ),
        migrations.AddField(
            model_name='person',
            name='subject_sealed',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='matchkey',
            index=models.Index(condition=models.Q(('counts', True)), fields=['key', 'person'], name='match_key_counting'),
        ),
        migrations.RunPython(flag_and_index_again, migrations.RunPython.noop),
    ]
