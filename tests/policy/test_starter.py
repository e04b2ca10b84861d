"""Every installation starts with a complete, published starter code of conduct (version 1.0)."""

from __future__ import annotations

from steward.policy import services
from steward.policy.models import GuidelineVersion, SectionKind
from steward.policy.starter import STARTER_SECTIONS
from steward.reports.forms import ReportForm


def test_version_one_is_published_by_the_migration(v1):
    assert v1.is_published
    assert services.current_version() == v1
    assert GuidelineVersion.objects.count() == 1
    assert {s.kind for s in v1.sections.all()} == set(SectionKind.values)
    assert all(s.body_markdown.strip() for s in v1.sections.all())


def test_protected_characteristics_include_caste(v1):
    slugs = set(v1.characteristics.values_list("slug", flat=True))
    assert "caste" in slugs
    assert {"age", "disability-visible-or-invisible", "race", "sexual-identity-and-orientation",
            "gender-identity-and-expression", "socio-economic-status"} <= slugs


def test_categories_are_the_intake_forms_choices(v1):
    slugs = list(v1.categories.values_list("slug", flat=True))
    assert slugs == ["harassment", "discrimination", "threats-violence", "sexual-misconduct", "doxxing-privacy",
                     "personal-attacks", "trolling-disruption", "unwelcome-contact", "retaliation", "other"]
    assert [value for value, _label in ReportForm().fields["categories"].choices] == slugs


def test_starter_text_is_a_full_document():
    words = sum(len(body.split()) for _kind, _title, body in STARTER_SECTIONS)
    assert 700 <= words <= 1300
