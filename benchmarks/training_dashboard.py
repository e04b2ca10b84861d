"""The training dashboard (/staff/training/) with 50,000 learners and 200,000 quiz attempts, against
the same page with 1,000 learners.

In-process with django.test.Client like the staff queue: the view, its queries and its template.
The page reads the read model `training.Progress` (one row per learner and course); the facts are
bulk-created, so the benchmark derives it with `progress.rebuild()` as the nightly job would (its
time is printed too).
Three courses; learners are bulk-created with their assignments (some overdue), completions (some
expired), lessons read and attempts, spread over 40 teams and a dozen roles, 10% of them staff with
a profile. Printed per variant (all courses; one course; one team): p50/p95 in ms for both sizes,
the p95 ratio, and the SQL query count for both sizes, which must be equal. Target: p95 < 300 ms.
"""

from __future__ import annotations

import datetime
import random
import time
from typing import Any

from .common import heading, percentile, row
from .staff_queue import _counting, _signed_in

BASELINE_LEARNERS = 1_000
FULL_LEARNERS = 50_000
ATTEMPTS_PER_LEARNER = 4  # 200,000 attempts with 50,000 learners
REPEATS = 30
TARGET_P95_MS = 300.0
TEAMS = [f"Team {index:02d}" for index in range(40)]
TITLES = ["Community Manager", "Senior Community Manager", "Developer Advocate", "Events Lead", "Engineer",
          "Support Engineer", "Technical Writer", "Product Manager"]
LEADERSHIP = ["", "", "", "Module owner", "Peer reviewer", "Team lead"]


def _course(slug: str) -> Any:
    from django.utils import timezone

    from steward.training import content, starter
    from steward.training.models import Course, CourseVersion

    lessons = [{"key": f"lesson-{number}", "title": f"Lesson {number}", "body": "Some text.",
                "quiz": {"questions": [{"key": "q", "kind": "true_false", "text": "True?", "choices": [
                    {"key": "true", "text": "True", "correct": True}, {"key": "false", "text": "False", "correct": False}]}]}}
               for number in range(5)]
    document = content.parse({"slug": slug, "title": f"Course {slug}", "lessons": lessons})
    course = Course.objects.create(slug=slug, audience=Course.Audience.STAFF, valid_for_days=365)
    version = CourseVersion.objects.create(course=course, major=1, title=document.title,
                                           status=CourseVersion.Status.PUBLISHED, published_at=timezone.now())
    starter.write_version(version, document)
    return version


def _add_learners(count: int, start: int, versions: list[Any], rng: random.Random) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from steward.staff.models import Profile
    from steward.training.models import Assignment, Attempt, Completion, Learner, LessonRead

    today = timezone.localdate()
    now = timezone.now()
    for offset in range(0, count, 5000):
        size = min(5000, count - offset)
        users = User.objects.bulk_create(
            User(username=f"bench-learner-{start + offset + index}", email=f"l{start + offset + index}@example.org",
                 password="!", first_name=f"Learner {start + offset + index}", is_staff=index % 10 == 0)
            for index in range(size))
        Profile.objects.bulk_create(Profile(user=user, team=rng.choice(TEAMS), job_title=rng.choice(TITLES))
                                    for user in users if user.is_staff)
        learners = Learner.objects.bulk_create(
            Learner(user=user, kind=Learner.Kind.STAFF if user.is_staff else Learner.Kind.CONTRIBUTOR,
                    team=rng.choice(TEAMS), leadership_role=rng.choice(LEADERSHIP)) for user in users)
        assignments, completions, reads, attempts = [], [], [], []
        for learner in learners:
            version = rng.choice(versions)
            lessons = version.bench_lessons
            fate = rng.random()
            if fate < 0.85:
                assignments.append(Assignment(learner=learner, course=version.course, source=Assignment.Source.RULE,
                                              due_on=today + datetime.timedelta(days=rng.randint(-20, 40))))
            if fate < 0.5:
                passed = now - datetime.timedelta(days=rng.randint(0, 500))
                completions.append(Completion(learner=learner, course=version.course, version=version, language="en",
                                              passed_at=passed,
                                              expires_on=timezone.localdate(passed) + datetime.timedelta(days=365)))
            for lesson in rng.sample(lessons, rng.randint(0, len(lessons))):
                reads.append(LessonRead(learner=learner, lesson=lesson))
            for number in range(1, ATTEMPTS_PER_LEARNER + 1):
                attempts.append(Attempt(learner=learner, quiz=rng.choice(lessons).quiz, number=number, language="en",
                                        submitted_at=now, score=rng.choice([0, 50, 100]), passed=rng.random() < 0.6))
        Assignment.objects.bulk_create(assignments, batch_size=5000)
        Completion.objects.bulk_create(completions, batch_size=5000)
        LessonRead.objects.bulk_create(reads, batch_size=5000)
        Attempt.objects.bulk_create(attempts, batch_size=5000)
    # bulk_create sends no signals: derive the dashboard's read model from the facts, as the nightly job does.
    from steward.training import progress

    progress.rebuild()


def _measure(client: Any, variants: list[tuple[str, dict[str, str]]]) -> dict[str, tuple[float, float, int]]:
    from django.db import connection

    figures = {}
    for name, params in variants:
        for _ in range(2):
            response = client.get("/staff/training/", params)
            assert response.status_code == 200, (name, response.status_code, response.get("Location"))
        queries: list[str] = []
        with connection.execute_wrapper(_counting(queries)):
            client.get("/staff/training/", params)
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            response = client.get("/staff/training/", params)
            timings.append((time.perf_counter() - began) * 1000)
        figures[name] = (percentile(timings, 50), percentile(timings, 95), len(queries))
    return figures


def run() -> dict[str, Any]:
    """Needs Django set up against an empty, migrated PostgreSQL database."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from steward.core.roles import Role
    from steward.training.models import Attempt, Learner

    heading(f"Training dashboard: GET /staff/training/ with {FULL_LEARNERS:,} learners and "
            f"{FULL_LEARNERS * ATTEMPTS_PER_LEARNER:,} attempts vs {BASELINE_LEARNERS:,} (PostgreSQL, in-process)")
    rng = random.Random(7)
    versions = [_course(f"bench-course-{number}") for number in range(3)]
    for version in versions:
        version.bench_lessons = list(version.lessons.select_related("quiz"))
    coordinator = User.objects.create_user("bench-coordinator", is_staff=True, first_name="Coordinator")
    coordinator.groups.add(Group.objects.get_or_create(name=Role.TRAINER)[0])
    client = _signed_in(coordinator)
    variants = [("all courses", {}), ("one course", {"course": str(versions[0].course_id)}), ("one team", {"team": TEAMS[3]})]

    _add_learners(BASELINE_LEARNERS, 0, versions, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    baseline = _measure(client, variants)

    began = time.perf_counter()
    _add_learners(FULL_LEARNERS - BASELINE_LEARNERS, BASELINE_LEARNERS, versions, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    row("learners and attempts created", f"{Learner.objects.count():,} learners, {Attempt.objects.count():,} attempts "
                                         f"in {time.perf_counter() - began:.0f} s (bulk, read model included)")
    from steward.training import progress

    began = time.perf_counter()
    kept = progress.rebuild()
    row("nightly rebuild of the read model", f"{kept:,} rows in {time.perf_counter() - began:.1f} s")
    full = _measure(client, variants)

    print(f"  {'variant':<12} {'1k p50':>8} {'1k p95':>8} {'50k p50':>9} {'50k p95':>9} {'p95 ratio':>9}"
          f" {'queries 1k/50k':>15}  target p95<{TARGET_P95_MS:.0f}ms")
    worst, queries_equal = 0.0, True
    for name, _params in variants:
        b50, b95, bq = baseline[name]
        f50, f95, fq = full[name]
        worst = max(worst, f95)
        queries_equal &= bq == fq
        print(f"  {name:<12} {b50:8.1f} {b95:8.1f} {f50:9.1f} {f95:9.1f} {f95 / b95:9.2f} {f'{bq} / {fq}':>15}"
              f"  {'ok' if f95 < TARGET_P95_MS else 'SLOW'}")
    row("slowest p95 with 50k learners", f"{worst:.1f} ms (target < {TARGET_P95_MS:.0f} ms: "
                                         f"{'met' if worst < TARGET_P95_MS else 'NOT met'})")
    row("query count independent of learners", "yes" if queries_equal else "NO")
    return {"worst_p95": worst, "queries_equal": queries_equal}
