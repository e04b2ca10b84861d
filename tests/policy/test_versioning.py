"""Versioning rules: numbers only go up, new versions take effect today or later, published text never changes.
Every refusal names the problem and changes nothing."""

from __future__ import annotations

import datetime

import pytest

from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.policy import services
from steward.policy.models import GuidelineVersion, VersionNumber

from .conftest import categories_text, characteristics_text, draft, publish_v2, section_inputs, snapshot, today


def test_version_numbers_compare_semantically():
    assert VersionNumber.parse("2") == VersionNumber(2, 0)
    assert VersionNumber.parse("1.10") > VersionNumber.parse("1.9")
    assert VersionNumber.parse("v2") is None
    assert VersionNumber.parse("1.2.3") is None
    assert VersionNumber.parse("") is None


def test_draft_copies_the_newest_version(administrator, v1):
    version = draft(administrator, number="1.1")
    assert version.status == GuidelineVersion.Status.DRAFT
    assert [s.body_markdown for s in version.sections_in_order()] == [s.body_markdown for s in v1.sections_in_order()]
    assert list(version.categories.values_list("slug", flat=True)) == list(v1.categories.values_list("slug", flat=True))
    assert "caste" in version.characteristics.values_list("slug", flat=True)
    assert services.current_version() == v1  # a draft is not public


@pytest.mark.parametrize(("number", "message"), [
    ("0.9", "Version numbers only go up"),
    ("1.0", "already exists"),
    ("1", "already exists"),
    ("two", "is not a version number"),
])
def test_bad_version_numbers_are_refused(administrator, v1, number, message):
    before = snapshot()
    with pytest.raises(DomainError, match=message):
        draft(administrator, number=number)
    assert snapshot() == before


def test_effective_date_in_the_past_is_refused(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="in the past"):
        services.create_draft(by=administrator, number="2.0", effective_date=today() - datetime.timedelta(days=1),
                              changelog="Backdated")
    assert snapshot() == before


def test_empty_changelog_is_refused(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="change log"):
        draft(administrator, changelog="   ")
    assert snapshot() == before


def test_only_one_draft_at_a_time(administrator, v1):
    draft(administrator)
    before = snapshot()
    with pytest.raises(DomainError, match="already a draft"):
        draft(administrator, number="3.0")
    assert snapshot() == before


def _save(version, by, **overrides):
    arguments = {
        "number": str(version.number), "effective_date": today(), "changelog": version.changelog,
        "sections": section_inputs(version), "categories": categories_text(version),
        "characteristics": characteristics_text(version),
    }
    arguments.update(overrides)
    return services.save_draft(version, by=by, **arguments)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"number": "0.5"}, "Version numbers only go up"),
    ({"number": "1.0"}, "already exists"),
    ({"effective_date": datetime.date(2020, 1, 1)}, "in the past"),
    ({"categories": "harassment\n"}, "Line 1 of the categories"),
    ({"categories": "Harassment Stuff | Harassment"}, "is not a slug"),
    ({"categories": "a | A\na | Again"}, "appears twice"),
    ({"categories": ""}, "at least one category"),
    ({"characteristics": "Caste\ncaste"}, "appears twice"),
    ({"changelog": "<script>alert(1)</script>"}, "Markdown may not contain scripts"),
])
def test_bad_draft_edits_are_refused(administrator, v1, overrides, message):
    version = draft(administrator)
    before = snapshot()
    with pytest.raises(DomainError, match=message):
        _save(version, administrator, **overrides)
    assert snapshot() == before


def test_script_in_a_section_is_refused(administrator, v1):
    version = draft(administrator)
    before = snapshot()
    sections = section_inputs(version, appeals="Appeal here <img src=x onerror=alert(1)>")
    with pytest.raises(DomainError, match="Appeals: Markdown may not contain scripts"):
        _save(version, administrator, sections=sections)
    assert snapshot() == before


def test_saving_a_draft_changes_text_and_lists(administrator, v1):
    version = draft(administrator)
    _save(version, administrator, number="1.1", sections=section_inputs(version, scope="Everywhere we meet."),
          categories="harassment | Harassment\nother | Something else", characteristics="Caste\nAge")
    version.refresh_from_db()
    assert str(version.number) == "1.1"
    assert version.sections.get(kind="scope").body_markdown == "Everywhere we meet."
    assert list(version.categories.values_list("slug", flat=True)) == ["harassment", "other"]
    assert list(version.characteristics.values_list("slug", flat=True)) == ["caste", "age"]
    assert v1.sections.get(kind="scope").body_markdown != "Everywhere we meet."  # the published text is untouched


def test_published_versions_cannot_change(administrator, v1):
    before = snapshot()
    with pytest.raises(DomainError, match="published and can no longer change"):
        _save(v1, administrator)
    with pytest.raises(DomainError, match="published"):
        services.delete_draft(v1, by=administrator)
    assert snapshot() == before


def test_publishing_out_of_order_is_refused(administrator, v1):
    version = draft(administrator, number="1.5")
    # Someone publishes 2.0 in the meantime (simulated: the draft rule allows only one at a time).
    GuidelineVersion.objects.filter(pk=version.pk).update(major=0, minor=9)
    before = snapshot()
    with pytest.raises(DomainError, match="Version numbers only go up"):
        services.publish_version(version, by=administrator)
    assert snapshot() == before


def test_publishing_with_a_date_that_has_passed_is_refused(administrator, v1):
    version = draft(administrator)
    GuidelineVersion.objects.filter(pk=version.pk).update(effective_date=today() - datetime.timedelta(days=3))
    before = snapshot()
    with pytest.raises(DomainError, match="in the past"):
        services.publish_version(version, by=administrator)
    assert snapshot() == before


def test_publishing_with_an_empty_section_is_refused(administrator, v1):
    version = draft(administrator)
    version.sections.filter(kind="appeals").update(body_markdown="")
    before = snapshot()
    with pytest.raises(DomainError, match="still empty: Appeals"):
        services.publish_version(version, by=administrator)
    assert snapshot() == before


def test_new_version_becomes_current_on_its_effective_date(administrator, v1):
    version = draft(administrator)
    GuidelineVersion.objects.filter(pk=version.pk).update(effective_date=today() + datetime.timedelta(days=7))
    version.refresh_from_db()
    services.publish_version(version, by=administrator)
    assert services.current_version() == v1
    assert services.upcoming_version() == version
    assert services.current_version(today() + datetime.timedelta(days=7)) == version


def test_delete_draft(administrator, v1):
    version = draft(administrator)
    services.delete_draft(version, by=administrator)
    assert not GuidelineVersion.objects.filter(pk=version.pk).exists()


def test_non_administrators_cannot_change_guidelines(triager, v1):

    before = snapshot()
    with pytest.raises(Denied):
        draft(triager)
    with pytest.raises(Denied):
        services.publish_version(v1, by=triager)
    assert snapshot() == before


def test_publish_v2_helper(administrator, v1):
    version = publish_v2(administrator, appeals="New appeals text.")
    assert services.current_version() == version
