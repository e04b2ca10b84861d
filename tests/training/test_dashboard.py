"""The completion dashboard: standings decided in SQL, counted by team and role; the CSV; the survey's
results; who may see them (coordinators and auditors; not screeners, not learners)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from steward.core import access, crypto
from steward.core.models import AuditEntry, DataKey
from steward.core.roles import Role
from steward.staff.models import Profile
from steward.training import dashboard
from steward.training.models import Assignment, Attempt, Completion, CourseVersion, Learner, LessonRead, SurveyResponse
from tests.conftest import login, make_staff

from .conftest import make_learner, publish_course

TODAY = datetime.date(2026, 12, 2)


def _assign(learner: Learner, version: CourseVersion, *, due: datetime.date) -> Assignment:
    return Assignment.objects.create(learner=learner, course=version.course, source=Assignment.Source.MANUAL, due_on=due)


def _complete(learner: Learner, version: CourseVersion, *, days_ago: int, valid_days: int | None = 365) -> Completion:
    passed = timezone.now() - datetime.timedelta(days=days_ago)
    expires = (timezone.localdate(passed) + datetime.timedelta(days=valid_days)) if valid_days else None
    return Completion.objects.create(learner=learner, course=version.course, version=version, language="en",
                                     passed_at=passed, expires_on=expires)


def _world(version: CourseVersion) -> dict[str, Learner]:
    """One learner in each standing, and one with nothing to do with the course."""
    quiz = version.lessons.get(key="next-steps").quiz
    people = {name: make_learner(name, team="Docs" if name in ("paula", "ivan") else "Events",
                                 leadership_role="Module owner" if name == "paula" else "")
              for name in ("alma", "ivan", "paula", "otto", "erin", "nobody")}
    _assign(people["alma"], version, due=TODAY + datetime.timedelta(days=10))  # assigned
    _assign(people["ivan"], version, due=TODAY + datetime.timedelta(days=10))  # in progress
    LessonRead.objects.create(learner=people["ivan"], lesson=version.lessons.get(key="listen"))
    _complete(people["paula"], version, days_ago=30)  # passed
    _assign(people["otto"], version, due=TODAY - datetime.timedelta(days=1))  # overdue, even though begun
    Attempt.objects.create(learner=people["otto"], quiz=quiz, number=1, language="en")
    _complete(people["erin"], version, days_ago=400)  # expired
    return people


@pytest.mark.django_db
def test_each_learner_has_one_standing(course_version: CourseVersion) -> None:
    people = _world(course_version)
    found = dict(dashboard.standings(course_version.course, TODAY).values_list("learner__user__username", "standing"))
    assert found == {"alma": "assigned", "ivan": "in_progress", "paula": "passed", "otto": "overdue", "erin": "expired"}
    assert "nobody" not in found and people["nobody"].pk


@pytest.mark.django_db
def test_counts_by_team_and_role_and_filters(course_version: CourseVersion) -> None:
    _world(course_version)
    coordinator = make_staff("tess", Role.TRAINER)
    Profile.objects.create(user=coordinator, team="Community", job_title="Community Manager")
    staff_learner = Learner.objects.create(user=coordinator, kind=Learner.Kind.STAFF, team="ignored: the profile wins")
    _assign(staff_learner, course_version, due=TODAY + datetime.timedelta(days=3))
    board = dashboard.build(by=coordinator, today=TODAY)
    row = board.courses[0]
    assert row.counts.by_standing == {"assigned": 2, "in_progress": 1, "passed": 1, "overdue": 1, "expired": 1}
    assert {c.label: c.total for c in row.by_team} == {"Community": 1, "Docs": 2, "Events": 3}
    assert {c.label: c.total for c in row.by_role} == {"Community Manager": 1, "Contributor": 4, "Module owner": 1}
    docs = dashboard.build(by=coordinator, filters=dashboard.Filters(team="Docs"), today=TODAY).courses[0]
    assert docs.counts.by_standing == {"assigned": 0, "in_progress": 1, "passed": 1, "overdue": 0, "expired": 0}
    assert set(board.teams) == {"Community", "Docs", "Events"}
    assert AuditEntry.objects.filter(action="training.dashboard_view").count() == 2


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_for_more_learners(course_version: CourseVersion) -> None:
    publish_course(dict(slug="second", title="Second", lessons=[{"key": "one", "title": "One", "body": "Text"}]))
    coordinator = make_staff("tess", Role.TRAINER)
    client = login(coordinator)
    _world(course_version)
    client.get("/staff/training/")  # the first request of a session reads the session's roles once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/training/").status_code == 200
    for number in range(40):
        learner = make_learner(f"extra{number}", team=f"Team {number % 7}", leadership_role=f"Role {number % 5}")
        _assign(learner, course_version, due=TODAY)
        _complete(learner, course_version, days_ago=number)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/staff/training/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_page_shows_counts_and_the_survey_result(course_version: CourseVersion) -> None:
    people = _world(course_version)
    key = crypto.shared_key(DataKey.Purpose.TRAINING)
    for number, name in enumerate(("alma", "ivan", "paula", "otto")):
        response = SurveyResponse(learner=people[name], version=course_version, understood=number < 3, worth_time=True,
                                  data_key=key)
        response.save()
    coordinator = make_staff("tess", Role.TRAINER)
    page = login(coordinator).get("/staff/training/").content.decode()
    assert "First aid for enforcement" in page
    assert "75% of 4 learners understood how it applies to their role" in page
    assert "100% found it worth their time" in page


@pytest.mark.django_db
def test_the_csv_has_every_learner_and_no_formula(course_version: CourseVersion) -> None:
    people = _world(course_version)
    people["alma"].team = "=HYPERLINK(\"http://evil.example\",\"x\")"
    people["alma"].save()
    coordinator = make_staff("tess", Role.TRAINER)
    response = login(coordinator).get("/staff/training/completions.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == dashboard.EXPORT_HEADER
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Alma", "Ivan", "Paula", "Otto", "Erin"} or set(by_name) == {"alma", "ivan", "paula", "otto", "erin"}
    alma = by_name.get("alma") or by_name["Alma"]
    assert alma[3].startswith("'=")
    assert AuditEntry.objects.filter(action="training.dashboard_export", actor=coordinator).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SCREENER, Role.CASE_HANDLER, Role.TRIAGER])
def test_other_staff_may_not_see_the_dashboard(course_version: CourseVersion, role: str) -> None:
    client = login(make_staff("sam", role))
    assert client.get("/staff/training/").status_code == 403
    assert client.get("/staff/training/completions.csv").status_code == 403
    with pytest.raises(access.Denied):
        dashboard.build(by=make_staff("sal", role))


@pytest.mark.django_db
def test_an_auditor_sees_the_dashboard(course_version: CourseVersion) -> None:
    assert login(make_staff("audrey", Role.AUDITOR)).get("/staff/training/").status_code == 200


@pytest.mark.django_db
def test_a_learner_without_staff_access_may_not_see_the_dashboard(course_version: CourseVersion) -> None:
    from django.test import Client

    learner = make_learner("cora")
    client = Client()
    client.force_login(learner.user)
    assert client.get("/staff/training/").status_code in (302, 403, 404)
    assert client.get("/staff/training/completions.csv").status_code in (302, 403, 404)


@pytest.mark.django_db
def test_only_owners_read_the_survey_comments(course_version: CourseVersion) -> None:
    learner = make_learner("cora")
    response = SurveyResponse(learner=learner, version=course_version, understood=True, worth_time=False,
                              data_key=crypto.shared_key(DataKey.Purpose.TRAINING))
    response.comment = "The triage lesson helped me a lot."
    response.save()
    assert b"triage lesson" not in bytes(SurveyResponse.objects.get().comment_sealed)
    coordinator = make_staff("tess", Role.TRAINER)
    owner = make_staff("olga", Role.TRIAGER)
    course_version.course.owners.add(owner)
    url = f"/staff/training/courses/{course_version.course_id}/survey/comments/"
    assert login(coordinator).get(url).status_code == 404  # coordinators see counts, not the words
    for other in (make_staff("sam", Role.ADMINISTRATOR), make_staff("aud", Role.AUDITOR)):
        assert login(other).get(url).status_code == 404, other  # nor administrators or auditors
    learner_client = Client()
    learner_client.force_login(learner.user)
    assert learner_client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="training.survey_comments_read").exists()
    page = login(owner).get(url)
    assert page.status_code == 200 and "The triage lesson helped me a lot." in page.content.decode()
    assert AuditEntry.objects.filter(action="training.survey_comments_read", actor=owner).count() == 1
    assert "triage lesson" not in login(coordinator).get("/staff/training/").content.decode()


@pytest.mark.django_db
def test_the_read_model_follows_the_facts_and_a_rebuild_agrees(course_version: CourseVersion) -> None:
    from steward.training import progress
    from steward.training.models import Progress

    people = _world(course_version)
    kept = {(row.learner_id, row.due_on, row.begun, row.completed, row.counts_until) for row in Progress.objects.all()}
    assert progress.rebuild() == 5
    assert {(row.learner_id, row.due_on, row.begun, row.completed, row.counts_until)
            for row in Progress.objects.all()} == kept
    Assignment.objects.get(learner=people["alma"]).delete()
    assert not Progress.objects.filter(learner=people["alma"]).exists()
    assignment = Assignment.objects.get(learner=people["otto"])
    assignment.completed_at = timezone.now()
    assignment.save()
    assert Progress.objects.get(learner=people["otto"]).due_on is None  # still begun: in progress


@pytest.mark.django_db
def test_a_changed_profile_or_team_moves_the_learner_on_the_dashboard(course_version: CourseVersion) -> None:
    from steward.training.models import Progress

    coordinator = make_staff("tess", Role.TRAINER)
    staff_learner = Learner.objects.create(user=coordinator, kind=Learner.Kind.STAFF)
    _assign(staff_learner, course_version, due=TODAY + datetime.timedelta(days=3))
    assert (Progress.objects.get().team, Progress.objects.get().role) == ("", "")
    profile = Profile.objects.create(user=coordinator, team="Community", job_title="Community Manager")
    assert (Progress.objects.get().team, Progress.objects.get().role) == ("Community", "Community Manager")
    profile.delete()
    staff_learner.team = "Docs"
    staff_learner.save()
    assert (Progress.objects.get().team, Progress.objects.get().role, Progress.objects.get().kind) == ("Docs", "", "staff")


@pytest.mark.django_db
def test_a_pass_that_expired_reads_expired_not_in_progress(course_version: CourseVersion) -> None:
    from steward.training import progress

    learner = make_learner("rosa")
    LessonRead.objects.create(learner=learner, lesson=course_version.lessons.get(key="listen"),
                              at=timezone.now() - datetime.timedelta(days=401))
    _complete(learner, course_version, days_ago=400)
    assert dict(dashboard.standings(course_version.course, TODAY).values_list("learner_id", "standing")) == {
        learner.pk: "expired"}
    progress.rebuild()
    assert dict(dashboard.standings(course_version.course, TODAY).values_list("learner_id", "standing")) == {
        learner.pk: "expired"}
