"""The grading engine on plain values: order, answer checks, scores, grading methods."""

from __future__ import annotations

import random

import pytest

from steward.training import quizzes
from steward.training.quizzes import AnswerProblem, Graded, QuestionKey

SINGLE = QuestionKey(1, "single", (10, 11, 12), frozenset({10}))
MULTIPLE = QuestionKey(2, "multiple", (20, 21, 22), frozenset({20, 21}))
TRUE_FALSE = QuestionKey(3, "true_false", (30, 31), frozenset({31}))
KEYS = [SINGLE, MULTIPLE, TRUE_FALSE]


def test_without_shuffle_the_quiz_order_is_kept() -> None:
    assert quizzes.make_order(KEYS, shuffle=False) == [[1, [10, 11, 12]], [2, [20, 21, 22]], [3, [30, 31]]]


def test_shuffling_reorders_questions_and_answers_but_keeps_true_before_false() -> None:
    orders = [quizzes.make_order(KEYS, shuffle=True, rng=random.Random(seed)) for seed in range(30)]
    assert len({str([q for q, _c in order]) for order in orders}) > 1  # questions move
    assert len({str(dict(order)[1]) for order in orders}) > 1  # answers move
    for order in orders:
        shown = quizzes.shown(order)
        assert sorted(shown) == [1, 2, 3]
        assert sorted(shown[1]) == [10, 11, 12] and sorted(shown[2]) == [20, 21, 22]
        assert shown[3] == [30, 31]


ORDER = [[2, [21, 20, 22]], [1, [12, 10, 11]], [3, [30, 31]]]


@pytest.mark.parametrize(("kind", "question", "chosen", "problem"), [
    ("single", 9, [10], "not part of this attempt"),
    ("single", 1, [20], "does not belong to this question"),
    ("single", 1, [10, 11], "choose only one"),
    ("true_false", 3, [30, 31], "choose only one"),
    ("single", 1, [], "Choose an answer"),
])
def test_an_answer_that_does_not_fit_what_was_shown_is_refused(kind: str, question: int, chosen: list[int],
                                                               problem: str) -> None:
    with pytest.raises(AnswerProblem) as raised:
        quizzes.check_answer(ORDER, kind, question, chosen)
    assert problem in str(raised.value.message)
    assert raised.value.field == (None if question == 9 else f"q-{question}")


def test_a_good_answer_is_returned_once_per_choice() -> None:
    assert quizzes.check_answer(ORDER, "multiple", 2, [21, 20, 21]) == [21, 20]


def test_several_answers_are_right_only_all_together() -> None:
    assert quizzes.is_correct(MULTIPLE, [21, 20])
    assert not quizzes.is_correct(MULTIPLE, [20])
    assert not quizzes.is_correct(MULTIPLE, [20, 21, 22])


def test_the_score_is_rounded_down() -> None:
    assert quizzes.score([True, True, False], questions=3) == 66
    assert quizzes.score([True] * 4 + [False], questions=5) == 80
    assert quizzes.score([], questions=0) == 0
    assert quizzes.passes(80, 80) and not quizzes.passes(79, 80)


FAILED_THEN_PASSED_THEN_WORSE = [Graded(1, 33, False), Graded(2, 100, True), Graded(3, 66, False)]


@pytest.mark.parametrize(("grading", "number"), [("highest", 2), ("last", 3), ("first", 1)])
def test_the_grading_method_picks_the_attempt_that_counts(grading: str, number: int) -> None:
    counted = quizzes.result(FAILED_THEN_PASSED_THEN_WORSE, grading)
    assert counted is not None and counted.number == number


def test_the_earliest_of_equal_best_scores_counts_and_no_attempt_is_no_result() -> None:
    best = quizzes.result([Graded(2, 80, True), Graded(1, 80, True)], "highest")
    assert best is not None and best.number == 1
    assert quizzes.result([], "highest") is None


def test_attempts_left() -> None:
    assert quizzes.attempts_left(0, 50) is None
    assert quizzes.attempts_left(3, 1) == 2
    assert quizzes.attempts_left(3, 3) == 0


def test_a_form_value_that_is_not_an_id_is_refused() -> None:
    assert quizzes.parse_answers({"q-1": ["10"], "csrfmiddlewaretoken": ["x"]}) == {1: [10]}
    with pytest.raises(AnswerProblem):
        quizzes.parse_answers({"q-1": ["ten"]})
    with pytest.raises(AnswerProblem):
        quizzes.parse_answers({"q-x": ["10"]})
