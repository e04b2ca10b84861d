"""The consequence ladder as data (ladders, levels, their translations) and the decision record's
new fields: level and its snapshot, ban kind, start and end, scope, conditions, recommendation."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_bind_rows'),
        ('decisions', '0002_bind_rows'),
        ('registry', '0003_bind_rows'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint('decision', 'decision_ban_until_only_for_temporary_bans'),
        migrations.RenameField('decision', 'ban_until', 'ends_on'),
        migrations.CreateModel(
            name='LevelTranslation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(max_length=16)),
                ('name', models.CharField(max_length=200)),
                ('impact', models.TextField()),
                ('consequence', models.TextField()),
                ('source_digest', models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='decision',
            name='ban',
            field=models.CharField(choices=[('none', 'No ban'), ('temporary', 'Temporary ban'), ('permanent', 'Permanent ban')], default='none', max_length=10),
        ),
        migrations.AddField(
            model_name='decision',
            name='conditions_sealed',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='departure_reason_sealed',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='ladder_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='decision',
            name='ladder_version',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='level_key',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='decision',
            name='level_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='decision',
            name='level_position',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='recommended',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='decision',
            name='restrictions',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='decision',
            name='spaces',
            field=models.ManyToManyField(blank=True, related_name='+', to='cases.space'),
        ),
        migrations.AddField(
            model_name='decision',
            name='starts_on',
            field=models.DateField(default=django.utils.timezone.localdate),
        ),
        migrations.AddField(
            model_name='decision',
            name='systems',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name='decision',
            name='outcome',
            field=models.CharField(choices=[('level', 'A level of the consequence ladder'), ('no_violation', 'No violation'), ('out_of_scope', 'Out of scope'), ('unknown_person', 'Violation, responsible person unknown'), ('flagged', 'Flagged (no sanction now, counted for future risk)')], max_length=20),
        ),
        migrations.CreateModel(
            name='Ladder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True)),
                ('preset', models.SlugField(blank=True)),
                ('version', models.PositiveIntegerField()),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('current', 'Current'), ('retired', 'Retired')], default='draft', max_length=10)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-version'],
            },
        ),
        migrations.CreateModel(
            name='Level',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('key', models.SlugField()),
                ('name', models.CharField(max_length=200)),
                ('impact', models.TextField()),
                ('consequence', models.TextField()),
                ('no_contact', models.BooleanField(default=False)),
                ('cooling_off', models.BooleanField(default=False)),
                ('tool_access', models.CharField(choices=[('kept', 'Kept'), ('revoked', 'Revoked')], default='kept', max_length=8)),
                ('leadership_suspended', models.BooleanField(default=False)),
                ('events_barred', models.BooleanField(default=False)),
                ('ban', models.CharField(choices=[('none', 'No ban'), ('temporary', 'Temporary ban'), ('permanent', 'Permanent ban')], default='none', max_length=10)),
                ('default_duration_days', models.PositiveIntegerField(default=0)),
                ('onboarding_required', models.BooleanField(default=False)),
                ('message_kind', models.CharField(choices=[('no_action', 'No action'), ('warning', 'Warning'), ('mediation', 'Mediation'), ('limited', 'Limited activities'), ('suspension', 'Suspension'), ('permanent_ban', 'Permanent ban')], default='warning', max_length=20)),
                ('breach_leads_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='decisions.level')),
                ('ladder', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='levels', to='decisions.ladder')),
            ],
            options={
                'ordering': ['ladder', 'position'],
            },
        ),
        migrations.AddField(
            model_name='decision',
            name='level',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='decisions.level'),
        ),
        migrations.AddField(
            model_name='leveltranslation',
            name='level',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='translations', to='decisions.level'),
        ),
        migrations.AddConstraint(
            model_name='ladder',
            constraint=models.UniqueConstraint(fields=('version',), name='ladder_unique_version'),
        ),
        migrations.AddConstraint(
            model_name='ladder',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'current')), fields=('status',), name='ladder_one_current'),
        ),
        migrations.AddConstraint(
            model_name='level',
            constraint=models.UniqueConstraint(fields=('ladder', 'key'), name='level_unique_key'),
        ),
        migrations.AddConstraint(
            model_name='leveltranslation',
            constraint=models.UniqueConstraint(fields=('level', 'language'), name='level_translation_unique_language'),
        ),
    ]
