"""Course documents are checked whole: every problem named with its place, nothing written."""

from __future__ import annotations

import pytest

from steward.policy.models import TranslationStatus
from steward.training import content
from steward.training.models import Lesson, VersionTranslation

from .conftest import DOCUMENT, document


def test_a_good_document_parses_with_every_place() -> None:
    parsed = content.parse(DOCUMENT)
    places = parsed.places()
    assert places["lesson:listen:title"] == "Listen first"
    assert places["choice:next-steps/emergency/call:explanation"] == "Yes: emergency first."
    assert len([place for place in places if place.startswith("choice:")]) == 14


def _question(data: dict, key: str) -> dict:
    return next(q for q in data["lessons"][1]["quiz"]["questions"] if q["key"] == key)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: [c.update(correct=False) for c in _question(d, "write-down")["choices"]], "no answer is marked correct"),
    (lambda d: _question(d, "emergency")["choices"][1].update(correct=True), "exactly one correct answer"),
    (lambda d: _question(d, "promises")["choices"][0].update(key="yes"), "“true” and “false”"),
    (lambda d: d["lessons"][0].update(body="Hello <script>alert(1)</script>"), "may not contain scripts"),
    (lambda d: d["lessons"][1].update(key="listen"), "used twice"),
    (lambda d: d.update(pass_mark=0), "pass_mark"),
    (lambda d: _question(d, "emergency").update(kind="essay"), "“kind” must be one of"),
])
def test_each_problem_is_named_with_its_place(change, problem: str) -> None:
    data = document()
    change(data)
    with pytest.raises(content.ContentError) as raised:
        content.parse(data)
    assert any(problem in text for text in raised.value.problems), raised.value.problems


def test_a_file_that_is_not_toml_is_refused_clearly() -> None:
    with pytest.raises(content.ContentError, match="not valid TOML"):
        content.load("title = [unclosed")
    with pytest.raises(content.ContentError, match="not UTF-8"):
        content.load(b"\xff\xfe title")


@pytest.mark.django_db
def test_translation_status_follows_the_source(course_version) -> None:
    source = content.version_places(course_version)
    assert content.status(source, None) == TranslationStatus.MISSING
    translation = VersionTranslation.objects.create(
        version=course_version, language="de", texts=content.stamped({place: f"[de] {text}" for place, text in source.items()},
                                                                    source))
    assert content.status(source, translation) == TranslationStatus.COMPLETE
    Lesson.objects.filter(version=course_version, key="listen").update(title="Listen, first")
    assert content.status(content.version_places(course_version), translation) == TranslationStatus.OUTDATED
    del translation.texts["lesson:listen:body"]
    assert content.status(content.version_places(course_version), translation) == TranslationStatus.MISSING
