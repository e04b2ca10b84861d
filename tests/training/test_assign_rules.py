"""Role rules: who each kind selects, evaluation (newly selected only, no duplicates, a learner
made for staff), evaluation at once when a rule, a profile or a contributor is saved, and refusals."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.staff import services as staff
from steward.staff.models import Profile
from steward.training import assignments
from steward.training.assign_messages import CourseAssigned
from steward.training.models import Assignment, AssignmentRule, Completion, Learner
from tests.conftest import make_staff, queued

from .conftest import make_learner, publish_course

Who = AssignmentRule.Who


@pytest.fixture
def course(db):
    return publish_course().course


def staff_with(username: str, **profile: object) -> User:
    user = make_staff(username, mfa=False)
    Profile.objects.create(user=user, **profile)
    return user


def rule_input(course, who=Who.COMMUNITY_FACING, **changes) -> assignments.RuleInput:
    fields = {"title_contains": "Community Manager", "by_code_and_chat": True, "by_events": True,
              "by_social_media": True, "due_days": 30}
    fields.update(changes)
    return assignments.RuleInput(course=course, who=who, **fields)


def assigned_users(course) -> set[str]:
    return set(Assignment.objects.filter(course=course).values_list("learner__user__username", flat=True))


def test_community_facing_by_title_phrase_any_case_or_by_a_ticked_flag(course, coordinator):
    staff_with("cara", job_title="Senior community manager, Europe")
    staff_with("evan", works_at_events=True)
    staff_with("sofi", writes_for_social_media=True)
    staff_with("coda", works_on_code_and_chat=True)
    staff_with("pat", job_title="Payroll")
    gone = staff_with("olga", job_title="Community Manager")
    gone.is_active = False
    gone.save()
    rule, made = assignments.create_rule(rule_input(course, by_social_media=False), by=coordinator)
    assert made == 3
    assert assigned_users(course) == {"cara", "evan", "coda"}
    # Staff got a staff Learner made for them; the due date is the rule's.
    learner = Learner.objects.get(user__username="cara")
    assert learner.kind == Learner.Kind.STAFF
    assignment = Assignment.objects.get(learner=learner)
    assert assignment.source == Assignment.Source.RULE and assignment.rule == rule
    assert assignment.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert len(queued(CourseAssigned)) == 3


def test_several_phrases_one_per_line(course, coordinator):
    staff_with("dev", job_title="Developer Advocate")
    staff_with("cara", job_title="Community Manager")
    assignments.create_rule(rule_input(course, title_contains="community manager\n\n  developer advocate ",
                                       by_code_and_chat=False, by_events=False, by_social_media=False), by=coordinator)
    assert assigned_users(course) == {"dev", "cara"}
    assert AssignmentRule.objects.get().title_contains == "community manager\ndeveloper advocate"


def test_managers_of_the_matched_staff(course, coordinator):
    boss = staff_with("mona")
    other_boss = staff_with("otto")
    staff_with("cara", job_title="Community Manager", manager=boss)
    staff_with("pat", job_title="Payroll", manager=other_boss)
    assignments.create_rule(rule_input(course, who=Who.MANAGERS), by=coordinator)
    assert assigned_users(course) == {"mona"}


def test_contributors_in_leadership_roles(course, coordinator):
    make_learner("lead", leadership_role="Maintainer")
    make_learner("plain")
    assignments.create_rule(rule_input(course, who=Who.CONTRIBUTOR_LEADERS), by=coordinator)
    assert assigned_users(course) == {"lead"}


def test_evaluating_again_assigns_only_the_newly_selected(course, coordinator):
    staff_with("cara", job_title="Community Manager")
    assignments.create_rule(rule_input(course), by=coordinator)
    assert assignments.evaluate() == 0  # run twice: nothing new
    staff_with("cleo", job_title="Community Manager")
    assert assignments.evaluate() == 1
    assert Assignment.objects.count() == 2
    assert len(queued(CourseAssigned)) == 2


def test_a_valid_completion_means_no_assignment_an_expired_one_does_not(course, coordinator):
    cara = staff_with("cara", job_title="Community Manager")
    cleo = staff_with("cleo", job_title="Community Manager")
    version = course.versions.get()
    today = timezone.localdate()
    Completion.objects.create(learner=assignments.learner_for(cara), course=course, version=version, language="en",
                              expires_on=today + datetime.timedelta(days=10))
    Completion.objects.create(learner=assignments.learner_for(cleo), course=course, version=version, language="en",
                              expires_on=today)
    assignments.create_rule(rule_input(course), by=coordinator)
    assert assigned_users(course) == {"cleo"}


def test_saving_a_profile_evaluates_at_once(course, coordinator, administrator):
    assignments.create_rule(rule_input(course), by=coordinator)
    assignments.create_rule(rule_input(course, who=Who.MANAGERS), by=coordinator)
    boss = make_staff("mona", mfa=False)
    member = make_staff("cara", mfa=False)
    assert Assignment.objects.count() == 0
    staff.update_profile(member, by=administrator, job_title="Community Manager", manager=boss)
    assert assigned_users(course) == {"cara", "mona"}
    assert AuditEntry.objects.filter(action="staff.profile_changed", object_id=str(member.pk)).exists()


def test_adding_a_leading_contributor_evaluates_at_once(course, coordinator):
    assignments.create_rule(rule_input(course, who=Who.CONTRIBUTOR_LEADERS), by=coordinator)
    learner = assignments.add_contributor(assignments.ContributorInput(
        name="Lin", email="Lin@Example.org", team="docs", leadership_role="Release manager", language="de"),
        by=coordinator)
    user = learner.user
    assert (user.is_staff, user.has_usable_password(), user.groups.count(), user.email) == (
        False, False, 0, "lin@example.org")
    assert learner.kind == Learner.Kind.CONTRIBUTOR and learner.language == "de"
    assert Assignment.objects.get().learner == learner


def test_editing_a_rule_evaluates_and_deactivating_keeps_what_it_assigned(course, coordinator):
    staff_with("evan", works_at_events=True)
    rule, made = assignments.create_rule(rule_input(course, by_events=False), by=coordinator)
    assert made == 0
    rule, made = assignments.update_rule(rule, rule_input(course), by=coordinator)
    assert made == 1
    assignments.deactivate_rule(rule, by=coordinator)
    staff_with("eve", works_at_events=True)
    assert assignments.evaluate() == 0  # an inactive rule selects nobody
    assert Assignment.objects.filter(completed_at=None, cancelled_at=None).count() == 1
    with pytest.raises(assignments.AssignmentError):
        assignments.deactivate_rule(rule, by=coordinator)
    assert set(AuditEntry.objects.filter(object_type="assignmentrule").values_list("action", flat=True)) == {
        "training.rule_created", "training.rule_changed", "training.rule_deactivated"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"due_days": 0}, "due_days"),
    ({"title_contains": " ", "by_code_and_chat": False, "by_events": False, "by_social_media": False}, "title_contains"),
    ({"who": "everyone"}, "who"),
])
def test_a_bad_rule_is_refused_and_changes_nothing(course, coordinator, changes, field):
    with pytest.raises(assignments.AssignmentError) as refused:
        assignments.create_rule(rule_input(course, **changes), by=coordinator)
    assert refused.value.field == field
    assert not AssignmentRule.objects.exists()


def test_a_course_without_a_published_version_cannot_have_a_rule(course, coordinator):
    course.versions.update(status="draft")
    with pytest.raises(assignments.AssignmentError) as refused:
        assignments.create_rule(rule_input(course), by=coordinator)
    assert refused.value.field == "course"


@pytest.mark.parametrize("role", [Role.SCREENER, Role.CASE_HANDLER, None])
def test_only_coordinators_and_administrators_edit_rules(course, role):
    user = make_staff("sid", *([role] if role else []), mfa=False)
    with pytest.raises(Denied):
        assignments.create_rule(rule_input(course), by=user)
    with pytest.raises(Denied):
        assignments.add_contributor(assignments.ContributorInput(name="X", email="x@example.org"), by=user)
    assert not AssignmentRule.objects.exists() and not Learner.objects.exists()


def test_a_contributor_learner_is_denied(course):
    learner = make_learner("ada")
    with pytest.raises(Denied):
        assignments.create_rule(rule_input(course), by=learner.user)


def test_administrators_edit_rules_too(course, administrator):
    rule, _ = assignments.create_rule(rule_input(course), by=administrator)
    assert rule.created_by == administrator
