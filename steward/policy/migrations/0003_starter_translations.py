"""The starter code of conduct ships translated into every guideline language.

Adds the shipped translations, marked complete, to version 1.0 when it is still the
current published version with the starter text unedited, for each language that has
no translation yet. An organisation's own versions and translations are left alone.
"""

from django.db import migrations


def add_translations(apps, schema_editor):
    from steward.policy.starter import install_translations

    install_translations(apps)


def remove_translations(apps, schema_editor):
    from steward.policy.starter import remove_translations as remove

    remove(apps)


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_starter_code_of_conduct")]

    operations = [migrations.RunPython(add_translations, remove_translations)]
