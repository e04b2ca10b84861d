"""The timed work on assignments: the assignment email, the reminder before the due date, the
escalation to the manager when overdue, the expiry reminder, a new assignment when a completion
expired, recertification after a new major version. Every job run twice sends one email."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from steward.core.models import OutboxMessage
from steward.staff.models import Profile
from steward.training import assignments
from steward.training.models import Assignment, Completion, CourseVersion
from tests.conftest import deliver_outbox, make_staff

from .conftest import make_learner, publish_course

DAY = datetime.timedelta(days=1)


@pytest.fixture
def course(db):
    return publish_course().course


@pytest.fixture
def boss(db):
    return make_staff("mona", mfa=False, email="mona@example.org")


@pytest.fixture
def assignment(course, boss, coordinator):
    member = make_staff("cara", mfa=False, email="cara@example.org")
    Profile.objects.create(user=member, job_title="Community Manager", manager=boss)
    return assignments.assign_by_hand(assignments.learner_for(member), course, by=coordinator,
                                      due_on=timezone.localdate() + 20 * DAY)


def emails_to(address: str) -> list[mail.EmailMessage]:
    deliver_outbox()
    return [m for m in mail.outbox if address in m.to]


def test_the_assignment_email_names_the_course_and_due_date(assignment):
    (email,) = emails_to("cara@example.org")
    assert "First aid for enforcement" in email.subject
    assert assignment.due_on.isoformat() in email.body and "/learn/" in email.body


def test_a_contributor_is_told_how_to_sign_in(course, coordinator):
    learner = make_learner("lin", email="lin@example.org")
    assignments.assign_by_hand(learner, course, by=coordinator, due_on=timezone.localdate() + 5 * DAY)
    (email,) = emails_to("lin@example.org")
    assert "/learn/sign-in/" in email.body


def test_reminder_the_configured_days_before_due_once(assignment, settings):
    settings.STEWARD_TRAINING_REMIND_DAYS = 7
    due = assignment.due_on
    assert assignments.remind_due(due - 8 * DAY) == 0
    assert assignments.remind_due(due - 7 * DAY) == 1
    assert assignments.remind_due(due - 7 * DAY) == 0  # run twice
    assert assignments.remind_due(due - 3 * DAY) == 0
    reminders = [m for m in emails_to("cara@example.org") if "Reminder" in m.subject]
    assert len(reminders) == 1


def test_no_reminder_once_passed(assignment, settings):
    Assignment.objects.filter(pk=assignment.pk).update(completed_at=timezone.now())
    assert assignments.remind_due(assignment.due_on - DAY) == 0


def test_overdue_escalates_to_the_manager_once(assignment):
    due = assignment.due_on
    assert assignments.escalate_overdue(due) == 0  # due today: not late yet
    assert assignments.escalate_overdue(due + DAY) == 1
    assert assignments.escalate_overdue(due + 2 * DAY) == 0  # run again: once
    (email,) = emails_to("mona@example.org")
    assert "overdue" in email.subject and "Cara" in email.body
    assert OutboxMessage.objects.filter(kind="training.overdue").count() == 1


def test_overdue_without_a_manager_sends_nothing(course, coordinator):
    learner = make_learner("lin", email="lin@example.org")
    made = assignments.assign_by_hand(learner, course, by=coordinator, due_on=timezone.localdate())
    assert assignments.escalate_overdue(made.due_on + DAY) == 1
    assert not OutboxMessage.objects.filter(kind="training.overdue").exists()


def _passed(learner, version, *, expires_on):
    return Completion.objects.create(learner=learner, course=version.course, version=version, language="en",
                                     expires_on=expires_on)


def test_expiry_reminder_before_and_a_new_assignment_after(course, settings):
    settings.STEWARD_TRAINING_EXPIRY_REMINDER_DAYS = 30
    learner = make_learner("lin", email="lin@example.org")
    ends = timezone.localdate() + 60 * DAY
    completion = _passed(learner, course.versions.get(), expires_on=ends)
    assert assignments.remind_expiring(ends - 31 * DAY) == 0
    assert assignments.remind_expiring(ends - 30 * DAY) == 1
    assert assignments.remind_expiring(ends - 29 * DAY) == 0
    (email,) = emails_to("lin@example.org")
    assert ends.isoformat() in email.subject
    assert assignments.renew_expired(ends - DAY) == 0
    assert assignments.renew_expired(ends) == 1
    assert assignments.renew_expired(ends + DAY) == 0  # run twice: one assignment
    renewed = Assignment.objects.get(learner=learner)
    assert renewed.source == Assignment.Source.RECERTIFICATION
    assert renewed.due_on == ends + settings.STEWARD_TRAINING_RENEWAL_DUE_DAYS * DAY
    # Passing again: the new completion counts, nothing more is assigned when it is done.
    Assignment.objects.filter(pk=renewed.pk).update(completed_at=timezone.now())
    _passed(learner, course.versions.get(), expires_on=ends + 365 * DAY)
    assert assignments.renew_expired(ends + 2 * DAY) == 0
    assert completion.pk  # the old completion is kept


def test_a_completion_that_never_expires_is_left_alone(course):
    learner = make_learner("lin")
    _passed(learner, course.versions.get(), expires_on=None)
    assert assignments.remind_expiring() == 0 and assignments.renew_expired() == 0


def test_a_new_major_version_requiring_recertification_assigns_again(course, coordinator):
    old = course.versions.get()
    current = make_learner("cur", email="cur@example.org")
    outdated = make_learner("old", email="old@example.org")
    far = timezone.localdate() + 300 * DAY
    _passed(outdated, old, expires_on=far)
    assert assignments.recertify() == 0  # no version requires it yet
    new = CourseVersion.objects.create(course=course, major=2, minor=0, title="First aid, second edition",
                                       status=CourseVersion.Status.PUBLISHED, requires_recertification=True,
                                       published_at=timezone.now())
    _passed(current, new, expires_on=far)
    assert assignments.recertify() == 1
    assert assignments.recertify() == 0  # run twice
    assert Assignment.objects.get().learner == outdated
    # An outdated completion no longer counts for the rules either.
    assert outdated.user_id not in {c.learner.user_id for c in assignments.valid_completions(course, timezone.localdate())}


def test_a_minor_version_or_one_without_recertification_assigns_nothing(course):
    learner = make_learner("old")
    _passed(learner, course.versions.get(), expires_on=None)
    CourseVersion.objects.create(course=course, major=2, minor=0, title="Second", status="published",
                                 requires_recertification=False)
    assert assignments.recertify() == 0


def test_the_hourly_job_runs_every_step_and_twice_sends_nothing_more(assignment, course):
    first = assignments.run(assignment.due_on + DAY)
    assert first["escalated"] == 1
    count = OutboxMessage.objects.count()
    second = assignments.run(assignment.due_on + DAY)
    assert set(second.values()) == {0}
    assert OutboxMessage.objects.count() == count


def test_the_job_is_registered():
    from steward.core import scheduler

    assert "training.assignments" in {job.name for job in scheduler.jobs()}
