"""Who stands where with which course, counted by team and role; the CSV of the same; the survey's results.

A learner's standing with a course is one of five (`Standing`), decided in SQL from the read
model `Progress` (see `progress`), so that the page costs the same few queries for 50 learners or
50,000 (one per course, grouped by team, role and standing; `benchmarks/training_dashboard.py`
checks it):

- passed: a completion that still counts (no expiry, or not yet expired);
- overdue: no such completion, an open assignment past its due date;
- in progress: no such completion, a lesson read or a quiz attempted (assigned or not);
- assigned: an open assignment, nothing done yet;
- expired: every completion has expired and nothing is assigned or begun again.

A staff member's team and role are their staff profile's team and job title; a contributor's
are their own team and leadership role ("Contributor" when they hold none).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit
from steward.core.access import Actor

from . import progress
from .models import Completion, Course, CourseVersion, Learner, Progress, SurveyResponse
from .permissions import TrainingAction
from .progress import Standing

STANDINGS = [Standing.ASSIGNED, Standing.IN_PROGRESS, Standing.PASSED, Standing.OVERDUE, Standing.EXPIRED]


@dataclass(frozen=True)
class Filters:
    course: int | None = None
    team: str = ""
    role: str = ""


@dataclass
class Counts:
    """Learners per standing, for one course (and team or role)."""

    label: str
    by_standing: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANDINGS, 0))

    @property
    def total(self) -> int:
        return sum(self.by_standing.values())

    def cells(self) -> list[int]:
        return [self.by_standing[standing] for standing in STANDINGS]

    def add(self, standing: str, count: int) -> None:
        self.by_standing[standing] = self.by_standing.get(standing, 0) + count


@dataclass
class CourseRow:
    course: Course
    title: str
    counts: Counts
    by_team: list[Counts]
    by_role: list[Counts]

    @property
    def breakdowns(self) -> list[tuple[str, list[Counts]]]:
        return [(_("By team"), self.by_team), (_("By role"), self.by_role)]


@dataclass
class Dashboard:
    courses: list[CourseRow]
    teams: list[str]
    roles: list[str]
    filters: Filters


def _title(course: Course) -> str:
    version = next(iter(course.published_versions), None)  # type: ignore[attr-defined]  # prefetched below
    return version.title if version else course.slug


def standings(course: Course, today: datetime.date | None = None) -> QuerySet[Progress]:
    """Every learner with a standing in `course` (their `Progress` rows), annotated `standing`,
    `team_key` and `role_key`: one scan of the read model, however many attempts there are."""
    return Progress.objects.filter(course=course).annotate(
        team_key=F("team"), role_key=F("role"), standing=progress.standing(today or timezone.localdate()))


def _role_label(role: str, kind: str) -> str:
    if role:
        return role
    return _("Contributor") if kind == Learner.Kind.CONTRIBUTOR else _("Staff (no job title)")


def _team_label(team: str) -> str:
    return team or _("No team")


def build(*, by: Actor, filters: Filters | None = None, today: datetime.date | None = None) -> Dashboard:
    """The dashboard: per course, learners per standing, with the same counts by team and by role."""
    access.require(by, TrainingAction.DASHBOARD)
    filters = filters or Filters()
    courses = Course.objects.order_by("slug").prefetch_related(
        models.Prefetch("versions", queryset=CourseVersion.objects.published().newest_first(), to_attr="published_versions"))
    if filters.course:
        courses = courses.filter(pk=filters.course)
    rows, teams, roles = [], set(), set()
    for course in courses:
        counts, by_team, by_role = Counts(_title(course)), dict[str, Counts](), dict[str, Counts]()
        grouped = (standings(course, today).values("team_key", "role_key", "kind", "standing")  # type: ignore[misc]  # annotations
                   .annotate(n=Count("pk")))
        for group in grouped:
            team, role = _team_label(group["team_key"]), _role_label(group["role_key"], group["kind"])
            teams.add(team)
            roles.add(role)
            if (filters.team and team != filters.team) or (filters.role and role != filters.role):
                continue
            counts.add(group["standing"], group["n"])
            by_team.setdefault(team, Counts(team)).add(group["standing"], group["n"])
            by_role.setdefault(role, Counts(role)).add(group["standing"], group["n"])
        rows.append(CourseRow(course, counts.label, counts, sorted(by_team.values(), key=lambda c: c.label),
                              sorted(by_role.values(), key=lambda c: c.label)))
    audit.record(by, "training.dashboard_view", detail={"course": filters.course, "team": bool(filters.team),
                                                        "role": bool(filters.role)})
    return Dashboard(rows, sorted(teams), sorted(roles), filters)


EXPORT_HEADER = ["learner", "email", "kind", "team", "role", "course", "standing", "due_on", "passed_on", "expires_on"]


def export_rows(*, by: Actor, filters: Filters | None = None, today: datetime.date | None = None) -> Iterator[list[str]]:
    """The dashboard's learners one row each (for CSV), streamed in chunks; the export is audited."""
    access.require(by, TrainingAction.DASHBOARD)
    filters = filters or Filters()
    audit.record(by, "training.dashboard_export", detail={"course": filters.course, "team": bool(filters.team),
                                                          "role": bool(filters.role)})
    return _export(filters, today or timezone.localdate())


def _export(filters: Filters, today: datetime.date) -> Iterator[list[str]]:
    yield EXPORT_HEADER
    courses = Course.objects.order_by("slug")
    if filters.course:
        courses = courses.filter(pk=filters.course)
    for course in courses:
        latest = Completion.objects.filter(learner=OuterRef("learner_id"), course=course).order_by("-passed_at")
        rows = standings(course, today).annotate(passed_on=Subquery(latest.values("passed_at")[:1]),
                                                 expires=Subquery(latest.values("expires_on")[:1]))
        values = rows.values_list("learner__user__first_name", "learner__user__last_name", "learner__user__username",
                                  "learner__user__email", "kind", "team_key", "role_key", "standing", "due_on",
                                  "passed_on", "expires").order_by("learner_id")
        for first, last, username, email, kind, team, role, standing, due_on, passed_on, expires in values.iterator(2000):
            team_label, role_label = _team_label(team), _role_label(role, kind)
            if (filters.team and team_label != filters.team) or (filters.role and role_label != filters.role):
                continue
            yield [f"{first} {last}".strip() or username, email, kind, team_label, role_label, course.slug, standing,
                   due_on.isoformat() if due_on else "", timezone.localdate(passed_on).isoformat() if passed_on else "",
                   expires.isoformat() if expires else ""]


@dataclass(frozen=True)
class SurveyResult:
    version: CourseVersion
    responses: int
    understood: int
    worth_time: int
    comments: int

    @property
    def understood_percent(self) -> int:
        return round(100 * self.understood / self.responses) if self.responses else 0

    @property
    def worth_time_percent(self) -> int:
        return round(100 * self.worth_time / self.responses) if self.responses else 0


def survey_results(*, by: Actor, course: Course | None = None) -> list[SurveyResult]:
    """Counts and percentages of the end-of-course survey per course and version (never the free text)."""
    access.require(by, TrainingAction.DASHBOARD)
    versions = CourseVersion.objects.select_related("course").annotate(
        responses=Count("survey_responses"),
        understood=Count("survey_responses", filter=Q(survey_responses__understood=True)),
        worth=Count("survey_responses", filter=Q(survey_responses__worth_time=True)),
        comments=Count("survey_responses", filter=Q(survey_responses__comment_sealed__isnull=False)),
    ).filter(responses__gt=0).order_by("course__slug", "-major", "-minor")
    if course is not None:
        versions = versions.filter(course=course)
    return [SurveyResult(version, version.responses, version.understood, version.worth,  # type: ignore[attr-defined]
                         version.comments) for version in versions]  # type: ignore[attr-defined]


def may_read_comments(by: Actor, course: Course) -> bool:
    """Only a course's owners read its survey's free text."""
    return (isinstance(by, User) and by.is_active
            and course.owners.filter(pk=by.pk).exists())


def survey_comments(course: Course, *, by: Actor, ip: str | None = None) -> list[tuple[CourseVersion, str]]:
    """The survey's free text of a course, newest first, for its owners only (a read audited once)."""
    if not may_read_comments(by, course):
        raise access.Hidden()
    responses = (SurveyResponse.objects.filter(version__course=course, comment_sealed__isnull=False)
                 .select_related("version", "data_key").order_by("-at"))
    found = [(response.version, response.comment) for response in responses]
    audit.record(by, "training.survey_comments_read", course, ip=ip, detail={"comments": len(found)})
    return found
