"""Once every decision has its level and ban kind (0004), the record's rules become constraints."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0004_ladder_install'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('ban', 'temporary'), ('ends_on__isnull', False)), models.Q(models.Q(('ban', 'temporary'), _negated=True), ('ends_on__isnull', True)), _connector='OR'), name='decision_end_only_for_temporary_bans'),
        ),
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('level_key__gt', ''), ('outcome', 'level')), models.Q(models.Q(('outcome', 'level'), _negated=True), ('ban', 'none')), _connector='OR'), name='decision_ban_only_for_levels'),
        ),
    ]
