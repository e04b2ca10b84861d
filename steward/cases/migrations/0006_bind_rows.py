"""Bind every sealed value to its row: each row gets a random ``row_uuid`` and its values are
sealed again with it in their associated data (see steward.core.crypto). Reversible: going back
seals them again without the row, then drops the column. Rows of erased cases (destroyed keys)
are left as they are: nothing can open them either way."""

import uuid

from django.db import migrations, models

from steward.core import crypto

# model -> (path to its data key, {column: field name in the associated data})
SEALED = {
    "case": ("data_key", {
        "decision_summary_sealed": "case.decision_summary",
    }),
    "timelineevent": ("case__data_key", {
        "detail_sealed": "case.timeline",
    }),
    "note": ("case__data_key", {
        "body_sealed": "case.note",
    }),
    "triage": ("case__data_key", {
        "answers_sealed": "case.triage_answers",
        "reason_sealed": "case.triage_reason",
    }),
    "caseconflict": ("case__data_key", {
        "reason_sealed": "case.conflict_reason",
    }),
    "consultation": ("case__data_key", {
        "question_sealed": "case.consultation_question",
        "answer_sealed": "case.consultation_answer",
    }),
}


bind_rows, unbind_rows = crypto.row_binding("cases", SEALED)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_title_readings"),
        ("core", "0003_datakey_purposes"),
    ]

    operations = [
        migrations.AddField("case", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("timelineevent", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("note", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("triage", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("caseconflict", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.AddField("consultation", "row_uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(bind_rows, unbind_rows),
        migrations.AlterField("case", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("timelineevent", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("note", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("triage", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("caseconflict", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField("consultation", "row_uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
    ]
