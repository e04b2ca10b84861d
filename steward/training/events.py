"""What training tells the apps above it. Identifiers only."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.events import Event


@dataclass(frozen=True)
class CoursePassed(Event[None]):
    """A learner passed a course (every quiz of the version). `return_id` is the decisions app's
    Return when the course was assigned as onboarding before a return, else None."""

    completion: int
    learner: int
    user: int
    course: int
    version: int
    return_id: int | None
