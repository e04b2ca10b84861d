"""Bind every sealed value to its row: each row gets a random ``row_uuid`` and its values are
sealed again with it in their associated data (see steward.core.crypto). Reversible: going back
seals them again without the row, then drops the column. Rows of erased cases (destroyed keys)
are left as they are: nothing can open them either way."""

import uuid

from django.db import migrations, models

from steward.core import crypto

# model -> (path to its data key, {column: field name in the associated data})
SEALED = {
    "report": ("data_key", {
        "occurred_approx_sealed": "report.occurred_approx",
        "location_sealed": "report.location",
        "narrative_sealed": "report.narrative",
        "involved_sealed": "report.involved",
        "witnesses_sealed": "report.witnesses",
        "wishes_sealed": "report.wishes",
        "categories_sealed": "report.categories",
        "contact_name_sealed": "report.contact_name",
        "contact_email_sealed": "report.contact_email",
    }),
    "message": ("report__data_key", {
        "body_sealed": "message.body",
    }),
    "evidence": ("report__data_key", {
        "name_sealed": "evidence.name",
    }),
}


bind_rows, unbind_rows = crypto.row_binding("reports", SEALED)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_categories_sealed"),
        ("core", "0003_datakey_purposes"),
    ]

    operations = [
        migrations.AddField("report", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("message", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("evidence", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(bind_rows, unbind_rows),
        migrations.AlterField("report", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("message", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("evidence", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
    ]
