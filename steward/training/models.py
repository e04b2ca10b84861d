"""Training: courses of lessons and quizzes, who must take which, and what each learner completed.

A course has versions ("major.minor", as the guidelines do). Authors edit a draft; publishing
freezes it, and learners take the newest published version. A learner keeps the version they
passed; a new major version may require everyone to pass again (`requires_recertification`).
The course text is written in the version's source language and translated per version; a
translation remembers the hash of each source text it was made from, so its status (complete,
outdated, missing) is computed as the guidelines' is.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import crypto
from steward.core.models import DataKey
from steward.policy.models import VersionNumber

SOURCE_LANGUAGE = "en"


def text_hash(*parts: str) -> str:
    """Identifies one revision of a source text; a translation remembers the one it was made from."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class Course(models.Model):
    class Audience(models.TextChoices):
        CONTRIBUTORS = "contributors", _("Contributors")
        STAFF = "staff", _("Staff")

    slug = models.SlugField(max_length=64, unique=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    # A completion stops counting this many days after it was passed; none: it never expires.
    valid_for_days = models.PositiveIntegerField(null=True, blank=True)
    # The course a person returning after a ban takes when their decision requires onboarding.
    is_onboarding = models.BooleanField(default=False)
    # Owners edit the course and are the only ones who read the survey's free text.
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(fields=["is_onboarding"], condition=Q(is_onboarding=True),
                                               name="training_one_onboarding_course")]

    def __str__(self) -> str:
        return self.slug


class CourseVersionQuerySet(models.QuerySet["CourseVersion"]):
    def published(self) -> CourseVersionQuerySet:
        return self.filter(status=CourseVersion.Status.PUBLISHED)

    def newest_first(self) -> CourseVersionQuerySet:
        return self.order_by("-major", "-minor")


class CourseVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    source_language = models.CharField(max_length=16, default=SOURCE_LANGUAGE)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(default=80, help_text=_("Percent of the points of each quiz."))
    # A major version that asks everyone who passed an earlier one to pass it again.
    requires_recertification = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = CourseVersionQuerySet.as_manager()

    class Meta:
        ordering = ["course", "-major", "-minor"]
        constraints = [models.UniqueConstraint(fields=["course", "major", "minor"], name="training_version_unique")]

    def __str__(self) -> str:
        return f"{self.course.slug} {self.number}"

    @property
    def number(self) -> VersionNumber:
        return VersionNumber(self.major, self.minor)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Lesson(models.Model):
    """One lesson of a version: Markdown (sanitised when shown), optionally followed by a quiz."""

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="lessons")
    key = models.SlugField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="training_lesson_unique_key")]

    def __str__(self) -> str:
        return f"{self.version} {self.key}"


def _image_path(image: LessonImage, filename: str) -> str:
    # A random name: the stored file says nothing of the course or what the author called it.
    return f"training/images/{uuid.uuid4().hex}{filename[filename.rfind('.'):] if '.' in filename else ''}"


class LessonImage(models.Model):
    """A picture uploaded to a version, shown in its lessons as `![alt](image:NAME)`. Checked by
    content and re-encoded without metadata on upload; a new version gets its own copies, so a
    published version's images never change."""

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=40)
    file = models.FileField(upload_to=_image_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="training_lessonimage_unique_name")]

    def __str__(self) -> str:
        return f"{self.version} {self.name}"


class Quiz(models.Model):
    class Explanations(models.TextChoices):
        IMMEDIATELY = "immediately", _("After each answer")
        AFTER_ATTEMPT = "after_attempt", _("After the attempt")

    class Grading(models.TextChoices):
        HIGHEST = "highest", _("Highest score")
        LAST = "last", _("Last attempt")
        FIRST = "first", _("First attempt")

    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="quiz")
    explanations = models.CharField(max_length=16, choices=Explanations.choices, default=Explanations.AFTER_ATTEMPT)
    max_attempts = models.PositiveSmallIntegerField(default=0, help_text=_("0: unlimited."))
    shuffle = models.BooleanField(default=True, help_text=_("Questions and answers in a new order for each attempt."))
    grading = models.CharField(max_length=16, choices=Grading.choices, default=Grading.HIGHEST)

    def __str__(self) -> str:
        return f"Quiz of {self.lesson}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One answer")
        MULTIPLE = "multiple", _("Several answers")
        TRUE_FALSE = "true_false", _("True or false")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="training_question_unique_key")]

    def __str__(self) -> str:
        return f"{self.quiz.lesson} {self.key}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    correct = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="training_choice_unique_key")]

    def __str__(self) -> str:
        return f"{self.question} {self.key}"


class VersionTranslation(models.Model):
    """A version in one language: each translated text by its place in the course ("title",
    "lesson:<key>:body", "choice:<lesson>/<question>/<choice>:explanation"…), with the hash of
    the source text it was made from: {"<place>": {"text": "…", "source": "<text_hash>"}}."""

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)
    texts = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "language"], name="training_translation_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.language}"


class Learner(models.Model):
    """Someone who takes courses. Staff take them with their staff account; a contributor has an
    account without staff access (is_staff false, no roles) and signs in by an emailed code or link."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff member")
        CONTRIBUTOR = "contributor", _("Contributor")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    language = models.CharField(max_length=16, default=SOURCE_LANGUAGE)
    # Contributors: their team or project, and the leadership role they hold there (if any).
    # Staff: both come from their staff profile.
    team = models.CharField(max_length=100, blank=True)
    leadership_role = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Learner {self.pk}"


class AssignmentRule(models.Model):
    """Who must take a course. Evaluated by the worker; a learner it newly selects is assigned."""

    class Who(models.TextChoices):
        COMMUNITY_FACING = "community_facing", _("Community-facing staff")
        MANAGERS = "managers", _("Managers of community-facing staff")
        CONTRIBUTOR_LEADERS = "contributor_leaders", _("Contributors in project leadership roles")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="rules")
    who = models.CharField(max_length=24, choices=Who.choices)
    # Community-facing staff: a job title containing one of these phrases (one per line, any case)…
    title_contains = models.TextField(default="Community Manager", blank=True)
    # …or marked on their staff profile as working regularly with contributors in these ways.
    by_code_and_chat = models.BooleanField(default=True)
    by_events = models.BooleanField(default=True)
    by_social_media = models.BooleanField(default=True)
    due_days = models.PositiveSmallIntegerField(default=30)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["course", "who", "pk"]

    def __str__(self) -> str:
        return f"Rule {self.pk} ({self.who}) for {self.course}"


class Completion(models.Model):
    """A course passed: the version and language it was passed in, and until when it counts."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="completions")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="completions")
    language = models.CharField(max_length=16)
    passed_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(null=True, blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    certificate = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-passed_at", "pk"]
        indexes = [models.Index(fields=["course", "learner"], name="training_completion_course")]

    def __str__(self) -> str:
        return f"Completion {self.pk}"


class Assignment(models.Model):
    """A course a learner must take by a date: by a rule, by hand, or as onboarding before a return."""

    class Source(models.TextChoices):
        RULE = "rule", _("Role rule")
        MANUAL = "manual", _("Assigned by staff")
        ONBOARDING = "onboarding", _("Onboarding before return")
        RECERTIFICATION = "recertification", _("Recertification")

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="assignments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    source = models.CharField(max_length=16, choices=Source.choices)
    rule = models.ForeignKey(AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Onboarding: the decisions app's Return this is a step of (an id: training sits below decisions).
    return_id = models.PositiveBigIntegerField(null=True, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completion = models.ForeignKey(Completion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["learner", "course"],
                                               condition=Q(completed_at__isnull=True, cancelled_at__isnull=True),
                                               name="training_one_open_assignment")]
        indexes = [models.Index(fields=["course", "learner"], name="training_assignment_course")]

    def __str__(self) -> str:
        return f"Assignment {self.pk}"


class LessonRead(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="training_lesson_read_once")]

    def __str__(self) -> str:
        return f"Lesson {self.lesson_id} read by learner {self.learner_id}"


class Attempt(models.Model):
    """One attempt at a quiz. `order` is the order the questions and their choices were shown
    in: [[question id, [choice id, …]], …], so a submission can be checked against it."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=16)
    order = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # percent
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["learner", "quiz", "number"], name="training_attempt_number")]
        indexes = [models.Index(fields=["quiz", "learner"], name="training_attempt_quiz")]

    def __str__(self) -> str:
        return f"Attempt {self.number} at quiz {self.quiz_id}"


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    chosen = models.JSONField(default=list)  # choice ids
    correct = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="training_answer_once")]

    def __str__(self) -> str:
        return f"Answer to question {self.question_id}"


class SurveyResponse(models.Model):
    """The end-of-course survey. The free text is sealed; only the course's owners read it."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="survey_responses")
    understood = models.BooleanField(help_text=_("I understand how this applies to my role."))
    worth_time = models.BooleanField(help_text=_("This was worth my time."))
    row_uuid = crypto.row_uuid_field()
    comment_sealed = crypto.SealedField(null=True, blank=True)
    comment = crypto.Sealed("survey_response.comment", key="data_key")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "version"], name="training_survey_once")]

    def __str__(self) -> str:
        return f"Survey response {self.pk}"


class Progress(models.Model):
    """The dashboard's read model: one row per learner and course they are assigned, began or passed,
    kept by `progress.refresh` whenever an assignment, completion, lesson read or attempt is saved
    (and rebuilt nightly from those facts). The standing itself depends on today's date, so the row
    keeps dates and the dashboard decides (see `dashboard.standings`)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True, blank=True)  # the open assignment's due date; none: none open
    begun = models.BooleanField(default=False)  # a lesson read or a quiz attempted
    completed = models.BooleanField(default=False)  # passed at least once
    counts_until = models.DateField(null=True, blank=True)  # the latest completion's expiry; none: never expires
    # What the dashboard groups by, copied from the learner and their staff profile (kept by the same signals).
    kind = models.CharField(max_length=16, choices=Learner.Kind.choices)
    team = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "learner"], name="training_progress_unique")]

    def __str__(self) -> str:
        return f"Progress of learner {self.learner_id} in course {self.course_id}"
