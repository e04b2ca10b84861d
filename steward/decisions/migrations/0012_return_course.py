from django.db import migrations, models


class Migration(migrations.Migration):
    """The onboarding course as the second step of a return (training assigns it, passing it completes it)."""

    dependencies = [("decisions", "0011_enforcement_messages")]

    operations = [
        migrations.AddField(model_name="return", name="course_assigned_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="return", name="course_done_at",
                            field=models.DateTimeField(blank=True, null=True)),
    ]
