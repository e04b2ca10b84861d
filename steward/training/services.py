"""What training offers the apps above it (decisions: onboarding before a return).

The decisions app opens a `Return`; when its decision requires onboarding it asks
`assign_onboarding` to assign the onboarding course (`Course.is_onboarding`) to the returning
person, found or made as a contributor learner by their email address. Passing it publishes
`training.events.CoursePassed` with the `return_id`, which decisions listens to.
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from steward.core import access, audit
from steward.core.actors import SystemActor

from . import assignments
from .models import Assignment, Course, CourseVersion, Learner
from .permissions import TrainingAction


def onboarding_course() -> Course | None:
    """The onboarding course, when there is one with a published version."""
    course = Course.objects.filter(is_onboarding=True).first()
    if course is None or not CourseVersion.objects.published().filter(course=course).exists():
        return None
    return course


def course_title(course: Course) -> str:
    version = CourseVersion.objects.published().filter(course=course).newest_first().first()
    return version.title if version is not None else course.slug


def _learner_by_email(email: str) -> Learner:
    user = User.objects.filter(email__iexact=email).order_by("-is_active", "pk").first()
    if user is None:
        user = User(username=f"learner-{secrets.token_hex(6)}", email=email.lower(), is_staff=False)
        user.set_unusable_password()
        user.save()
    return assignments.learner_for(user)


@transaction.atomic
def assign_onboarding(*, by: User | SystemActor, email: str, return_id: int,
                      due_on: datetime.date | None) -> Assignment | None:
    """Assign the onboarding course to the person at `email` as a step of the return `return_id`,
    due by `due_on` (the ban's end). None when there is no onboarding course or no address.

    An assignment of the course already open for them becomes this return's step."""
    access.require(by, TrainingAction.RULES)
    course = onboarding_course()
    email = email.strip()
    if course is None or not email:
        return None
    learner = _learner_by_email(email)
    due_on = max(due_on or timezone.localdate(), timezone.localdate())
    existing = (Assignment.objects.select_for_update()
                .filter(learner=learner, course=course, completed_at__isnull=True, cancelled_at__isnull=True).first())
    if existing is not None:
        existing.return_id, existing.source = return_id, Assignment.Source.ONBOARDING
        existing.due_on = min(existing.due_on, due_on)
        existing.save(update_fields=["return_id", "source", "due_on"])
        audit.record(by, "training.assign_onboarding", learner, detail={"assignment": existing.pk, "return": return_id})
        return existing
    return assignments.make_assignment(learner, course, by=by, due_on=due_on, source=Assignment.Source.ONBOARDING,
                                       return_id=return_id)
