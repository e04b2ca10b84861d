"""The emails of assignments and learner sign-in, as outbox messages: identifiers only
(steward/core/outbox.py). How each is delivered is in `assign_notifications.py`."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core import outbox


@dataclass(frozen=True)
class CourseAssigned(outbox.Message, kind="training.assigned"):
    """Tell a learner a course was assigned to them, and by when."""

    assignment: int


@dataclass(frozen=True)
class CourseDueSoon(outbox.Message, kind="training.due_soon"):
    """Remind a learner that an assigned course is due in a few days."""

    assignment: int


@dataclass(frozen=True)
class CourseOverdue(outbox.Message, kind="training.overdue"):
    """Tell the learner's manager (once) that an assigned course is overdue."""

    assignment: int


@dataclass(frozen=True)
class CompletionExpiring(outbox.Message, kind="training.expiring"):
    """Remind a learner that a course they passed stops counting soon."""

    completion: int


@dataclass(frozen=True)
class LearnerSignInCode(outbox.Message, kind="training.sign_in_code"):
    """A learner's sign-in code and link. `challenge` is a random identifier the code is derived
    from with the server's key, so neither the code nor the link is ever stored."""

    learner: int
    challenge: str
