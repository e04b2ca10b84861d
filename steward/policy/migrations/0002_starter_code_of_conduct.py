"""Every installation starts with the starter code of conduct published as version 1.0."""

from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify


def create_starter(apps, schema_editor):
    from steward.policy.starter import STARTER_CATEGORIES, STARTER_CHANGELOG, STARTER_CHARACTERISTICS, STARTER_SECTIONS

    GuidelineVersion = apps.get_model("policy", "GuidelineVersion")
    GuidelineSection = apps.get_model("policy", "GuidelineSection")
    BehaviourCategory = apps.get_model("policy", "BehaviourCategory")
    ProtectedCharacteristic = apps.get_model("policy", "ProtectedCharacteristic")
    if GuidelineVersion.objects.exists():
        return
    now = timezone.now()
    version = GuidelineVersion.objects.create(
        major=1, minor=0, effective_date=timezone.localdate(now), changelog=STARTER_CHANGELOG,
        status="published", created_at=now, published_at=now,
    )
    for kind, title, body in STARTER_SECTIONS:
        GuidelineSection.objects.create(version=version, kind=kind, title=title, body_markdown=body)
    for position, (slug, label, description) in enumerate(STARTER_CATEGORIES):
        BehaviourCategory.objects.create(version=version, slug=slug, label=label, description=description,
                                         position=position)
    for position, label in enumerate(STARTER_CHARACTERISTICS):
        ProtectedCharacteristic.objects.create(version=version, slug=slugify(label), label=label, position=position)


def remove_starter(apps, schema_editor):
    GuidelineVersion = apps.get_model("policy", "GuidelineVersion")
    GuidelineVersion.objects.filter(major=1, minor=0, published_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(create_starter, remove_starter)]
