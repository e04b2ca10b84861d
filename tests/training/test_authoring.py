"""Authoring services: drafts change, published versions never do; publishing checks the whole
version and names each problem's place; new versions, translations, import and export, owners."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from steward.core import access
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.policy.models import TranslationStatus
from steward.training import authoring, content
from steward.training.authoring import AuthoringError, ChoiceInput, QuestionInput
from steward.training.models import Choice, Course, CourseVersion, Lesson, Question, Quiz, VersionTranslation
from tests.cases.test_access_matrix import snapshot
from tests.conftest import make_staff

from .conftest import document, make_learner, publish_course

pytestmark = pytest.mark.django_db


def _draft_with_quiz(by: User) -> CourseVersion:
    draft = authoring.create_course(by=by, slug="receiving", title="Receiving a report", audience="staff",
                                    valid_for_days=365)
    lesson = authoring.add_lesson(draft, by=by, title="Listen", body="Believe the person.")
    quiz = authoring.save_quiz(lesson, by=by, explanations="immediately", max_attempts=2, shuffle=False, grading="last")
    authoring.add_question(quiz, QuestionInput("single", "First?", "Safety first.", [
        ChoiceInput("Call emergency services", True, "Yes."), ChoiceInput("Fill in a form", False, "Later.")]), by=by)
    return draft


def test_a_coordinator_writes_and_publishes_a_course(coordinator: User) -> None:
    draft = _draft_with_quiz(coordinator)
    assert list(draft.course.owners.all()) == [coordinator]
    question = Question.objects.get(quiz__lesson__version=draft)
    assert question.key == "first" and [c.key for c in question.choices.all()] == ["a", "b"]
    assert authoring.publication_problems(draft) == []
    published = authoring.publish_version(draft, by=coordinator)
    assert published.is_published and published.published_by == coordinator
    actions = set(AuditEntry.objects.filter(actor_id=coordinator.pk).values_list("action", flat=True))
    assert {"training.course_created", "training.lesson_added", "training.quiz_added", "training.question_added",
            "training.version_published"} <= actions


def test_published_versions_are_frozen(coordinator: User, course_version: CourseVersion) -> None:
    lesson = course_version.lessons.first()
    question = Question.objects.filter(quiz__lesson__version=course_version).first()
    before = snapshot({"core.AuditEntry"})
    edits = [
        lambda: authoring.update_version(course_version, by=coordinator, title="New", summary="", pass_mark=50),
        lambda: authoring.add_lesson(course_version, by=coordinator, title="More", body="Text"),
        lambda: authoring.update_lesson(lesson, by=coordinator, title="Changed", body="Changed"),
        lambda: authoring.move_lesson(lesson, by=coordinator, up=False),
        lambda: authoring.delete_lesson(lesson, by=coordinator),
        lambda: authoring.update_question(question, QuestionInput("true_false", "Changed?", "", authoring.true_false_choices(True)),
                                          by=coordinator),
        lambda: authoring.delete_question(question, by=coordinator),
        lambda: authoring.import_version(course_version, content.dump(document()), by=coordinator),
        lambda: authoring.publish_version(course_version, by=coordinator),
        lambda: authoring.delete_draft(course_version, by=coordinator),
    ]
    for edit in edits:
        with pytest.raises(AuthoringError, match="is published and can no longer change"):
            edit()
    assert snapshot({"core.AuditEntry"}) == before


def _break_no_correct(version: CourseVersion) -> None:
    Choice.objects.filter(question__quiz__lesson__version=version, question__key="write-down").update(correct=False)


def _break_empty_quiz(version: CourseVersion) -> None:
    lesson = version.lessons.get(key="listen")
    Quiz.objects.create(lesson=lesson)


def _break_script(version: CourseVersion) -> None:
    Lesson.objects.filter(version=version, key="listen").update(body_markdown="Hello <script>alert(1)</script>")


def _break_two_correct(version: CourseVersion) -> None:
    Choice.objects.filter(question__quiz__lesson__version=version, question__key="emergency").update(correct=True)


@pytest.mark.parametrize(("damage", "place", "problem"), [
    (_break_no_correct, "lesson next-steps, question write-down", "no answer is marked correct"),
    (_break_empty_quiz, "lesson listen", "a quiz needs at least one question"),
    (_break_script, "lesson listen", "may not contain scripts"),
    (_break_two_correct, "lesson next-steps, question emergency", "exactly one correct answer (2 are marked)"),
])
def test_publishing_checks_the_whole_version_and_names_the_place(coordinator: User, damage: Any, place: str,
                                                                 problem: str) -> None:
    draft = _new_draft(coordinator)
    damage(draft)
    before = snapshot({"core.AuditEntry"})
    with pytest.raises(AuthoringError) as refused:
        authoring.publish_version(draft, by=coordinator)
    assert any(text.startswith(place) and problem in text for text in refused.value.problems), refused.value.problems
    assert snapshot({"core.AuditEntry"}) == before
    draft.refresh_from_db()
    assert not draft.is_published


def _new_draft(by: User, **kwargs: Any) -> CourseVersion:
    published = publish_course()
    return authoring.start_version(published.course, by=by, major=False, **kwargs)


def test_a_new_version_copies_the_newest_published_one_with_its_translations(coordinator: User) -> None:
    published = publish_course()
    source = content.version_places(published)
    VersionTranslation.objects.create(version=published, language="de",
                                      texts=content.stamped({p: f"[de] {t}" for p, t in source.items()}, source))
    minor = authoring.start_version(published.course, by=coordinator, major=False)
    assert (minor.major, minor.minor) == (1, 1) and not minor.requires_recertification
    assert content.version_document(minor)["lessons"] == content.version_document(published)["lessons"]
    assert authoring.translation_status(minor, "de") == TranslationStatus.COMPLETE
    assert authoring.translation_status(minor, "fr") == TranslationStatus.MISSING
    lesson = minor.lessons.get(key="listen")
    authoring.update_lesson(lesson, by=coordinator, title="Listen, first", body=lesson.body_markdown)
    assert authoring.translation_status(minor, "de") == TranslationStatus.OUTDATED
    assert authoring.translation_status(published, "de") == TranslationStatus.COMPLETE
    row = next(r for r in authoring.place_rows(minor, "de") if r.place == "lesson:listen:title")
    assert (row.state, row.source, row.text) == (TranslationStatus.OUTDATED, "Listen, first", "[de] Listen first")
    with pytest.raises(AuthoringError, match="already has a draft"):
        authoring.start_version(published.course, by=coordinator, major=True)
    authoring.delete_draft(minor, by=coordinator)
    major = authoring.start_version(published.course, by=coordinator, major=True, requires_recertification=True)
    assert (major.major, major.minor, major.requires_recertification) == (2, 0, True)


def test_only_a_major_version_asks_everyone_to_pass_again(coordinator: User) -> None:
    published = publish_course()
    with pytest.raises(AuthoringError, match="Only a new major version"):
        authoring.start_version(published.course, by=coordinator, major=False, requires_recertification=True)
    assert published.course.versions.count() == 1


@pytest.mark.parametrize("body", [
    "<SCRIPT>alert(1)</SCRIPT>", "<script\n>alert(1)</script>", "<svg/onload=alert(1)>",
    "[help](JaVaScRiPt:alert(1))", "[help](&#106;avascript:alert(1))", "[help](java&#x09;script:alert(1))",
    "<a href='&#x6A;avascript:alert(1)'>help</a>", "[help](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_a_lesson_that_could_run_a_script_is_refused_clearly_and_changes_nothing(coordinator: User, body: str) -> None:
    draft = _new_draft(coordinator)
    lesson = draft.lessons.get(key="listen")
    before = (list(draft.lessons.values_list("key", "body_markdown")), AuditEntry.objects.count())
    with pytest.raises(AuthoringError, match="may not contain scripts"):
        authoring.add_lesson(draft, by=coordinator, title="Bad", body=body)
    with pytest.raises(AuthoringError, match="may not contain scripts"):
        authoring.update_lesson(lesson, by=coordinator, title=lesson.title, body=body)
    assert (list(draft.lessons.values_list("key", "body_markdown")), AuditEntry.objects.count()) == before


def test_lessons_are_added_reordered_and_deleted(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    added = authoring.add_lesson(draft, by=coordinator, title="Self-care", body="Talk to someone.")
    assert added.key == "self-care"
    keys = lambda: list(draft.lessons.values_list("key", flat=True))  # noqa: E731
    assert keys() == ["listen", "next-steps", "self-care"]
    authoring.move_lesson(added, by=coordinator, up=True)
    assert keys() == ["listen", "self-care", "next-steps"]
    authoring.move_lesson(draft.lessons.get(key="listen"), by=coordinator, up=True)  # already first: nothing moves
    assert keys() == ["listen", "self-care", "next-steps"]
    authoring.delete_lesson(added, by=coordinator)
    assert keys() == ["listen", "next-steps"]
    with pytest.raises(AuthoringError, match="scripts"):
        authoring.add_lesson(draft, by=coordinator, title="Bad", body='<img src=x onerror="alert(1)">')
    with pytest.raises(AuthoringError, match="has the key"):
        authoring.add_lesson(draft, by=coordinator, title="Again", body="Text", key="listen")
    assert keys() == ["listen", "next-steps"]


@pytest.mark.parametrize(("data", "message"), [
    (QuestionInput("single", "Two right?", "", [ChoiceInput("A", True), ChoiceInput("B", True)]), "exactly one correct"),
    (QuestionInput("multiple", "None right?", "", [ChoiceInput("A", False), ChoiceInput("B", False)]), "no answer is marked"),
    (QuestionInput("single", "Alone?", "", [ChoiceInput("A", True)]), "at least two answers"),
    (QuestionInput("single", "", "", [ChoiceInput("A", True), ChoiceInput("B", False)]), "needs its text"),
    (QuestionInput("single", "<script>x</script>", "", [ChoiceInput("A", True), ChoiceInput("B", False)]), "scripts"),
])
def test_a_bad_question_is_refused_and_nothing_changes(coordinator: User, data: QuestionInput, message: str) -> None:
    draft = _new_draft(coordinator)
    quiz = Quiz.objects.get(lesson__version=draft)
    before = snapshot({"core.AuditEntry"})
    with pytest.raises(AuthoringError, match=message):
        authoring.add_question(quiz, data, by=coordinator)
    assert snapshot({"core.AuditEntry"}) == before


def test_a_question_keeps_its_answer_keys_when_edited(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    question = Question.objects.get(quiz__lesson__version=draft, key="write-down")
    choices = [ChoiceInput(c.text, c.correct, c.explanation, c.key) for c in question.choices.all()]
    choices.append(ChoiceInput("Where it happened", True, "Yes."))
    authoring.update_question(question, QuestionInput("multiple", "What do you note?", "", choices), by=coordinator)
    assert list(question.choices.values_list("key", flat=True)) == ["words", "when", "opinion", "a"]
    true_false = Question.objects.get(quiz__lesson__version=draft, key="promises")
    authoring.update_question(true_false, QuestionInput("true_false", "Promise?", "", authoring.true_false_choices(False)),
                              by=coordinator)
    assert dict(true_false.choices.values_list("key", "correct")) == {"true": False, "false": True}


def test_export_and_import_round_trip(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    text = authoring.export_version(draft, by=coordinator)
    assert content.load(text) == content.parse(content.version_document(draft))
    changed = text.replace("Listen first", "Listen, then act")
    authoring.import_version(draft, changed, by=coordinator)
    assert draft.lessons.get(key="listen").title == "Listen, then act"


@pytest.mark.parametrize(("text", "problem"), [
    ("title = [unclosed", "not valid TOML"),
    (content.dump(document(slug="another")), "is for the course “another”"),
    (content.dump(document(pass_mark=0)), "pass_mark"),
])
def test_a_bad_import_changes_nothing(coordinator: User, text: str, problem: str) -> None:
    draft = _new_draft(coordinator)
    before = snapshot({"core.AuditEntry"})
    with pytest.raises(AuthoringError) as refused:
        authoring.import_version(draft, text, by=coordinator)
    assert problem in " ".join([str(refused.value.message), *refused.value.problems])
    assert snapshot({"core.AuditEntry"}) == before


def test_a_course_is_imported_whole(coordinator: User) -> None:
    draft = authoring.import_course(content.dump(document()), by=coordinator, audience="contributors")
    assert draft.course.slug == "first-aid" and draft.course.valid_for_days == 365
    assert authoring.publication_problems(draft) == []


def test_translations_are_saved_with_their_source_and_confirmed(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    rows = authoring.place_rows(draft, "fr")
    assert {row.state for row in rows} == {TranslationStatus.MISSING}
    texts = {row.place: f"[fr] {row.source}" for row in rows}
    authoring.save_translation(draft, "fr", texts, by=coordinator)
    assert authoring.translation_status(draft, "fr") == TranslationStatus.COMPLETE
    lesson = draft.lessons.get(key="listen")
    authoring.update_lesson(lesson, by=coordinator, title=lesson.title, body="Believe them. Don't judge.")
    assert authoring.translation_status(draft, "fr") == TranslationStatus.OUTDATED
    authoring.save_translation(draft, "fr", texts, by=coordinator)  # the same text again: still outdated
    assert authoring.translation_status(draft, "fr") == TranslationStatus.OUTDATED
    authoring.save_translation(draft, "fr", texts, confirmed={"lesson:listen:body"}, by=coordinator)
    assert authoring.translation_status(draft, "fr") == TranslationStatus.COMPLETE
    with pytest.raises(AuthoringError, match="scripts"):
        authoring.save_translation(draft, "fr", {"title": "<script>x</script>"}, by=coordinator)
    with pytest.raises(AuthoringError, match="not one of the configured languages"):
        authoring.save_translation(draft, "xx", {"title": "x"}, by=coordinator)
    with pytest.raises(AuthoringError, match="not in the course"):
        authoring.save_translation(draft, "fr", {"lesson:nope:title": "x"}, by=coordinator)


def test_a_translation_file_is_uploaded_and_exported(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    rows = authoring.place_rows(draft, "es")
    authoring.save_translation(draft, "es", {rows[0].place: "Primeros auxilios"}, by=coordinator)
    exported = authoring.export_translation(draft, "es", by=coordinator)
    assert 'title = "Primeros auxilios"' in exported
    filled = content.dump(content.translated_document(content.version_document(draft),
                                                      {row.place: f"[es] {row.source}" for row in rows}))
    authoring.import_translation(draft, "es", filled, by=coordinator)
    assert authoring.translation_status(draft, "es") == TranslationStatus.COMPLETE
    before = snapshot({"core.AuditEntry"})
    bad = filled.replace('key = "listen"', 'key = "nowhere"', 1)
    with pytest.raises(AuthoringError, match="is not in the course"):
        authoring.import_translation(draft, "es", bad, by=coordinator)
    assert snapshot({"core.AuditEntry"}) == before


def test_owners_write_their_own_course_only(coordinator: User) -> None:
    draft = _new_draft(coordinator)
    other = authoring.create_course(by=coordinator, slug="other", title="Other", audience="staff")
    owner = make_staff("olga")
    authoring.add_owner(draft.course, owner, by=coordinator)
    authoring.update_version(draft, by=owner, title="Owner's title", summary="", pass_mark=70)
    assert list(authoring.courses_for(owner)) == [draft.course]
    with pytest.raises(access.Denied):
        authoring.update_version(other, by=owner, title="Not mine", summary="", pass_mark=70)
    with pytest.raises(access.Denied):
        authoring.add_owner(draft.course, make_staff("oscar"), by=owner)  # owners do not choose owners
    with pytest.raises(access.Denied):
        authoring.create_course(by=owner, slug="mine", title="Mine", audience="staff")
    learner = make_learner("lena")
    with pytest.raises(AuthoringError, match="Only active staff"):
        authoring.add_owner(draft.course, learner.user, by=coordinator)
    authoring.remove_owner(draft.course, owner, by=coordinator)
    with pytest.raises(access.Denied):
        authoring.update_version(draft, by=owner, title="Gone", summary="", pass_mark=70)
    assert AuditEntry.objects.filter(action__in=["training.owner_added", "training.owner_removed"]).count() == 2


@pytest.mark.parametrize("who", ["screener", "learner", "other_owner", "no_role"])
def test_people_who_do_not_write_the_course_are_refused(coordinator: User, who: str) -> None:
    draft = _new_draft(coordinator)
    if who == "learner":
        actor = make_learner("lena").user
    elif who == "other_owner":
        actor = make_staff("otto")
        other = authoring.create_course(by=coordinator, slug="other", title="Other", audience="staff")
        authoring.add_owner(other.course, actor, by=coordinator)
    else:
        actor = make_staff(who, *([Role.SCREENER] if who == "screener" else []))
    before = snapshot({"core.AuditEntry"})
    for attempt in [
        lambda: authoring.update_version(draft, by=actor, title="x", summary="", pass_mark=50),
        lambda: authoring.add_lesson(draft, by=actor, title="x", body="x"),
        lambda: authoring.publish_version(draft, by=actor),
        lambda: authoring.save_translation(draft, "de", {"title": "x"}, by=actor),
        lambda: authoring.export_version(draft, by=actor),
        lambda: authoring.create_course(by=actor, slug="x", title="x", audience="staff"),
        lambda: authoring.start_version(draft.course, by=actor, major=True),
    ]:
        with pytest.raises(access.Denied):
            attempt()
    assert snapshot({"core.AuditEntry"}) == before


def test_the_course_list_shows_each_version_and_its_translations(coordinator: User) -> None:
    published = publish_course()
    source = content.version_places(published)
    VersionTranslation.objects.create(version=published, language="ar",
                                      texts=content.stamped({p: f"[ar] {t}" for p, t in source.items()}, source))
    authoring.start_version(published.course, by=coordinator, major=False)
    [row] = authoring.course_rows(coordinator)
    assert [str(v.version.number) for v in row.versions] == ["1.1", "1.0"]
    assert row.draft is not None and row.versions[1].complete == 1
    assert dict((code, status) for code, _name, status in row.versions[1].statuses)["ar"] == TranslationStatus.COMPLETE
    assert Course.objects.count() == 1
