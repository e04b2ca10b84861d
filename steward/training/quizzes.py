"""The grading engine of quizzes, as pure functions over plain values (ids and flags), so every rule
is tested without a database: the order an attempt shows, checking one answer against what was
shown, scoring, and the result a grading method gives across attempts.

An attempt's `order` is ``[[question id, [choice id, …]], …]``: the questions and, for each, its
choices, in the order the learner saw them. A submission is checked against that order, never
against the quiz as it is now.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Question, Quiz

Order = list[list[Any]]  # as stored in Attempt.order (JSON): [[question id, [choice id, …]], …]
ONE_ANSWER = {Question.Kind.SINGLE, Question.Kind.TRUE_FALSE}


class AnswerProblem(Exception):
    """An answer that cannot be accepted; `field` names the form field ("q-<question id>") or is None."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message, self.field = message, field


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs to know of a question: its kind, its choices and which are correct."""

    id: int
    kind: str
    choices: tuple[int, ...]
    correct: frozenset[int]


def field_name(question_id: int) -> str:
    return f"q-{question_id}"


def make_order(questions: Sequence[QuestionKey], *, shuffle: bool, rng: random.Random | None = None) -> Order:
    """The order an attempt shows: the quiz's own, or a fresh shuffle of questions and of each one's
    choices (true/false keeps "true" before "false": shuffling two fixed words only confuses)."""
    chosen = rng or secrets.SystemRandom()
    shown = list(questions)
    if shuffle:
        chosen.shuffle(shown)
    order: Order = []
    for question in shown:
        choices = list(question.choices)
        if shuffle and question.kind != Question.Kind.TRUE_FALSE:
            chosen.shuffle(choices)
        order.append([question.id, choices])
    return order


def shown(order: Order) -> dict[int, list[int]]:
    """The attempt's questions and their choices as shown, by question id."""
    return {int(question): [int(choice) for choice in choices] for question, choices in order}


def check_answer(order: Order, kind: str, question_id: int, chosen: Iterable[int]) -> list[int]:
    """The choices of one answer, checked against what the attempt showed. Raises AnswerProblem for a
    question not in the attempt, a choice not of that question, or several choices on a one-answer
    question; no choice at all is refused too (the learner is asked to answer)."""
    questions = shown(order)
    if question_id not in questions:
        raise AnswerProblem(_("This question is not part of this attempt."))
    field = field_name(question_id)
    picked = list(dict.fromkeys(chosen))
    if not picked:
        raise AnswerProblem(_("Choose an answer."), field=field)
    if any(choice not in questions[question_id] for choice in picked):
        raise AnswerProblem(_("An answer you chose does not belong to this question."), field=field)
    if kind in ONE_ANSWER and len(picked) > 1:
        raise AnswerProblem(_("This question has one answer: choose only one."), field=field)
    return picked


def is_correct(key: QuestionKey, chosen: Iterable[int]) -> bool:
    """Right when exactly the correct choices were chosen (for several answers: all of them, no other)."""
    return frozenset(chosen) == key.correct


def score(correct: Iterable[bool], *, questions: int) -> int:
    """Percent of the questions answered correctly, rounded down (79.9 % does not pass an 80 % mark)."""
    if questions <= 0:
        return 0
    return sum(1 for right in correct if right) * 100 // questions


def passes(score_percent: int, pass_mark: int) -> bool:
    return score_percent >= pass_mark


@dataclass(frozen=True)
class Graded:
    """A submitted attempt: its number, score (percent) and whether it passed."""

    number: int
    score: int
    passed: bool


def result(attempts: Iterable[Graded], grading: str) -> Graded | None:
    """The attempt that decides the quiz under its grading method: the highest score (the earliest
    of equal ones), the last, or the first submitted attempt; None before any was submitted."""
    submitted = sorted(attempts, key=lambda attempt: attempt.number)
    if not submitted:
        return None
    if grading == Quiz.Grading.FIRST:
        return submitted[0]
    if grading == Quiz.Grading.LAST:
        return submitted[-1]
    return max(submitted, key=lambda attempt: (attempt.score, -attempt.number))


def attempts_left(max_attempts: int, started: int) -> int | None:
    """How many more attempts may start (None: unlimited)."""
    return None if max_attempts == 0 else max(0, max_attempts - started)


def parse_answers(data: Mapping[str, Sequence[str]]) -> dict[int, list[int]]:
    """The answers of a submitted form (``q-<question id>`` → choice ids), each value as sent. Raises
    AnswerProblem for a value that is not an id, so nothing malformed reaches the checks."""
    answers: dict[int, list[int]] = {}
    for name, values in data.items():
        if not name.startswith("q-"):
            continue
        try:
            answers[int(name[2:])] = [int(value) for value in values]
        except ValueError:
            raise AnswerProblem(_("The answers sent are not ones this page offered."), field=None) from None
    return answers
