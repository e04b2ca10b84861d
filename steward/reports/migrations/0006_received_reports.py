
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.db import migrations, models


def keep_receipts(apps, schema_editor):
    """The receipt codes kept for forms sent again move to the rows that now keep them, filed."""
    SubmissionReceipt = apps.get_model("reports", "SubmissionReceipt")
    ReceivedReport = apps.get_model("reports", "ReceivedReport")
    ReceivedReport.objects.bulk_create(ReceivedReport(
        data_key_id=receipt.report.data_key_id, received_at=receipt.created_at, submission_hash=receipt.submission_hash,
        receipt_hash=receipt.report.receipt_hash, code_sealed=receipt.code_sealed, report_id=receipt.report_id,
        filed_at=receipt.created_at) for receipt in SubmissionReceipt.objects.select_related("report"))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_api_token'),
        ('reports', '0005_evidence_file_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReceivedReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('row_uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('received_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('submission_hash', models.CharField(max_length=64, unique=True)),
                ('receipt_hash', models.CharField(max_length=64, unique=True)),
                ('code_sealed', models.BinaryField()),
                ('intake_sealed', models.BinaryField(blank=True, null=True)),
                ('filed_at', models.DateTimeField(blank=True, null=True)),
                ('data_key', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.datakey')),
                ('report', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.report')),
            ],
        ),
        migrations.RunPython(keep_receipts, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='SubmissionReceipt',
        ),
        migrations.AddIndex(
            model_name='receivedreport',
            index=models.Index(fields=['filed_at', 'received_at'], name='received_report_filing'),
        ),
    ]
