"""The administrator's editor: start a draft, preview, save, publish, translate."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from steward.core.models import AuditEntry
from steward.policy import services
from steward.policy.messages import VersionPublished
from steward.policy.models import GuidelineVersion, SectionKind, TranslationStatus
from tests.conftest import login, queued

from .conftest import categories_text, characteristics_text, draft, snapshot, today, without_translation


def _draft_post(version: GuidelineVersion, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {"number": str(version.number), "effective_date": today().isoformat(),
                            "changelog": version.changelog, "categories": categories_text(version),
                            "characteristics": characteristics_text(version)}
    for section in version.sections.all():
        data[f"title_{section.kind}"] = section.title
        data[f"body_{section.kind}"] = section.body_markdown
    data.update(changes)
    return data


def test_create_draft_from_the_list(administrator, v1):
    client = login(administrator)
    page = client.get("/staff/guidelines/")
    assert b"Start a new version" in page.content
    response = client.post("/staff/guidelines/", {"number": "2.0", "effective_date": today().isoformat(),
                                                  "changelog": "Added caste as a protected group"})
    version = GuidelineVersion.objects.get(major=2)
    assert response.status_code == 302 and response["Location"] == f"/staff/guidelines/{version.pk}/"
    assert AuditEntry.objects.filter(action="guidelines.draft", object_id=str(version.pk)).exists()


def test_create_draft_bad_input_shows_errors(administrator, v1):
    client = login(administrator)
    before = snapshot()
    backwards = client.post("/staff/guidelines/", {"number": "0.1", "effective_date": today().isoformat(),
                                                   "changelog": "x"})
    assert backwards.status_code == 400
    assert "Version numbers only go up" in backwards.content.decode()
    past = client.post("/staff/guidelines/", {"number": "2.0", "effective_date": "2001-01-01", "changelog": "x"})
    assert past.status_code == 400 and "This date is in the past" in past.content.decode()
    script = client.post("/staff/guidelines/", {"number": "2.0", "effective_date": today().isoformat(),
                                                "changelog": "<script>x</script>"})
    assert script.status_code == 400 and "Markdown may not contain scripts" in script.content.decode()
    assert snapshot() == before


def test_preview_renders_sanitised_html_without_saving(administrator, v1):
    version = draft(administrator)
    client = login(administrator)
    before = snapshot()
    response = client.post(f"/staff/guidelines/{version.pk}/",
                           _draft_post(version, body_scope="**Everywhere** we meet.", preview="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview (not saved)" in page
    assert "<strong>Everywhere</strong> we meet." in page
    assert snapshot() == before


def test_script_in_the_editor_is_refused_with_a_clear_error(administrator, v1):
    version = draft(administrator)
    client = login(administrator)
    before = snapshot()
    response = client.post(f"/staff/guidelines/{version.pk}/",
                           _draft_post(version, body_scope="Hi <script>alert(1)</script>", save="1"))
    assert response.status_code == 400
    assert "Markdown may not contain scripts" in response.content.decode()
    assert snapshot() == before


def test_save_draft_through_the_editor(administrator, v1):
    version = draft(administrator)
    client = login(administrator)
    response = client.post(f"/staff/guidelines/{version.pk}/",
                           _draft_post(version, body_scope="Everywhere we meet.", save="1",
                                       characteristics="Caste\nAge\nWorking hours"))
    assert response.status_code == 302
    assert version.sections.get(kind=SectionKind.SCOPE).body_markdown == "Everywhere we meet."
    assert list(version.characteristics.values_list("slug", flat=True)) == ["caste", "age", "working-hours"]
    entry = AuditEntry.objects.filter(action="guidelines.edit").get()
    assert entry.detail["sections"] == ["scope"]


def test_published_version_edit_page_redirects(administrator, v1):
    response = login(administrator).get(f"/staff/guidelines/{v1.pk}/")
    assert response.status_code == 302


def test_publish_through_the_form(administrator, v1):
    version = draft(administrator)
    client = login(administrator)
    page = client.get(f"/staff/guidelines/{version.pk}/publish/").content.decode()
    assert "Email confirmed subscribers" in page
    response = client.post(f"/staff/guidelines/{version.pk}/publish/", {"notify_subscribers": "on"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.is_published
    assert queued(VersionPublished) == [VersionPublished(version=version.pk)]
    assert AuditEntry.objects.filter(action="guidelines.publish").get().detail["notify_subscribers"] is True


def test_publish_refusal_is_shown(administrator, v1):
    version = draft(administrator)
    version.sections.filter(kind="appeals").update(body_markdown="")
    before = snapshot()
    response = login(administrator).post(f"/staff/guidelines/{version.pk}/publish/", {})
    assert response.status_code == 400
    assert "These sections are still empty: Appeals." in response.content.decode()
    assert snapshot() == before


def test_delete_draft_through_the_list(administrator, v1):
    version = draft(administrator)
    response = login(administrator).post(f"/staff/guidelines/{version.pk}/delete/")
    assert response.status_code == 302
    assert not GuidelineVersion.objects.filter(pk=version.pk).exists()


def test_translation_status_table(administrator, v1):
    without_translation(v1, "pt-BR")
    page = login(administrator).get(f"/staff/guidelines/{v1.pk}/translations/").content.decode()
    for locale in ("ar", "ja", "zh-TW", "pt-BR"):
        assert f'data-locale="{locale}"' in page
    assert "Missing" in page


def test_translate_through_the_editor(administrator, v1):
    client = login(administrator)
    data: dict[str, Any] = {"save": "1", "changelog": "最初の版", "label_protected:caste": "カースト"}
    for section in v1.sections.all():
        data[f"title_{section.kind}"] = f"見出し {section.kind}"
        data[f"body_{section.kind}"] = f"本文 {section.kind}"
    response = client.post(f"/staff/guidelines/{v1.pk}/translations/ja/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert services.translation_status(v1, "ja").status == TranslationStatus.COMPLETE
    page = client.get(f"/staff/guidelines/{v1.pk}/translations/").content.decode()
    assert "Complete" in page


def test_translation_preview_and_script_refusal(administrator, v1):
    client = login(administrator)
    before = snapshot()
    preview = client.post(f"/staff/guidelines/{v1.pk}/translations/ja/",
                          {"preview": "1", "title_scope": "範囲", "body_scope": "*強調*"})
    assert "<em>強調</em>" in preview.content.decode()
    bad = client.post(f"/staff/guidelines/{v1.pk}/translations/ja/",
                      {"save": "1", "title_scope": "範囲", "body_scope": "<img src=x onerror=alert(1)>"})
    assert bad.status_code == 400
    assert "Markdown may not contain scripts" in bad.content.decode()
    assert snapshot() == before


def test_unknown_locale_page_explains(administrator, v1):
    client = login(administrator)
    before = snapshot()
    response = client.post(f"/staff/guidelines/{v1.pk}/translations/xx/", {"save": "1", "title_scope": "x"})
    assert response.status_code == 404
    assert "“xx” is not one of the guideline languages" in response.content.decode()
    assert snapshot() == before


def test_markdown_validator_is_on_the_form_fields():
    from steward.policy.forms import NewVersionForm

    form = NewVersionForm({"number": "2", "effective_date": today().isoformat(), "changelog": "<script>"})
    assert not form.is_valid()
    assert "changelog" in form.errors
    try:
        form.fields["changelog"].run_validators("<script>")
    except ValidationError as error:
        assert "Markdown may not contain scripts" in error.messages[0]
