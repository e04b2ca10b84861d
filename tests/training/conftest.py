"""Training fixtures: a small published course (two lessons, one quiz of three questions, one of
each kind), learners, and a training coordinator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from steward.core.roles import Role
from steward.training import content, starter
from steward.training.models import Course, CourseVersion, Learner

DOCUMENT: dict[str, Any] = {
    "slug": "first-aid",
    "title": "First aid for enforcement",
    "summary": "What to do when someone tells you about harm.",
    "valid_for_days": 365,
    "pass_mark": 80,
    "lessons": [
        {"key": "listen", "title": "Listen first", "body": "Believe the person. **Don't judge.**"},
        {"key": "next-steps", "title": "Next steps", "body": "Write it down, then report it.",
         "quiz": {"explanations": "after_attempt", "max_attempts": 3, "shuffle": True, "grading": "highest",
                  "questions": [
                      {"key": "emergency", "kind": "single", "text": "Someone is in danger now. First?",
                       "explanation": "Safety comes before any form.",
                       "choices": [
                           {"key": "call", "text": "Call local emergency services", "correct": True,
                            "explanation": "Yes: emergency first."},
                           {"key": "form", "text": "Fill in the report form", "correct": False,
                            "explanation": "The form comes after the person is safe."}]},
                      {"key": "promises", "kind": "true_false", "text": "You may promise an outcome.",
                       "explanation": "Outcomes are decided later, by others.",
                       "choices": [
                           {"key": "true", "text": "True", "correct": False, "explanation": "Never promise an outcome."},
                           {"key": "false", "text": "False", "correct": True, "explanation": "Right."}]},
                      {"key": "write-down", "kind": "multiple", "text": "What do you write down?",
                       "choices": [
                           {"key": "words", "text": "Their words", "correct": True, "explanation": "Yes."},
                           {"key": "when", "text": "When it happened", "correct": True, "explanation": "Yes."},
                           {"key": "opinion", "text": "Your opinion of them", "correct": False,
                            "explanation": "Facts, not judgements."}]},
                  ]}},
    ],
}


def document(**changes: Any) -> dict[str, Any]:
    """A deep copy of DOCUMENT with top-level changes."""
    data = copy.deepcopy(DOCUMENT)
    data.update(changes)
    return data


def publish_course(data: dict[str, Any] | None = None, *, valid_for_days: int | None = 365) -> CourseVersion:
    """A course with one published version 1.0 of the document."""
    parsed = content.parse(data or DOCUMENT)
    course = Course.objects.create(slug=parsed.slug, audience=Course.Audience.STAFF, valid_for_days=valid_for_days)
    version = CourseVersion.objects.create(course=course, major=1, minor=0, title=parsed.title,
                                           status=CourseVersion.Status.PUBLISHED, published_at=timezone.now())
    starter.write_version(version, parsed)
    return version


@pytest.fixture
def course_version(db: None) -> CourseVersion:
    return publish_course()


def make_learner(username: str, *, kind: str = Learner.Kind.CONTRIBUTOR, email: str = "", **fields: Any) -> Learner:
    user = User.objects.create_user(username=username, email=email or f"{username}@example.org",
                                    is_staff=kind == Learner.Kind.STAFF)
    return Learner.objects.create(user=user, kind=kind, **fields)


@pytest.fixture
def contributor(db: None) -> Learner:
    return make_learner("ada")


@pytest.fixture
def coordinator(db: None) -> User:
    user = User.objects.create_user(username="tess", email="tess@example.org", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=Role.TRAINER)[0])
    return user
