"""The onboarding course as the second step of a return: opening the return assigns it to the
returning person (a contributor learner at their email, due by the ban's end), the invitation
says so, `CoursePassed` with the return's id records the step, and `onboarding_done` (so the
reinstatement) waits for both the acknowledgement and the course."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from steward.cases.models import Case, TimelineEvent
from steward.core import events
from steward.decisions import returns
from steward.decisions.models import Return
from steward.training.events import CoursePassed
from steward.training.models import Assignment, Completion, Learner
from tests.conftest import deliver_outbox
from tests.training.conftest import publish_course

from .helpers import decide
from .test_returns_return import with_email

DAY = datetime.timedelta(days=1)


@pytest.fixture
def onboarding(db):
    course = publish_course().course
    course.is_onboarding = True
    course.save()
    return course


@pytest.fixture
def banned(reported_case, decision_maker):
    with_email(reported_case)
    decision = decide(reported_case, decision_maker, "temporary_ban", days=30)
    Case.objects.filter(pk=reported_case.pk).update(assignee=decision_maker)
    return decision


def open_return(decision) -> Return:
    returns.open_returns(decision.ends_on - 7 * DAY)
    return Return.objects.get(decision=decision)


def pass_course(assignment: Assignment) -> None:
    """What training does when the learner passes (learning.py): a completion, the assignment done, the event."""
    with transaction.atomic():
        completion = Completion.objects.create(learner=assignment.learner, course=assignment.course,
                                               version=assignment.course.versions.get(), language="en")
        Assignment.objects.filter(pk=assignment.pk).update(completed_at=timezone.now(), completion=completion)
        events.publish(CoursePassed(completion=completion.pk, learner=assignment.learner_id,
                                    user=assignment.learner.user_id, course=assignment.course_id,
                                    version=completion.version_id, return_id=assignment.return_id))


def test_opening_the_return_assigns_the_onboarding_course_due_by_the_ban_end(banned, onboarding):
    invitation = open_return(banned)
    assignment = Assignment.objects.get()
    assert invitation.course_assigned_at is not None
    assert (assignment.course, assignment.source, assignment.return_id, assignment.due_on) == (
        onboarding, Assignment.Source.ONBOARDING, invitation.pk, banned.ends_on)
    learner = assignment.learner
    assert learner.kind == Learner.Kind.CONTRIBUTOR and learner.user.email == "mallory@example.org"
    assert not learner.user.is_staff and not learner.user.has_usable_password()
    deliver_outbox()
    to_person = [m for m in mail.outbox if m.to == ["mallory@example.org"]]
    invitation_email = next(m for m in to_person if "/l/return/" in m.body)
    assert "onboarding course" in invitation_email.body
    course_email = next(m for m in to_person if "/learn/sign-in/" in m.body)
    assert "Before you return" in course_email.body
    assert returns.run_daily(banned.ends_on - 6 * DAY)["invited"] == 0
    assert Assignment.objects.count() == 1  # once


def test_the_return_waits_for_the_course_as_well(banned, onboarding):
    invitation = open_return(banned)
    Return.objects.filter(pk=invitation.pk).update(acknowledged_at=timezone.now(), acknowledged_version="1.0")
    invitation.refresh_from_db()
    assert not invitation.onboarding_done
    returns.end_due_bans(banned.ends_on + DAY)
    invitation.refresh_from_db()
    assert invitation.ended_at is not None and invitation.reinstated_at is None
    pass_course(Assignment.objects.get())
    invitation.refresh_from_db()
    assert invitation.course_done_at is not None and invitation.onboarding_done
    assert invitation.reinstated_at is not None  # the ban had ended: reinstated now
    assert TimelineEvent.objects.filter(case=banned.case, kind="onboarding_course_passed").exists()
    with transaction.atomic():  # the same event again changes nothing
        returns.course_passed(CoursePassed(completion=0, learner=0, user=0, course=0, version=0,
                                           return_id=invitation.pk))
    assert TimelineEvent.objects.filter(case=banned.case, kind="onboarding_course_passed").count() == 1


def test_a_course_passed_without_a_return_changes_no_return(banned, onboarding):
    invitation = open_return(banned)
    assignment = Assignment.objects.get()
    Assignment.objects.filter(pk=assignment.pk).update(return_id=None)
    assignment.refresh_from_db()
    pass_course(assignment)
    invitation.refresh_from_db()
    assert invitation.course_done_at is None


def test_without_an_onboarding_course_only_the_guidelines_count(banned):
    invitation = open_return(banned)
    assert invitation.course_assigned_at is None and not Assignment.objects.exists()
    Return.objects.filter(pk=invitation.pk).update(acknowledged_at=timezone.now())
    invitation.refresh_from_db()
    assert invitation.onboarding_done


def test_an_existing_learner_at_that_address_is_used(banned, onboarding):
    from tests.training.conftest import make_learner

    known = make_learner("mal", email="Mallory@example.org")
    open_return(banned)
    assert Assignment.objects.get().learner == known
