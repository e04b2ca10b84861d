"""The dashboard's read model (`Progress`): per learner and course, the facts a standing is decided from.

Counting standings from the facts themselves means reading every attempt and lesson read of a
course on each visit (200,000 attempts: seconds); one small row per learner and course keeps the
dashboard a single grouped scan. `refresh` derives a row from the facts and is called whenever an
assignment, completion, lesson read or attempt is saved or deleted (signals, registered in
apps.py: every writer is covered, whichever service saves). Queryset `update()` and `bulk_create`
bypass signals: code that uses them calls `refresh` (or `rebuild`) itself. `rebuild` derives every
row again from the facts; the worker runs it nightly so a row can never stay wrong for long.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Case, Max, Q, Value, When
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy

from steward.staff.models import Profile

from .models import Assignment, Attempt, Completion, Course, Learner, LessonRead, Progress


def _description(kind: str, team: str, leadership_role: str, profile_team: str | None, job_title: str | None) -> dict[str, str]:
    """A staff member's team and role are their profile's; a contributor's their own."""
    return {"kind": kind, "team": profile_team or team, "role": job_title or leadership_role}


DESCRIBED_BY = ("kind", "team", "leadership_role", "user__staff_profile__team", "user__staff_profile__job_title")


def describe(learner_id: int) -> dict[str, str]:
    found = Learner.objects.filter(pk=learner_id).values_list(*DESCRIBED_BY).first()
    return _description(*found) if found else {}


class Standing(models.TextChoices):
    ASSIGNED = "assigned", gettext_lazy("Assigned")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    PASSED = "passed", gettext_lazy("Passed")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    EXPIRED = "expired", gettext_lazy("Expired")


def standing(today: datetime.date) -> Case:
    """A `Progress` row's standing on `today`, in SQL: the one definition the dashboard and the
    learner's own course list both use. "Begun" counts only what was done since the latest pass,
    so a passed course whose completion expired reads "expired", not "in progress"."""
    counts = Q(completed=True) & (Q(counts_until__isnull=True) | Q(counts_until__gte=today))
    return Case(When(counts, then=Value(Standing.PASSED)),
                When(due_on__lt=today, then=Value(Standing.OVERDUE)),
                When(begun=True, then=Value(Standing.IN_PROGRESS)),
                When(due_on__isnull=False, then=Value(Standing.ASSIGNED)),
                default=Value(Standing.EXPIRED), output_field=models.CharField())


def _facts(learner_id: int, course_id: int) -> dict[str, Any] | None:
    completions = list(Completion.objects.filter(learner_id=learner_id, course_id=course_id)
                       .values_list("expires_on", "passed_at"))
    due = (Assignment.objects.filter(learner_id=learner_id, course_id=course_id, completed_at__isnull=True,
                                     cancelled_at__isnull=True).order_by("due_on").values_list("due_on", flat=True).first())
    reads = LessonRead.objects.filter(learner_id=learner_id, lesson__version__course_id=course_id)
    attempts = Attempt.objects.filter(learner_id=learner_id, quiz__lesson__version__course_id=course_id)
    if completions:
        since = max(passed_at for _expires, passed_at in completions)
        reads, attempts = reads.filter(at__gt=since), attempts.filter(started_at__gt=since)
    begun = reads.exists() or attempts.exists()
    if not completions and due is None and not begun:
        return None
    expiries = [expires for expires, _passed in completions]
    return {"due_on": due, "begun": begun, "completed": bool(completions),
            "counts_until": None if not completions or None in expiries else max(d for d in expiries if d),
            **describe(learner_id)}


def refresh(learner_id: int, course_id: int, *, create: bool = True) -> None:
    """Derive one learner's row for one course from the facts (idempotent). With `create` false
    only an existing row changes (after a deletion, which may be part of deleting the course)."""
    facts = _facts(learner_id, course_id)
    existing = Progress.objects.filter(learner_id=learner_id, course_id=course_id)
    if facts is None:
        existing.delete()
    elif create:
        Progress.objects.update_or_create(learner_id=learner_id, course_id=course_id, defaults=facts)
    else:
        existing.update(**facts)


@transaction.atomic
def rebuild(course: Course | None = None) -> int:
    """Derive every row again from the facts, in bulk (a few queries per course). Returns the rows kept."""
    courses = [course] if course is not None else list(Course.objects.all())
    described = {pk: _description(*rest) for pk, *rest in Learner.objects.values_list("pk", *DESCRIBED_BY).iterator(5000)}
    kept = 0
    for each in courses:
        rows: dict[int, dict[str, Any]] = {}

        def row(learner_id: int, rows: dict[int, dict[str, Any]] = rows) -> dict[str, Any]:
            return rows.setdefault(learner_id, {"due_on": None, "begun": False, "completed": False, "counts_until": None,
                                                "forever": False, "since": None})

        for learner_id, expires_on, passed_at in (Completion.objects.filter(course=each)
                                                  .values_list("learner_id", "expires_on", "passed_at")):
            found = row(learner_id)
            found["completed"] = True
            found["forever"] |= expires_on is None
            found["since"] = passed_at if found["since"] is None else max(passed_at, found["since"])
            if expires_on is not None and (found["counts_until"] is None or expires_on > found["counts_until"]):
                found["counts_until"] = expires_on
        for learner_id, due_on in Assignment.objects.filter(course=each, completed_at__isnull=True,
                                                            cancelled_at__isnull=True).values_list("learner_id", "due_on"):
            found = row(learner_id)
            found["due_on"] = due_on if found["due_on"] is None else min(due_on, found["due_on"])
        # The latest thing each learner did in the course; "begun" is what came after their latest pass.
        latest = (LessonRead.objects.filter(lesson__version__course=each).values("learner_id").annotate(last=Max("at"))
                  .values_list("learner_id", "last").order_by().union(
                      Attempt.objects.filter(quiz__lesson__version__course=each).values("learner_id")
                      .annotate(last=Max("started_at")).values_list("learner_id", "last").order_by(), all=True))
        for learner_id, last in latest:
            found = row(learner_id)
            found["begun"] |= found["since"] is None or last > found["since"]
        Progress.objects.filter(course=each).delete()
        Progress.objects.bulk_create(
            (Progress(learner_id=learner_id, course=each, due_on=facts["due_on"], begun=facts["begun"],
                      completed=facts["completed"], counts_until=None if facts["forever"] else facts["counts_until"],
                      **described[learner_id])
             for learner_id, facts in rows.items()), batch_size=5000)
        kept += len(rows)
    return kept


def _course_of(instance: Any) -> int | None:
    if isinstance(instance, (Assignment, Completion)):
        return int(instance.course_id)
    if isinstance(instance, LessonRead):
        return int(instance.lesson.version.course_id)
    if isinstance(instance, Attempt):
        return int(instance.quiz.lesson.version.course_id)
    return None


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    # In the writer's transaction: a rollback takes the row's change back with the fact's.
    course_id = _course_of(instance)
    if course_id is not None:
        refresh(instance.learner_id, course_id)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, (Assignment, Completion)):
        refresh(instance.learner_id, instance.course_id, create=False)
    else:  # a lesson read or attempt goes only with its lesson or learner: the course's rows go with them
        for row in Progress.objects.filter(learner_id=instance.learner_id).values_list("course_id", flat=True):
            refresh(instance.learner_id, row, create=False)


def _described(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A learner or staff profile changed: their rows' team, role and kind follow."""
    learners = ([instance.pk] if isinstance(instance, Learner)
                else list(Learner.objects.filter(user_id=instance.user_id).values_list("pk", flat=True)))
    for learner_id in learners:
        Progress.objects.filter(learner_id=learner_id).update(**describe(learner_id))


def connect() -> None:
    for described in (Learner, Profile):
        post_save.connect(_described, sender=described, dispatch_uid=f"training-progress-described-{described.__name__}")
    post_delete.connect(_described, sender=Profile, dispatch_uid="training-progress-profile-deleted")
    for model in (Assignment, Completion, LessonRead, Attempt):
        post_save.connect(_saved, sender=model, dispatch_uid=f"training-progress-saved-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"training-progress-deleted-{model.__name__}")
