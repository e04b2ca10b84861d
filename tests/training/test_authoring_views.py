"""The authoring pages: thin over the services, refusals are clear and change nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from steward.core.roles import Role
from steward.policy.models import TranslationStatus
from steward.training import authoring, content
from steward.training.models import Choice, CourseVersion, Lesson
from tests.cases.test_access_matrix import snapshot
from tests.conftest import login, make_staff

from .authoring_helpers import navigation_as_built
from .conftest import document, make_learner, publish_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("navigation_as_built")]
__all__ = ["navigation_as_built"]


@pytest.fixture
def trainer() -> User:
    return make_staff("tess", Role.TRAINER)


@pytest.fixture
def draft(trainer: User) -> CourseVersion:
    return authoring.start_version(publish_course().course, by=trainer, major=False)


def pages(version: CourseVersion) -> list[str]:
    lesson = version.lessons.get(key="next-steps")
    question = lesson.quiz.questions.first()
    return [
        "/staff/training/courses/", f"/staff/training/courses/{version.course_id}/", f"/staff/training/versions/{version.pk}/",
        f"/staff/training/versions/{version.pk}/publish/", f"/staff/training/versions/{version.pk}/export/",
        f"/staff/training/versions/{version.pk}/import/", f"/staff/training/versions/{version.pk}/lessons/new/",
        f"/staff/training/versions/{version.pk}/translations/", f"/staff/training/versions/{version.pk}/translations/de/",
        f"/staff/training/versions/{version.pk}/translations/de/export/", f"/staff/training/lessons/{lesson.pk}/",
        f"/staff/training/lessons/{lesson.pk}/quiz/", f"/staff/training/lessons/{lesson.pk}/questions/new/",
        f"/staff/training/questions/{question.pk}/", "/staff/training/courses/import/",
    ]


def test_a_coordinator_opens_every_page(trainer: User, draft: CourseVersion) -> None:
    client = login(trainer)
    for path in pages(draft):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["screener", "learner", "other_owner"])
def test_others_are_refused_every_page(trainer: User, draft: CourseVersion, who: str) -> None:
    if who == "learner":
        user = make_learner("lena").user
    elif who == "other_owner":
        user = make_staff("otto")
        other = authoring.create_course(by=trainer, slug="other", title="Other", audience="staff")
        authoring.add_owner(other.course, user, by=trainer)
    else:
        user = make_staff("mei", Role.SCREENER)
    client = login(user)
    before = snapshot({"core.AuditEntry"})
    for path in pages(draft):
        if who == "other_owner" and path == "/staff/training/courses/":
            assert client.get(path).status_code == 200  # their own course only
            continue
        response = client.get(path)
        # A learner has no staff access at all: every staff page is missing for them.
        assert response.status_code == (404 if who == "learner" else 403), path
    lesson = draft.lessons.first()
    for path, data in [(f"/staff/training/versions/{draft.pk}/", {"title": "x", "pass_mark": "50"}),
                       (f"/staff/training/versions/{draft.pk}/publish/", {}),
                       (f"/staff/training/lessons/{lesson.pk}/delete/", {}),
                       (f"/staff/training/courses/{draft.course_id}/owners/", {"user": user.pk})]:
        assert client.post(path, data).status_code == (404 if who == "learner" else 403), path
    assert snapshot({"core.AuditEntry"}) == before
    if who == "other_owner":
        assert b"other" in client.get("/staff/training/courses/").content


def test_an_owner_edits_their_own_course_on_the_pages(trainer: User, draft: CourseVersion) -> None:
    owner = make_staff("olga")
    authoring.add_owner(draft.course, owner, by=trainer)
    client = login(owner)
    response = client.post(f"/staff/training/versions/{draft.pk}/", {"title": "Olga's course", "summary": "", "pass_mark": "75"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.pass_mark) == ("Olga's course", 75)


def test_a_lesson_is_previewed_then_saved(trainer: User, draft: CourseVersion) -> None:
    client = login(trainer)
    path = f"/staff/training/versions/{draft.pk}/lessons/new/"
    preview = client.post(path, {"title": "Self-care", "body": "Talk to **someone**.", "preview": "1"})
    assert preview.status_code == 200 and b"<strong>someone</strong>" in preview.content
    assert not draft.lessons.filter(key="self-care").exists()
    refused = client.post(path, {"title": "Self-care", "body": "<script>alert(1)</script>", "save": "1"})
    assert refused.status_code == 400 and "may not contain scripts" in refused.content.decode()
    saved = client.post(path, {"title": "Self-care", "body": "Talk to **someone**.", "save": "1"})
    assert saved.status_code == 302 and draft.lessons.filter(key="self-care").exists()


def test_a_question_is_written_with_its_answers(trainer: User, draft: CourseVersion) -> None:
    lesson = draft.lessons.get(key="next-steps")
    client = login(trainer)
    data = {"kind": "single", "text": "Who decides the outcome?", "explanation": "Not you alone.",
            "choice_0_text": "The person who heard it", "choice_0_explanation": "No.",
            "choice_1_text": "The people who handle reports", "choice_1_correct": "on", "choice_1_explanation": "Yes."}
    response = client.post(f"/staff/training/lessons/{lesson.pk}/questions/new/", data)
    assert response.status_code == 302
    question = lesson.quiz.questions.get(key="who-decides-the-outcome")
    assert list(question.choices.values_list("key", "correct")) == [("a", False), ("b", True)]
    data["choice_0_correct"] = "on"
    refused = client.post(f"/staff/training/questions/{question.pk}/", data)
    assert refused.status_code == 400 and "exactly one correct answer" in refused.content.decode()
    assert list(question.choices.values_list("correct", flat=True)) == [False, True]


def test_publishing_a_broken_draft_names_the_place(trainer: User, draft: CourseVersion) -> None:
    Choice.objects.filter(question__quiz__lesson__version=draft, question__key="write-down").update(correct=False)
    client = login(trainer)
    page = client.get(f"/staff/training/versions/{draft.pk}/publish/").content.decode()
    assert "lesson next-steps, question write-down: no answer is marked correct" in page
    response = client.post(f"/staff/training/versions/{draft.pk}/publish/")
    assert response.status_code == 400 and "was not published" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_published_version_refuses_edits_with_a_clear_message(trainer: User) -> None:
    published = publish_course()
    lesson = published.lessons.get(key="listen")
    client = login(trainer)
    response = client.post(f"/staff/training/lessons/{lesson.pk}/", {"title": "Changed", "body": "Changed", "save": "1"},
                           follow=True)
    assert "is published and can no longer change" in response.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).title == "Listen first"


def test_import_and_export_on_the_pages(trainer: User, draft: CourseVersion) -> None:
    client = login(trainer)
    exported = client.get(f"/staff/training/versions/{draft.pk}/export/")
    assert exported["Content-Type"].startswith("application/toml")
    assert content.load(exported.content) == content.parse(content.version_document(draft))
    bad = document()
    bad["lessons"][1]["quiz"]["questions"][0]["choices"][1]["correct"] = True
    response = client.post(f"/staff/training/versions/{draft.pk}/import/",
                           {"file": SimpleUploadedFile("c.toml", content.dump(bad).encode())})
    assert response.status_code == 400
    assert "lesson next-steps, question emergency: a one-answer question has exactly one correct answer" in (
        response.content.decode().replace("&quot;", '"'))
    imported = client.post("/staff/training/courses/import/", {
        "file": SimpleUploadedFile("c.toml", content.dump(document(slug="imported")).encode()), "audience": "staff"})
    assert imported.status_code == 302


def test_the_translation_page_shows_the_current_source_of_an_outdated_place(trainer: User, draft: CourseVersion) -> None:
    client = login(trainer)
    rows = authoring.place_rows(draft, "de")
    data = {f"t{n}": f"[de] {row.source}" for n, row in enumerate(rows)}
    assert client.post(f"/staff/training/versions/{draft.pk}/translations/de/", data).status_code == 302
    assert authoring.translation_status(draft, "de") == TranslationStatus.COMPLETE
    authoring.update_lesson(draft.lessons.get(key="listen"), by=trainer, title="Hear them out", body="Believe them.")
    page = client.get(f"/staff/training/versions/{draft.pk}/translations/de/").content.decode()
    assert "current text:" in page and "Hear them out" in page
    listing = client.get(f"/staff/training/versions/{draft.pk}/translations/").content.decode()
    assert 'data-language="de"' in listing and "Outdated: the source changed" in listing
    upload = client.post(f"/staff/training/versions/{draft.pk}/translations/de/import/",
                         {"file": SimpleUploadedFile("de.toml", b"title = [broken")})
    assert upload.status_code == 400 and "not valid TOML" in upload.content.decode()
    assert client.get(f"/staff/training/versions/{draft.pk}/translations/xx/").status_code == 404


def test_owners_are_added_and_removed_on_the_course_page(trainer: User, draft: CourseVersion) -> None:
    olga = make_staff("olga")
    client = login(trainer)
    assert client.post(f"/staff/training/courses/{draft.course_id}/owners/", {"user": olga.pk}).status_code == 302
    assert draft.course.owners.filter(pk=olga.pk).exists()
    assert client.post(f"/staff/training/courses/{draft.course_id}/owners/{olga.pk}/remove/").status_code == 302
    assert not draft.course.owners.filter(pk=olga.pk).exists()
    learner = make_learner("lena")
    refused = client.post(f"/staff/training/courses/{draft.course_id}/owners/", {"user": learner.user.pk})
    assert refused.status_code == 400
