"""The learner's side of training: their courses, reading lessons, taking quizzes, passing a course
and the survey after it. One function per action; each acts for `by`, the signed-in learner, on
their own rows only: another learner's attempt does not exist for them (`access.Hidden`, a 404).

A learner takes the newest published version of a course, in their language when the version's
translation into it is complete or outdated (outdated: the page says so), otherwise in the
version's source language (the page says that too). An attempt keeps the language and the order
it was shown in, so it is graded against what the learner saw.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import access, audit, crypto, events
from steward.core.errors import DomainError
from steward.core.models import DataKey
from steward.policy.models import TranslationStatus

from . import content, quizzes
from .events import CoursePassed
from .models import (
    Answer,
    Assignment,
    Attempt,
    Choice,
    Completion,
    Course,
    CourseVersion,
    Learner,
    Lesson,
    LessonRead,
    Question,
    Quiz,
    SurveyResponse,
    VersionTranslation,
)

SOURCE = "source"  # the learner's language is the version's own
COMMENT_LIMIT = 4000


class LearningError(DomainError):
    """A learner's request that is refused; `field` names the form field it belongs to, if any."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- who the learner is ------------------------------------------------------------------------

def learner_of(user: object) -> Learner | None:
    """The signed-in user's Learner, if they have one."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    return Learner.objects.filter(user=user).first()


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


@transaction.atomic
def enrol_staff(user: User, *, language: str) -> Learner:
    """A staff member's Learner, made on their first visit to the learner pages (idempotent)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        raise access.Hidden("learn")
    learner = Learner.objects.select_for_update().filter(user=user).first()
    if learner is not None:
        return learner
    learner = Learner.objects.create(user=user, kind=Learner.Kind.STAFF,
                                     language=language if language in language_codes() else settings.LANGUAGE_CODE)
    audit.record(user, "training.learner_created", learner, detail={"kind": learner.kind})
    return learner


def _learner(by: object, *, lock: bool = False) -> Learner:
    """The acting learner; anyone else finds nothing here."""
    if not isinstance(by, User) or not by.is_authenticated or not by.is_active:
        raise access.Hidden("learn")
    learners = Learner.objects.select_for_update() if lock else Learner.objects
    learner = learners.filter(user=by).first()
    if learner is None:
        raise access.Hidden("learn")
    learner.user = by  # the audit's actor, without asking for it again
    return learner


def audiences(learner: Learner) -> set[str]:
    """Contributors see contributor courses; staff see both."""
    if learner.kind == Learner.Kind.STAFF:
        return {Course.Audience.CONTRIBUTORS, Course.Audience.STAFF}
    return {Course.Audience.CONTRIBUTORS}


def _open_courses(learner: Learner) -> Q:
    assigned = Assignment.objects.filter(learner=learner, cancelled_at__isnull=True).values("course_id")
    return Q(audience__in=sorted(audiences(learner))) | Q(pk__in=assigned)


def current_version(course: Course) -> CourseVersion | None:
    """The newest published version: the one learners take."""
    return course.versions.published().newest_first().first()


def _course(learner: Learner, slug: str) -> tuple[Course, CourseVersion]:
    course = Course.objects.filter(_open_courses(learner), slug=slug).first()
    version = current_version(course) if course is not None else None
    if course is None or version is None:
        raise access.Hidden("learn")
    return course, version


def _reachable(learner: Learner, course_id: int) -> bool:
    return Course.objects.filter(_open_courses(learner), pk=course_id).exists()


def may_open(user: object, course_id: int) -> bool:
    """Whether the signed-in user may take the course (a staff member not yet a learner: every course)."""
    learner = learner_of(user)
    if learner is None:
        return isinstance(user, User) and user.is_active and user.is_staff
    return _reachable(learner, course_id)


# --- the language a course is taken in -----------------------------------------------------------

@dataclass(frozen=True)
class Texts:
    """A version's texts in the language it is shown in: translated texts by place, with the
    source text wherever the translation has none."""

    language: str  # the language shown
    wanted: str  # the learner's language
    status: str  # SOURCE, or the translation's status: complete, outdated, missing (then shown in the source)
    translated: Mapping[str, str] = field(default_factory=dict)

    def of(self, place: str, source: str) -> str:
        return self.translated.get(place) or source

    def title(self, version: CourseVersion) -> str:
        return self.of("title", version.title)

    def summary(self, version: CourseVersion) -> str:
        return self.of("summary", version.summary)

    def lesson_title(self, lesson: Lesson) -> str:
        return self.of(f"lesson:{lesson.key}:title", lesson.title)

    def lesson_body(self, lesson: Lesson) -> str:
        return self.of(f"lesson:{lesson.key}:body", lesson.body_markdown)

    def question(self, lesson_key: str, question: Question, part: str) -> str:
        return self.of(f"question:{lesson_key}/{question.key}:{part}", getattr(question, part))

    def choice(self, lesson_key: str, question: Question, choice: Choice, part: str) -> str:
        return self.of(f"choice:{lesson_key}/{question.key}/{choice.key}:{part}", getattr(choice, part))


def _translated(translation: VersionTranslation | None) -> dict[str, str]:
    texts = translation.texts if translation else {}
    return {place: str(entry.get("text", "")) for place, entry in texts.items() if isinstance(entry, dict)}


def texts_for(version: CourseVersion, wanted: str) -> Texts:
    """The texts a learner whose language is `wanted` is shown: the translation when it is complete
    or outdated, else the source."""
    if wanted == version.source_language:
        return Texts(version.source_language, wanted, SOURCE)
    translation = VersionTranslation.objects.filter(version=version, language=wanted).first()
    status = content.status(content.version_places(version), translation)
    if status == TranslationStatus.MISSING:
        return Texts(version.source_language, wanted, status)
    return Texts(wanted, wanted, status, _translated(translation))


def _attempt_texts(version: CourseVersion, language: str) -> Texts:
    """An attempt's texts: in the language it was started in, whatever the learner chose since."""
    if language == version.source_language:
        return Texts(language, language, SOURCE)
    translation = VersionTranslation.objects.filter(version=version, language=language).first()
    return Texts(language, language, TranslationStatus.COMPLETE, _translated(translation))


def languages_of(version: CourseVersion) -> list[tuple[str, str]]:
    """The languages the version can be taken in (its source and each complete or outdated
    translation), as (code, name), in the order of settings.LANGUAGES."""
    source = content.version_places(version)
    usable = {version.source_language}
    for translation in VersionTranslation.objects.filter(version=version):
        if content.status(source, translation) != TranslationStatus.MISSING:
            usable.add(translation.language)
    return [(code, name) for code, name in settings.LANGUAGES if code in usable]


@transaction.atomic
def choose_language(by: object, language: str) -> Learner:
    """The language the learner takes their courses in."""
    learner = _learner(by, lock=True)
    if language not in language_codes():
        raise LearningError(_("Choose a language from the list."), field="language")
    if learner.language != language:
        learner.language = language
        learner.save(update_fields=["language"])
        audit.record(learner.user, "training.language_chosen", learner, detail={"language": language})
    return learner


# --- progress ------------------------------------------------------------------------------------

def _graded(attempts: Iterable[Attempt]) -> list[quizzes.Graded]:
    return [quizzes.Graded(a.number, a.score or 0, bool(a.passed)) for a in attempts if a.submitted_at is not None]


def quiz_results(learner: Learner, quiz_list: Iterable[Quiz]) -> dict[int, quizzes.Graded | None]:
    """Each quiz's result for the learner under its grading method (None: no attempt submitted yet)."""
    by_quiz = {quiz.pk: quiz for quiz in quiz_list}
    submitted: dict[int, list[Attempt]] = {pk: [] for pk in by_quiz}
    for attempt in Attempt.objects.filter(learner=learner, quiz_id__in=list(by_quiz), submitted_at__isnull=False):
        submitted[attempt.quiz_id].append(attempt)
    return {pk: quizzes.result(_graded(submitted[pk]), by_quiz[pk].grading) for pk in by_quiz}


def _read_lessons(learner: Learner, version: CourseVersion) -> set[int]:
    return set(LessonRead.objects.filter(learner=learner, lesson__version=version).values_list("lesson_id", flat=True))


def _passed_everything(learner: Learner, version: CourseVersion) -> bool:
    lessons = set(version.lessons.values_list("pk", flat=True))
    if lessons - _read_lessons(learner, version):
        return False
    results = quiz_results(learner, Quiz.objects.filter(lesson__version=version))
    return all(result is not None and result.passed for result in results.values())


def _complete_if_passed(learner: Learner, version: CourseVersion, *, by: User, language: str) -> Completion | None:
    """When every lesson is read and every quiz passed: the completion (once per version), the open
    assignment completed, `CoursePassed` published. Idempotent: a second call finds the completion."""
    existing = Completion.objects.filter(learner=learner, version=version).first()
    if existing is not None or not _passed_everything(learner, version):
        return existing
    course = version.course
    now = timezone.now()
    expires = (timezone.localdate(now) + datetime.timedelta(days=course.valid_for_days)
               if course.valid_for_days else None)
    completion = Completion.objects.create(learner=learner, course=course, version=version, language=language,
                                           passed_at=now, expires_on=expires)
    assignment = (Assignment.objects.select_for_update()
                  .filter(learner=learner, course=course, completed_at__isnull=True, cancelled_at__isnull=True).first())
    if assignment is not None:
        assignment.completed_at, assignment.completion = now, completion
        assignment.save(update_fields=["completed_at", "completion"])
    audit.record(by, "training.course_passed", completion, detail={
        "course": course.pk, "version": str(version.number), "language": language,
        "assignment": assignment.pk if assignment else None})
    events.publish(CoursePassed(completion=completion.pk, learner=learner.pk, user=learner.user_id, course=course.pk,
                                version=version.pk, return_id=assignment.return_id if assignment else None))
    return completion


# --- the learner's courses -----------------------------------------------------------------------

@dataclass(frozen=True)
class CourseEntry:
    course: Course
    version: CourseVersion
    title: str
    status: str  # one of STATUS_LABELS
    assignment: Assignment | None
    completion: Completion | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {
    "not_started": _("Not started"), "in_progress": _("In progress"), "passed": _("Passed"),
    "overdue": _("Overdue"), "expired": _("Expired"),
}


@dataclass(frozen=True)
class Overview:
    learner: Learner
    assigned: list[CourseEntry]
    others: list[CourseEntry]


def _status(learner: Learner, course: Course, version: CourseVersion, assignment: Assignment | None,
            completion: Completion | None, today: datetime.date) -> str:
    if completion is not None and (assignment is None or assignment.completed_at is not None):
        return "expired" if completion.expires_on is not None and completion.expires_on < today else "passed"
    if assignment is not None and assignment.due_on < today:
        return "overdue"
    started = (LessonRead.objects.filter(learner=learner, lesson__version=version).exists()
               or Attempt.objects.filter(learner=learner, quiz__lesson__version=version).exists())
    return "in_progress" if started else "not_started"


def my_courses(by: object) -> Overview:
    """The learner's courses: those assigned to them first (soonest due first), then the others open to them."""
    learner = _learner(by)
    today = timezone.localdate()
    courses = list(Course.objects.filter(_open_courses(learner)).filter(versions__status=CourseVersion.Status.PUBLISHED)
                   .distinct())
    assignments: dict[int, Assignment] = {}
    for assignment in Assignment.objects.filter(learner=learner, cancelled_at__isnull=True).order_by("assigned_at"):
        # An open assignment wins over an earlier completed one.
        if assignment.course_id not in assignments or assignment.completed_at is None:
            assignments[assignment.course_id] = assignment
    completions: dict[int, Completion] = {}
    for completion in Completion.objects.filter(learner=learner).order_by("passed_at"):
        completions[completion.course_id] = completion  # the latest
    assigned: list[CourseEntry] = []
    others: list[CourseEntry] = []
    for course in courses:
        version = current_version(course)
        if version is None:
            continue
        held, passed = assignments.get(course.pk), completions.get(course.pk)
        entry = CourseEntry(course, version, texts_for(version, learner.language).title(version),
                            _status(learner, course, version, held, passed, today), held, passed)
        (assigned if held is not None else others).append(entry)
    assigned.sort(key=lambda entry: (entry.assignment.completed_at is not None if entry.assignment else True,
                                     entry.assignment.due_on if entry.assignment else today, entry.title))
    others.sort(key=lambda entry: entry.title)
    return Overview(learner, assigned, others)


@dataclass(frozen=True)
class LessonEntry:
    lesson: Lesson
    title: str
    read: bool
    quiz: Quiz | None
    result: quizzes.Graded | None

    @property
    def quiz_passed(self) -> bool:
        return self.result is not None and self.result.passed


@dataclass(frozen=True)
class CoursePage:
    learner: Learner
    course: Course
    version: CourseVersion
    texts: Texts
    lessons: list[LessonEntry]
    assignment: Assignment | None
    completion: Completion | None
    survey_answered: bool
    languages: list[tuple[str, str]]

    @property
    def title(self) -> str:
        return self.texts.title(self.version)

    @property
    def summary(self) -> str:
        return self.texts.summary(self.version)

    @property
    def done(self) -> int:
        return sum(1 for entry in self.lessons if entry.read and (entry.quiz is None or entry.quiz_passed))


def course_page(by: object, slug: str) -> CoursePage:
    learner = _learner(by)
    course, version = _course(learner, slug)
    texts = texts_for(version, learner.language)
    lessons = list(version.lessons.select_related("quiz"))
    read = _read_lessons(learner, version)
    quiz_list = [lesson.quiz for lesson in lessons if _quiz_of(lesson) is not None]
    results = quiz_results(learner, quiz_list)
    entries = [LessonEntry(lesson, texts.lesson_title(lesson), lesson.pk in read, _quiz_of(lesson),
                           results.get(lesson.quiz.pk) if _quiz_of(lesson) else None) for lesson in lessons]
    assignment = (Assignment.objects.filter(learner=learner, course=course, cancelled_at__isnull=True)
                  .order_by("completed_at", "-assigned_at").first())
    completion = Completion.objects.filter(learner=learner, version=version).first()
    answered = SurveyResponse.objects.filter(learner=learner, version=version).exists()
    return CoursePage(learner, course, version, texts, entries, assignment, completion, answered, languages_of(version))


def _quiz_of(lesson: Lesson) -> Quiz | None:
    try:
        return lesson.quiz
    except Quiz.DoesNotExist:
        return None


# --- lessons -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LessonPage:
    course: Course
    version: CourseVersion
    texts: Texts
    lesson: Lesson
    title: str
    body: str  # Markdown, rendered (sanitised) by the page
    read: bool
    quiz: Quiz | None
    next_lesson: Lesson | None

    @property
    def course_title(self) -> str:
        return self.texts.title(self.version)


def _lesson(learner: Learner, lesson_id: int) -> Lesson:
    lesson = (Lesson.objects.select_related("version__course").filter(pk=lesson_id,
                                                                       version__status=CourseVersion.Status.PUBLISHED)
              .first())
    if lesson is None or not _reachable(learner, lesson.version.course_id):
        raise access.Hidden("learn")
    return lesson


def lesson_page(by: object, lesson_id: int) -> LessonPage:
    learner = _learner(by)
    lesson = _lesson(learner, lesson_id)
    version = lesson.version
    texts = texts_for(version, learner.language)
    following = version.lessons.filter(Q(position__gt=lesson.position) | Q(position=lesson.position, pk__gt=lesson.pk))
    read = LessonRead.objects.filter(learner=learner, lesson=lesson).exists()
    return LessonPage(version.course, version, texts, lesson, texts.lesson_title(lesson), texts.lesson_body(lesson),
                      read, _quiz_of(lesson), following.order_by("position", "pk").first())


@transaction.atomic
def mark_read(by: object, lesson_id: int) -> LessonRead:
    """The learner read the lesson (once; again changes nothing). A course without quizzes left to
    pass is passed by reading its last lesson."""
    learner = _learner(by, lock=True)
    lesson = _lesson(learner, lesson_id)
    read, created = LessonRead.objects.get_or_create(learner=learner, lesson=lesson)
    if created:
        audit.record(learner.user, "training.lesson_read", lesson, detail={"course": lesson.version.course_id})
        _complete_if_passed(learner, lesson.version, by=learner.user, language=texts_for(lesson.version, learner.language).language)
    return read


# --- quizzes -------------------------------------------------------------------------------------

def _keys(quiz: Quiz) -> dict[int, quizzes.QuestionKey]:
    keys = {}
    for question in quiz.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        keys[question.pk] = quizzes.QuestionKey(question.pk, question.kind, tuple(c.pk for c in choices),
                                                frozenset(c.pk for c in choices if c.correct))
    return keys


def _quiz(learner: Learner, quiz_id: int) -> Quiz:
    """A quiz of a course open to the learner. Its version must be published: a draft's quiz cannot be taken."""
    quiz = Quiz.objects.select_related("lesson__version__course").filter(pk=quiz_id).first()
    if quiz is None or not _reachable(learner, quiz.lesson.version.course_id):
        raise access.Hidden("learn")
    if not quiz.lesson.version.is_published:
        raise LearningError(_("This quiz cannot be taken: its course version is not published."))
    return quiz


@dataclass(frozen=True)
class QuizPage:
    quiz: Quiz
    lesson: Lesson
    version: CourseVersion
    texts: Texts
    lesson_title: str
    attempts: list[Attempt]  # submitted, oldest first
    open_attempt: Attempt | None
    result: quizzes.Graded | None
    attempts_left: int | None
    questions: int

    @property
    def may_start(self) -> bool:
        return self.open_attempt is None and self.attempts_left != 0


def quiz_page(by: object, quiz_id: int) -> QuizPage:
    learner = _learner(by)
    quiz = _quiz(learner, quiz_id)
    version = quiz.lesson.version
    texts = texts_for(version, learner.language)
    attempts = list(Attempt.objects.filter(learner=learner, quiz=quiz))
    submitted = [attempt for attempt in attempts if attempt.submitted_at is not None]
    open_attempt = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
    return QuizPage(quiz, quiz.lesson, version, texts, texts.lesson_title(quiz.lesson), submitted, open_attempt,
                    quizzes.result(_graded(submitted), quiz.grading), quizzes.attempts_left(quiz.max_attempts, len(attempts)),
                    quiz.questions.count())


@transaction.atomic
def start_attempt(by: object, quiz_id: int) -> Attempt:
    """A new attempt, its questions (and their answers) in a new order when the quiz shuffles. An
    attempt already under way is returned instead, so reloading does not reshuffle."""
    learner = _learner(by, lock=True)
    quiz = _quiz(learner, quiz_id)
    attempts = list(Attempt.objects.filter(learner=learner, quiz=quiz))
    under_way = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
    if under_way is not None:
        return under_way
    if quizzes.attempts_left(quiz.max_attempts, len(attempts)) == 0:
        raise LearningError(_("You have used all %(count)d attempts at this quiz.") % {"count": quiz.max_attempts})
    order = quizzes.make_order(list(_keys(quiz).values()), shuffle=quiz.shuffle)
    language = texts_for(quiz.lesson.version, learner.language).language
    attempt = Attempt.objects.create(learner=learner, quiz=quiz, number=len(attempts) + 1, language=language, order=order)
    audit.record(learner.user, "training.attempt_started", attempt, detail={"quiz": quiz.pk, "number": attempt.number})
    return attempt


def _attempt(learner: Learner, attempt_id: int, *, lock: bool = False) -> Attempt:
    """The learner's own attempt; another learner's is not found."""
    attempts = Attempt.objects.select_for_update() if lock else Attempt.objects
    attempt = attempts.select_related("quiz__lesson__version__course").filter(pk=attempt_id, learner=learner).first()
    if attempt is None:
        raise access.Hidden("learn")
    return attempt


@dataclass(frozen=True)
class ShownChoice:
    id: int
    text: str
    correct: bool
    explanation: str
    chosen: bool


@dataclass(frozen=True)
class ShownQuestion:
    id: int
    number: int
    kind: str
    text: str
    explanation: str
    choices: list[ShownChoice]
    answer: Answer | None

    @property
    def field_name(self) -> str:
        return quizzes.field_name(self.id)

    @property
    def one_answer(self) -> bool:
        return self.kind in quizzes.ONE_ANSWER


@dataclass(frozen=True)
class AttemptPage:
    attempt: Attempt
    quiz: Quiz
    version: CourseVersion
    texts: Texts
    lesson_title: str
    questions: list[ShownQuestion]  # in the attempt's order

    @property
    def one_at_a_time(self) -> bool:
        return self.quiz.explanations == Quiz.Explanations.IMMEDIATELY

    @property
    def next_question(self) -> ShownQuestion | None:
        return next((question for question in self.questions if question.answer is None), None)

    @property
    def answered(self) -> int:
        return sum(1 for question in self.questions if question.answer is not None)


def _page(attempt: Attempt) -> AttemptPage:
    quiz, version = attempt.quiz, attempt.quiz.lesson.version
    texts = _attempt_texts(version, attempt.language)
    lesson_key = quiz.lesson.key
    questions = {q.pk: q for q in quiz.questions.prefetch_related("choices")}
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    shown = []
    for number, (question_id, choice_ids) in enumerate(quizzes.shown(attempt.order).items(), start=1):
        question = questions[question_id]
        choices = {choice.pk: choice for choice in question.choices.all()}
        answer = answers.get(question_id)
        chosen = {int(pk) for pk in answer.chosen} if answer else set()
        shown.append(ShownQuestion(question_id, number, question.kind, texts.question(lesson_key, question, "text"),
                                   texts.question(lesson_key, question, "explanation"),
                                   [ShownChoice(pk, texts.choice(lesson_key, question, choices[pk], "text"), choices[pk].correct,
                                                texts.choice(lesson_key, question, choices[pk], "explanation"), pk in chosen)
                                    for pk in choice_ids if pk in choices], answer))
    return AttemptPage(attempt, quiz, version, texts, texts.lesson_title(quiz.lesson), shown)


def attempt_page(by: object, attempt_id: int) -> AttemptPage:
    """An attempt as shown. The templates show a question's explanations only once it is answered
    (one at a time) or the attempt submitted (after the attempt)."""
    return _page(_attempt(_learner(by), attempt_id))


@transaction.atomic
def submit(by: object, attempt_id: int, answers: Mapping[int, list[int]]) -> Attempt:
    """Answers to an attempt: every question at once (explanations after the attempt), or one
    question (explanations after each answer); the attempt is graded when every question is
    answered. Refused, changing nothing: an attempt already submitted, a question not in this
    attempt, a choice not of its question, several choices on a one-answer question, an attempt
    beyond the quiz's limit, a quiz of an unpublished version."""
    learner = _learner(by, lock=True)
    attempt = _attempt(learner, attempt_id, lock=True)
    quiz = _quiz(learner, attempt.quiz_id)
    if attempt.submitted_at is not None:
        raise LearningError(_("This attempt was already submitted. Start a new attempt to answer again."))
    if quiz.max_attempts and attempt.number > quiz.max_attempts:
        raise LearningError(_("You have used all %(count)d attempts at this quiz.") % {"count": quiz.max_attempts})
    keys = _keys(quiz)
    shown = quizzes.shown(attempt.order)
    answered = set(attempt.answers.values_list("question_id", flat=True))
    unknown = [question for question in answers if question not in shown or question not in keys]
    if unknown:
        raise LearningError(_("This question is not part of this attempt."))
    if quiz.explanations == Quiz.Explanations.IMMEDIATELY:
        if len(answers) != 1:
            raise LearningError(_("Answer one question at a time."))
        if set(answers) & answered:
            raise LearningError(_("You already answered this question."))
        wanted = list(answers)
    else:
        wanted = list(shown)
    checked: dict[int, list[int]] = {}
    problems: list[quizzes.AnswerProblem] = []
    for question_id in wanted:
        try:
            checked[question_id] = quizzes.check_answer(attempt.order, keys[question_id].kind, question_id,
                                                        answers.get(question_id, []))
        except quizzes.AnswerProblem as problem:
            problems.append(problem)
    if problems:
        raise QuizRefused(problems)
    Answer.objects.bulk_create(Answer(attempt=attempt, question_id=question_id, chosen=chosen,
                                      correct=quizzes.is_correct(keys[question_id], chosen))
                               for question_id, chosen in checked.items())
    audit.record(learner.user, "training.answered", attempt, detail={"questions": sorted(checked)})
    if answered | set(checked) >= set(shown):
        _grade(attempt, keys, pass_mark=quiz.lesson.version.pass_mark, by=learner.user, learner=learner)
    return attempt


class QuizRefused(LearningError):
    """Answers refused question by question: `problems` (each naming its field), nothing recorded."""

    def __init__(self, problems: list[quizzes.AnswerProblem]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


def _grade(attempt: Attempt, keys: dict[int, quizzes.QuestionKey], *, pass_mark: int, by: User, learner: Learner) -> None:
    answers = list(attempt.answers.all())
    attempt.score = quizzes.score((answer.correct for answer in answers), questions=len(quizzes.shown(attempt.order)))
    attempt.passed = quizzes.passes(attempt.score, pass_mark)
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    audit.record(by, "training.attempt_submitted", attempt, detail={
        "quiz": attempt.quiz_id, "number": attempt.number, "score": attempt.score, "passed": attempt.passed})
    _complete_if_passed(learner, attempt.quiz.lesson.version, by=by, language=attempt.language)


def answered_question(by: object, attempt_id: int, question_id: int) -> tuple[AttemptPage, ShownQuestion]:
    """One answered question of the learner's attempt, with its explanations; a question not yet
    answered (or not in the attempt) is not found, so no explanation shows before the answer."""
    page = attempt_page(by, attempt_id)
    question = next((q for q in page.questions if q.id == question_id and q.answer is not None), None)
    if question is None:
        raise access.Hidden("learn")
    return page, question


def result_page(by: object, attempt_id: int) -> tuple[AttemptPage, QuizPage]:
    """A submitted attempt with every explanation, and where the quiz stands."""
    page = attempt_page(by, attempt_id)
    if page.attempt.submitted_at is None:
        raise LearningError(_("This attempt is not finished yet."))
    return page, quiz_page(by, page.quiz.pk)


# --- the survey ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyPage:
    course: Course
    version: CourseVersion
    texts: Texts
    completion: Completion
    answered: bool

    @property
    def title(self) -> str:
        return self.texts.title(self.version)


def survey_page(by: object, slug: str) -> SurveyPage:
    learner = _learner(by)
    course, version = _course(learner, slug)
    completion = Completion.objects.filter(learner=learner, version=version).first()
    if completion is None:
        raise LearningError(_("The survey opens once you have passed the course."))
    answered = SurveyResponse.objects.filter(learner=learner, version=version).exists()
    return SurveyPage(course, version, texts_for(version, learner.language), completion, answered)


@transaction.atomic
def answer_survey(by: object, slug: str, *, understood: bool, worth_time: bool, comment: str = "") -> SurveyResponse:
    """The end-of-course survey, once per learner and version, after passing. The comment is sealed."""
    learner = _learner(by, lock=True)
    _found, version = _course(learner, slug)
    if not Completion.objects.filter(learner=learner, version=version).exists():
        raise LearningError(_("The survey opens once you have passed the course."))
    if SurveyResponse.objects.filter(learner=learner, version=version).exists():
        raise LearningError(_("You already answered the survey for this course. Thank you."))
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise LearningError(_("Keep the comment to %(limit)d characters.") % {"limit": COMMENT_LIMIT}, field="comment")
    response = SurveyResponse(learner=learner, version=version, understood=understood, worth_time=worth_time,
                              data_key=crypto.shared_key(DataKey.Purpose.TRAINING))
    if comment:
        response.comment = comment
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError:  # answered in a parallel request a moment ago
        raise LearningError(_("You already answered the survey for this course. Thank you.")) from None
    audit.record(learner.user, "training.survey_answered", response, detail={
        "version": version.pk, "understood": understood, "worth_time": worth_time, "comment": bool(comment)})
    return response

