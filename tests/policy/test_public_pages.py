"""Stable addresses for every published version, the change log, and nothing of drafts in public."""

from __future__ import annotations

from django.test import Client

from .conftest import draft, publish_v2


def test_current_guidelines_page(v1):
    page = Client().get("/guidelines/").content.decode()
    assert "Version 1.0" in page
    assert "Caste" in page
    assert 'id="category-harassment"' in page
    assert 'id="version-notice"' not in page
    for title in ("Where this applies", "What we expect", "Unacceptable behaviour", "Protected characteristics",
                  "Consequences", "Reporting", "Appeals"):
        assert title in page


def test_old_versions_stay_readable_with_a_notice(administrator, v1):
    publish_v2(administrator, scope="Version two scope.")
    client = Client()
    current = client.get("/guidelines/").content.decode()
    assert "Version two scope." in current and "Version 2.0" in current
    old = client.get("/guidelines/v/1.0/")
    assert old.status_code == 200
    page = old.content.decode()
    assert "This is version 1.0, which is not the current version." in page
    assert "Version two scope." not in page
    assert "Where this applies" in page
    assert client.get("/guidelines/v/2.0/").status_code == 200


def test_short_numbers_redirect_to_the_canonical_address(v1):
    response = Client().get("/guidelines/v/1/")
    assert response.status_code == 301
    assert response["Location"] == "/guidelines/v/1.0/"


def test_drafts_and_unknown_versions_are_not_public(administrator, v1):
    draft(administrator)
    client = Client()
    assert client.get("/guidelines/v/2.0/").status_code == 404
    assert client.get("/guidelines/v/9.9/").status_code == 404
    assert client.get("/guidelines/v/latest/").status_code == 404
    assert "2.0" not in client.get("/guidelines/changes/").content.decode()


def test_change_log_lists_every_published_version(administrator, v1):
    publish_v2(administrator)
    page = Client().get("/guidelines/changes/").content.decode()
    assert page.index("Version 2.0") < page.index("Version 1.0")
    assert "Clarified the appeals section." in page
    assert "including caste as a protected characteristic" in page
    assert 'href="/guidelines/v/1.0/"' in page


def test_rendered_guidelines_never_contain_scripts(administrator, v1):
    from steward.policy.models import GuidelineSection

    # Stored text bypassing the service (for example an old database) is still sanitised.
    GuidelineSection.objects.filter(version=v1, kind="scope").update(body_markdown="<script>alert(1)</script>Hello")
    page = Client().get("/guidelines/").content.decode()
    assert "alert(1)" not in page
