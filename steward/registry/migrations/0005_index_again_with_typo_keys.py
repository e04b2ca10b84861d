"""The screening index's keys changed (typo keys on a name's code replace the prefix keys): everyone
is marked not indexed, so the worker's `registry.index` job indexes them again within a minute.
Their old keys keep finding them until it has."""

from django.db import migrations


def index_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("registry", "Person").objects.update(indexed_at=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_records_and_screening")]
    operations = [migrations.RunPython(index_again, migrations.RunPython.noop)]
