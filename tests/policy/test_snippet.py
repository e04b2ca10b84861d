"""CODE_OF_CONDUCT.md and the embed page, generated per organisation."""

from __future__ import annotations

from django.test import Client


def test_code_of_conduct_md(db, settings):
    settings.STEWARD_BASE_URL = "https://conduct.foo.example/"
    settings.STEWARD_ORGANISATION_NAME = "Foo Collective"
    settings.STEWARD_CONTACT_EMAIL = "conduct@foo.example"
    response = Client().get("/code-of-conduct.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Code of Conduct\n")
    assert "Foo Collective code of conduct" in text
    assert "https://conduct.foo.example/guidelines/" in text
    assert "https://conduct.foo.example/how-to-report/" in text
    assert "https://conduct.foo.example/report/" in text
    assert "conduct@foo.example" in text
    assert "emergency services" in text
    assert "&amp;" not in text and "&#x27;" not in text  # plain Markdown, not HTML-escaped


def test_embed_page_offers_markdown_and_html(db, settings):
    settings.STEWARD_BASE_URL = "https://conduct.foo.example"
    page = Client().get("/embed/").content.decode()
    assert 'id="snippet-md"' in page and 'id="snippet-html"' in page
    assert "# Code of Conduct" in page
    assert "&lt;a href=&quot;https://conduct.foo.example/guidelines/&quot;&gt;" in page  # copyable, escaped HTML
    assert '<a href="https://conduct.foo.example/how-to-report/">How to report</a>' in page  # the live example
