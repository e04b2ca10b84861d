"""A course's text as a document: what authors import and export (TOML), what the starter courses
ship as, and the places a translation fills.

A document is checked whole before anything is written: every problem is reported with its place
("lesson receiving-a-report, question believe: no correct answer"), and a document with any
problem changes nothing. The same checks guard the authoring pages.

Places name each translatable text of a version: ``title``, ``summary``, ``lesson:<l>:title``,
``lesson:<l>:body``, ``question:<l>/<q>:text`` and ``:explanation``, ``choice:<l>/<q>/<c>:text``
and ``:explanation``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from steward.core import markup
from steward.policy.models import TranslationStatus

from .models import Choice, CourseVersion, Question, Quiz, VersionTranslation, text_hash

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EXPLANATIONS = {choice.value for choice in Quiz.Explanations}
GRADINGS = {choice.value for choice in Quiz.Grading}
KINDS = {choice.value for choice in Question.Kind}
MAX_ATTEMPTS = 100


class ContentError(Exception):
    """A course document with problems; `problems` lists each one with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ChoiceText:
    key: str
    text: str
    correct: bool
    explanation: str = ""


@dataclass
class QuestionText:
    key: str
    kind: str
    text: str
    explanation: str = ""
    choices: list[ChoiceText] = field(default_factory=list)


@dataclass
class QuizText:
    explanations: str = Quiz.Explanations.AFTER_ATTEMPT
    max_attempts: int = 0
    shuffle: bool = True
    grading: str = Quiz.Grading.HIGHEST
    questions: list[QuestionText] = field(default_factory=list)


@dataclass
class LessonText:
    key: str
    title: str
    body: str
    quiz: QuizText | None = None


@dataclass
class CourseText:
    slug: str
    title: str
    summary: str
    valid_for_days: int | None
    pass_mark: int
    lessons: list[LessonText]

    def places(self) -> dict[str, str]:
        """Every translatable text by its place."""
        found = {"title": self.title, "summary": self.summary}
        for lesson in self.lessons:
            found[f"lesson:{lesson.key}:title"] = lesson.title
            found[f"lesson:{lesson.key}:body"] = lesson.body
            for question in lesson.quiz.questions if lesson.quiz else []:
                at = f"{lesson.key}/{question.key}"
                found[f"question:{at}:text"] = question.text
                found[f"question:{at}:explanation"] = question.explanation
                for choice in question.choices:
                    found[f"choice:{at}/{choice.key}:text"] = choice.text
                    found[f"choice:{at}/{choice.key}:explanation"] = choice.explanation
        return found


def choice_problems(kind: str, choices: list[tuple[str, bool]]) -> list[str]:
    """What is wrong with a question's choices ((key, correct) pairs) for its kind; none: fine."""
    correct = sum(1 for _key, is_correct in choices if is_correct)
    if kind == Question.Kind.TRUE_FALSE:
        if sorted(key for key, _correct in choices) != ["false", "true"]:
            return [_("a true-or-false question has exactly the two answers “true” and “false”")]
        return [] if correct == 1 else [_("a true-or-false question has exactly one correct answer")]
    if len(choices) < 2:
        return [_("a question needs at least two answers")]
    if correct == 0:
        return [_("no answer is marked correct")]
    if kind == Question.Kind.SINGLE and correct != 1:
        return [_("a one-answer question has exactly one correct answer (%(count)d are marked)") % {"count": correct}]
    return []


def markdown_problems(text: str, images: Collection[str] | None = None) -> list[str]:
    """What is wrong with a Markdown text; with `images` (the version's image names), also each
    `image:NAME` that names none of them."""
    try:
        markup.check(text)
        if images is not None:
            markup.check_images(text, images)
    except ValidationError as error:
        return [str(message) for message in error.messages]
    return []


def _text(data: dict[str, Any], name: str, where: str, problems: list[str], *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        problems.append(_("%(where)s: “%(name)s” must be text") % {"where": where, "name": name})
        return ""
    if required and not value.strip():
        problems.append(_("%(where)s: “%(name)s” is missing") % {"where": where, "name": name})
    return value.strip()


def _int(data: dict[str, Any], name: str, where: str, problems: list[str], *, default: int | None,
         low: int, high: int) -> int | None:
    value = data.get(name, default)
    if value is None and default is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(_("%(where)s: “%(name)s” must be a whole number from %(low)d to %(high)d")
                        % {"where": where, "name": name, "low": low, "high": high})
        return default
    return value


def _key(data: dict[str, Any], where: str, seen: set[str], problems: list[str]) -> str:
    key = data.get("key", "")
    if not isinstance(key, str) or not KEY.match(key):
        problems.append(_("%(where)s: “key” must be lower-case letters, digits and hyphens") % {"where": where})
        return ""
    if key in seen:
        problems.append(_("%(where)s: the key “%(key)s” is used twice") % {"where": where, "key": key})
    seen.add(key)
    return key


def _tables(data: dict[str, Any], name: str, where: str, problems: list[str]) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(_("%(where)s: “%(name)s” must be a list of tables") % {"where": where, "name": name})
        return []
    return value


def _quiz(data: Any, where: str, problems: list[str]) -> QuizText | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(_("%(where)s: “quiz” must be a table") % {"where": where})
        return None
    quiz = QuizText()
    explanations = data.get("explanations", quiz.explanations)
    if explanations not in EXPLANATIONS:
        problems.append(_("%(where)s: “explanations” must be one of %(allowed)s")
                        % {"where": where, "allowed": ", ".join(sorted(EXPLANATIONS))})
    grading = data.get("grading", quiz.grading)
    if grading not in GRADINGS:
        problems.append(_("%(where)s: “grading” must be one of %(allowed)s")
                        % {"where": where, "allowed": ", ".join(sorted(GRADINGS))})
    shuffle = data.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append(_("%(where)s: “shuffle” must be true or false") % {"where": where})
    quiz.explanations, quiz.grading, quiz.shuffle = str(explanations), str(grading), bool(shuffle)
    quiz.max_attempts = _int(data, "max_attempts", where, problems, default=0, low=0, high=MAX_ATTEMPTS) or 0
    keys: set[str] = set()
    for number, item in enumerate(_tables(data, "questions", where, problems), start=1):
        at = _("%(where)s, question %(number)d") % {"where": where, "number": number}
        key = _key(item, at, keys, problems)
        at = _("%(where)s, question %(key)s") % {"where": where, "key": key or number}
        kind = item.get("kind", "")
        if kind not in KINDS:
            problems.append(_("%(where)s: “kind” must be one of %(allowed)s") % {"where": at, "allowed": ", ".join(sorted(KINDS))})
        question = QuestionText(key, str(kind), _text(item, "text", at, problems), _text(item, "explanation", at, problems,
                                                                                        required=False))
        choice_keys: set[str] = set()
        for choice_number, entry in enumerate(_tables(item, "choices", at, problems), start=1):
            choice_at = _("%(where)s, answer %(number)d") % {"where": at, "number": choice_number}
            correct = entry.get("correct", False)
            if not isinstance(correct, bool):
                problems.append(_("%(where)s: “correct” must be true or false") % {"where": choice_at})
            question.choices.append(ChoiceText(_key(entry, choice_at, choice_keys, problems),
                                               _text(entry, "text", choice_at, problems), correct is True,
                                               _text(entry, "explanation", choice_at, problems, required=False)))
        if kind in KINDS:
            problems.extend(f"{at}: {problem}" for problem in
                            choice_problems(str(kind), [(choice.key, choice.correct) for choice in question.choices]))
        quiz.questions.append(question)
    if not quiz.questions:
        problems.append(_("%(where)s: a quiz needs at least one question") % {"where": where})
    return quiz


def parse(data: dict[str, Any]) -> CourseText:
    """A course document (parsed TOML) checked whole. Raises ContentError listing every problem."""
    problems: list[str] = []
    where = _("course")
    slug = data.get("slug", "")
    if not isinstance(slug, str) or not KEY.match(slug):
        problems.append(_("course: “slug” must be lower-case letters, digits and hyphens"))
    course = CourseText(
        slug=str(slug), title=_text(data, "title", where, problems), summary=_text(data, "summary", where, problems,
                                                                                     required=False),
        valid_for_days=_int(data, "valid_for_days", where, problems, default=None, low=1, high=3650),
        pass_mark=_int(data, "pass_mark", where, problems, default=80, low=1, high=100) or 80, lessons=[])
    keys: set[str] = set()
    for number, item in enumerate(_tables(data, "lessons", where, problems), start=1):
        at = _("lesson %(number)d") % {"number": number}
        key = _key(item, at, keys, problems)
        at = _("lesson %(key)s") % {"key": key or number}
        body = _text(item, "body", at, problems)
        problems.extend(f"{at}: {problem}" for problem in markdown_problems(body))
        course.lessons.append(LessonText(key, _text(item, "title", at, problems), body, _quiz(item.get("quiz"), at, problems)))
    if not course.lessons:
        problems.append(_("course: a course needs at least one lesson"))
    if problems:
        raise ContentError(problems)
    return course


def load(text: str | bytes) -> CourseText:
    """A TOML course document. Raises ContentError (with the TOML error's line) for a file that is not TOML."""
    try:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        data = tomllib.loads(raw)
    except UnicodeDecodeError:
        raise ContentError([_("The file is not UTF-8 text.")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError([_("The file is not valid TOML: %(error)s") % {"error": error}]) from None
    return parse(data)


def translation_places(source: CourseText, translated: dict[str, Any]) -> dict[str, str]:
    """The texts of a translation document (same shape and keys as the source) by place. Raises
    ContentError for keys the source does not have or unsafe Markdown; missing texts are simply absent."""
    problems: list[str] = []
    places = source.places()
    found: dict[str, str] = {}

    def put(place: str, value: Any) -> None:
        if place not in places:
            problems.append(_("“%(place)s” is not in the course") % {"place": place})
        elif isinstance(value, str) and value.strip():
            found[place] = value.strip()

    put("title", translated.get("title"))
    put("summary", translated.get("summary"))
    for lesson in translated.get("lessons", []) or []:
        key = lesson.get("key", "")
        put(f"lesson:{key}:title", lesson.get("title"))
        put(f"lesson:{key}:body", lesson.get("body"))
        problems.extend(f"lesson {key}: {problem}" for problem in markdown_problems(str(lesson.get("body", ""))))
        for question in (lesson.get("quiz") or {}).get("questions", []) or []:
            at = f"{key}/{question.get('key', '')}"
            put(f"question:{at}:text", question.get("text"))
            put(f"question:{at}:explanation", question.get("explanation"))
            for choice in question.get("choices", []) or []:
                put(f"choice:{at}/{choice.get('key', '')}:text", choice.get("text"))
                put(f"choice:{at}/{choice.get('key', '')}:explanation", choice.get("explanation"))
    if problems:
        raise ContentError(problems)
    return found


def version_places(version: CourseVersion) -> dict[str, str]:
    """Every translatable source text of a stored version by place (one query per level)."""
    found = {"title": version.title, "summary": version.summary}
    lessons = version.lessons.prefetch_related("quiz__questions__choices")
    for lesson in lessons:
        found[f"lesson:{lesson.key}:title"] = lesson.title
        found[f"lesson:{lesson.key}:body"] = lesson.body_markdown
        for question, choices in _questions(lesson):
            at = f"{lesson.key}/{question.key}"
            found[f"question:{at}:text"] = question.text
            found[f"question:{at}:explanation"] = question.explanation
            for choice in choices:
                found[f"choice:{at}/{choice.key}:text"] = choice.text
                found[f"choice:{at}/{choice.key}:explanation"] = choice.explanation
    return found


def _questions(lesson: Any) -> Iterator[tuple[Question, list[Choice]]]:
    quiz = lesson.quiz if hasattr(lesson, "quiz") else None  # hasattr: a lesson without a quiz raises on access
    if quiz is None:
        return
    for question in quiz.questions.all():
        yield question, list(question.choices.all())


def stamped(places: dict[str, str], source: dict[str, str]) -> dict[str, dict[str, str]]:
    """Translated texts as stored: each with the hash of the source text it was made from."""
    return {place: {"text": text, "source": text_hash(source[place])} for place, text in places.items() if place in source}


def status(source: dict[str, str], translation: VersionTranslation | None) -> str:
    """"complete", "outdated" (every text there, some made from an earlier source) or "missing"."""
    texts = translation.texts if translation else {}
    wanted = {place for place, text in source.items() if text.strip()}
    if not wanted.issubset(place for place, entry in texts.items() if str(entry.get("text", "")).strip()):
        return TranslationStatus.MISSING
    if any(texts[place].get("source") != text_hash(source[place]) for place in wanted):
        return TranslationStatus.OUTDATED
    return TranslationStatus.COMPLETE


def version_document(version: CourseVersion) -> dict[str, Any]:
    """A stored version as a course document (the shape `parse` reads), whatever state a draft is in:
    publishing parses it, so a draft is checked exactly as an imported file would be."""
    lessons: list[dict[str, Any]] = []
    for lesson in version.lessons.prefetch_related("quiz__questions__choices"):
        item: dict[str, Any] = {"key": lesson.key, "title": lesson.title, "body": lesson.body_markdown}
        quiz = lesson.quiz if hasattr(lesson, "quiz") else None  # hasattr: a lesson without a quiz raises on access
        if quiz is not None:
            item["quiz"] = {
                "explanations": quiz.explanations, "max_attempts": quiz.max_attempts, "shuffle": quiz.shuffle,
                "grading": quiz.grading,
                "questions": [{"key": question.key, "kind": question.kind, "text": question.text,
                               "explanation": question.explanation,
                               "choices": [{"key": choice.key, "text": choice.text, "correct": choice.correct,
                                            "explanation": choice.explanation} for choice in choices]}
                              for question, choices in _questions(lesson)]}
        lessons.append(item)
    data: dict[str, Any] = {"slug": version.course.slug, "title": version.title, "summary": version.summary,
                            "valid_for_days": version.course.valid_for_days, "pass_mark": version.pass_mark,
                            "lessons": lessons}
    return data


def as_document(course: CourseText) -> dict[str, Any]:
    """A parsed document back in the shape `parse` reads."""
    return {
        "slug": course.slug, "title": course.title, "summary": course.summary, "valid_for_days": course.valid_for_days,
        "pass_mark": course.pass_mark,
        "lessons": [{"key": lesson.key, "title": lesson.title, "body": lesson.body,
                     **({"quiz": {"explanations": lesson.quiz.explanations, "max_attempts": lesson.quiz.max_attempts,
                                  "shuffle": lesson.quiz.shuffle, "grading": lesson.quiz.grading,
                                  "questions": [{"key": q.key, "kind": q.kind, "text": q.text, "explanation": q.explanation,
                                                 "choices": [vars(c).copy() for c in q.choices]}
                                                for q in lesson.quiz.questions]}} if lesson.quiz else {})}
                    for lesson in course.lessons]}


def translated_document(source: dict[str, Any], texts: dict[str, str]) -> dict[str, Any]:
    """A translation document: the source's shape and keys with each place's translated text
    (empty where there is none yet), for translators who work offline."""
    lessons = []
    for lesson in source["lessons"]:
        item: dict[str, Any] = {"key": lesson["key"], "title": texts.get(f"lesson:{lesson['key']}:title", ""),
                                "body": texts.get(f"lesson:{lesson['key']}:body", "")}
        if "quiz" in lesson:
            questions = []
            for question in lesson["quiz"]["questions"]:
                at = f"{lesson['key']}/{question['key']}"
                questions.append({"key": question["key"], "text": texts.get(f"question:{at}:text", ""),
                                  "explanation": texts.get(f"question:{at}:explanation", ""),
                                  "choices": [{"key": choice["key"], "text": texts.get(f"choice:{at}/{choice['key']}:text", ""),
                                               "explanation": texts.get(f"choice:{at}/{choice['key']}:explanation", "")}
                                              for choice in question["choices"]]})
            item["quiz"] = {"questions": questions}
        lessons.append(item)
    return {"title": texts.get("title", ""), "summary": texts.get("summary", ""), "lessons": lessons}


# --- writing TOML (tomllib only reads) --------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _escaped(char: str, *, multiline: bool) -> str:
    if multiline and char in "\n\t":
        return char
    if char in _ESCAPES:
        return _ESCAPES[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04x}"
    return char


def _string(value: str) -> str:
    if "\n" not in value:
        return '"' + "".join(_escaped(char, multiline=False) for char in value) + '"'
    # A multi-line basic string: readable in an editor; a quote is escaped only where it could
    # end the string (three in a row, or the last character).
    body = "".join(char if char == '"' else _escaped(char, multiline=True) for char in value)
    body = body.replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _string(str(value))


def _table(lines: list[str], data: dict[str, Any], path: str) -> None:
    scalars = {name: value for name, value in data.items() if not isinstance(value, dict | list) and value is not None}
    for name, value in scalars.items():
        lines.append(f"{name} = {_value(value)}")
    for name, value in data.items():
        if isinstance(value, dict):
            lines.extend(["", f"[{path}{name}]"])
            _table(lines, value, f"{path}{name}.")
        elif isinstance(value, list):
            for item in value:
                lines.extend(["", f"[[{path}{name}]]"])
                _table(lines, item, f"{path}{name}.")


def dump(data: dict[str, Any]) -> str:
    """A course (or translation) document as TOML that `load` reads back to the same document."""
    lines: list[str] = []
    _table(lines, data, "")
    return "\n".join(lines).lstrip("\n") + "\n"
