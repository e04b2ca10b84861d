"""Who may do what with training. Training coordinators (and administrators) write courses,
edit the role rules, assign courses and read the completion dashboard; a course's owners read its
survey's free text. Taking a course needs no role: it needs a `Learner` (staff member or
contributor), and a learner who holds no staff role reaches no staff page."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.core import access, navigation
from steward.core.roles import Role

COORDINATORS = {Role.TRAINER, Role.ADMINISTRATOR}


class TrainingAction(StrEnum):
    AUTHOR = "author_courses"  # courses, versions, lessons, quizzes, translations
    RULES = "training_rules"  # the role rules, and assigning a course by hand
    DASHBOARD = "training_dashboard"  # completions by team, role and course; the survey's counts


def register() -> None:
    access.register_global(TrainingAction.AUTHOR, COORDINATORS)
    access.register_global(TrainingAction.RULES, COORDINATORS)
    access.register_global(TrainingAction.DASHBOARD, COORDINATORS | {Role.AUDITOR})
    navigation.register(navigation.Page("training:dashboard", _("Training"), TrainingAction.DASHBOARD), order=90)
