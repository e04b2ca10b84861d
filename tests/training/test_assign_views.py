"""The coordinators' pages: rules (list, create, edit, deactivate), learners, adding a contributor,
assigning by hand; refusals for other staff and for a contributor learner's session."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from steward.core.roles import Role
from steward.training import assignments
from steward.training.models import Assignment, AssignmentRule, Learner
from tests.conftest import login, make_staff

from .conftest import make_learner, publish_course


@pytest.fixture(autouse=True)
def _navigation_of_pages_on_this_branch(monkeypatch):
    """The navigation names the training dashboard, which another part of the training app adds:
    until it is here, the staff pages' navigation leaves out the names that do not resolve."""
    from django.urls import NoReverseMatch, reverse

    from steward.core import navigation

    def resolves(name: str) -> bool:
        try:
            reverse(name)
        except NoReverseMatch:
            return False
        return True

    monkeypatch.setattr(navigation, "STAFF_PAGES", [page for page in navigation.STAFF_PAGES if resolves(page.url_name)])


@pytest.fixture
def course(db):
    return publish_course().course


@pytest.fixture
def trainer(db):
    return make_staff("tess", Role.TRAINER)


def rule_post(course, **changes):
    data = {"course": course.pk, "who": "community_facing", "title_contains": "Community Manager",
            "by_events": "on", "due_days": "30", "active": "on"}
    data.update(changes)
    return data


def test_a_coordinator_creates_edits_and_deactivates_a_rule(course, trainer):
    client = login(trainer)
    assert client.get("/staff/training/rules/").status_code == 200
    page = client.get("/staff/training/rules/new/")
    assert page.status_code == 200 and b"Community Manager" in page.content
    response = client.post("/staff/training/rules/new/", rule_post(course))
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.created_by == trainer and rule.by_events and not rule.by_social_media
    response = client.post(f"/staff/training/rules/{rule.pk}/", rule_post(course, due_days="14"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.due_days == 14
    listing = client.get("/staff/training/rules/")
    assert b"14 days" in listing.content
    assert client.post(f"/staff/training/rules/{rule.pk}/deactivate/").status_code == 302
    rule.refresh_from_db()
    assert not rule.active


def test_bad_rule_input_is_named_and_changes_nothing(course, trainer):
    client = login(trainer)
    response = client.post("/staff/training/rules/new/", rule_post(course, title_contains="", by_events=""))
    assert response.status_code == 400
    assert b"selects nobody" in response.content
    response = client.post("/staff/training/rules/new/", rule_post(course, due_days="0"))
    assert response.status_code == 400
    assert not AssignmentRule.objects.exists()


def test_a_coordinator_adds_a_contributor_and_assigns_a_course(course, trainer):
    client = login(trainer)
    response = client.post("/staff/training/learners/new/", {
        "name": "Lin", "email": "lin@example.org", "team": "docs", "leadership_role": "", "language": "fr"})
    assert response.status_code == 302
    learner = Learner.objects.get(user__email="lin@example.org")
    assert not learner.user.is_staff
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(f"/staff/training/learners/{learner.pk}/assign/", {"course": course.pk, "due_on": due})
    assert response.status_code == 302
    assert Assignment.objects.get().source == Assignment.Source.MANUAL
    again = client.post(f"/staff/training/learners/{learner.pk}/assign/", {"course": course.pk, "due_on": due})
    assert again.status_code == 400 and b"already has this course" in again.content
    past = client.post(f"/staff/training/learners/{learner.pk}/assign/", {"course": course.pk, "due_on": "2020-01-01"})
    assert past.status_code == 400
    assert Assignment.objects.count() == 1
    listing = client.get("/staff/training/learners/")
    assert listing.status_code == 200 and b"lin@example.org" in listing.content


def test_a_taken_address_is_refused(course, trainer):
    make_learner("lin", email="lin@example.org")
    response = login(trainer).post("/staff/training/learners/new/", {
        "name": "Lin", "email": "LIN@example.org", "language": "en"})
    assert response.status_code == 400 and b"Another account" in response.content
    assert User.objects.filter(email__iexact="lin@example.org").count() == 1


PAGES = ["/staff/training/rules/", "/staff/training/rules/new/", "/staff/training/learners/",
         "/staff/training/learners/new/"]


@pytest.mark.parametrize("role", [Role.SCREENER, Role.TRIAGER, Role.AUDITOR])
def test_other_staff_are_denied(course, role):
    client = login(make_staff("sid", role))
    learner = make_learner("lin")
    rule, _ = assignments.create_rule(assignments.RuleInput(course=course, who="contributor_leaders"),
                                      by=make_staff("tess", Role.TRAINER))
    for path in [*PAGES, f"/staff/training/rules/{rule.pk}/", f"/staff/training/learners/{learner.pk}/assign/"]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"/staff/training/rules/{rule.pk}/deactivate/").status_code == 403
    assert client.post("/staff/training/rules/new/", rule_post(course)).status_code == 403
    rule.refresh_from_db()
    assert rule.active and AssignmentRule.objects.count() == 1


def test_a_contributor_learner_session_reaches_no_coordinator_page(course):
    learner = make_learner("lin")
    client = Client()
    client.force_login(learner.user)
    for path in PAGES:
        assert client.get(path).status_code in {403, 404}, path
    assert client.post("/staff/training/rules/new/", rule_post(course)).status_code in {403, 404}
    assert not AssignmentRule.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/staff/training/rules/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
