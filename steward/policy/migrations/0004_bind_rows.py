"""Bind every sealed value to its row: each row gets a random ``row_uuid`` and its values are
sealed again with it in their associated data (see steward.core.crypto). Reversible: going back
seals them again without the row, then drops the column. Rows of erased cases (destroyed keys)
are left as they are: nothing can open them either way."""

import uuid

from django.db import migrations, models

from steward.core import crypto

# model -> (path to its data key, {column: field name in the associated data})
SEALED = {
    "subscriber": ("data_key", {
        "email_sealed": "subscriber.email",
    }),
}


bind_rows, unbind_rows = crypto.row_binding("policy", SEALED)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_starter_translations"),
        ("core", "0003_datakey_purposes"),
    ]

    operations = [
        migrations.AddField("subscriber", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(bind_rows, unbind_rows),
        migrations.AlterField("subscriber", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
    ]
