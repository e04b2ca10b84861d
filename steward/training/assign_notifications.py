"""Delivery of the assignment and sign-in emails. Each handler reads what it needs when it sends
(the sign-in link is issued then, never stored) and returns False when there is nothing to send
any more (the course was passed meanwhile, the account closed)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core import events, links, outbox, scheduler
from steward.staff.events import StaffProfileChanged

from . import assignments, sign_in
from .assign_messages import CompletionExpiring, CourseAssigned, CourseDueSoon, CourseOverdue, LearnerSignInCode
from .models import Assignment, Completion, Learner
from .services import course_title


def _url(path: str) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + path


def _where_to_take(learner: Learner) -> str:
    """Staff open /learn/ signed in as staff; contributors sign in there with an emailed code."""
    if learner.kind == Learner.Kind.STAFF:
        return _("Take it here, signed in with your staff account:\n%(url)s") % {"url": _url("/learn/")}
    return _("Take it here: enter this email address to get a sign-in code, no password needed:\n%(url)s") % {
        "url": _url(reverse("learn:sign_in"))}


def _language(learner: Learner) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return learner.language if learner.language in codes else settings.LANGUAGE_CODE


def _open_assignment(pk: int) -> Assignment | None:
    assignment = Assignment.objects.select_related("learner__user", "course").filter(pk=pk).first()
    if assignment is None or assignment.completed_at or assignment.cancelled_at:
        return None
    user = assignment.learner.user
    return assignment if user.is_active and user.email else None


@outbox.handler(CourseAssigned)
def course_assigned(message: CourseAssigned, delivery: outbox.Delivery) -> bool:
    assignment = _open_assignment(message.assignment)
    if assignment is None:
        return False
    learner = assignment.learner
    with translation.override(_language(learner)):
        title = course_title(assignment.course)
        subject = _("[Steward] A course for you: %(course)s") % {"course": title}
        if assignment.source == Assignment.Source.ONBOARDING:
            intro = _("Before you return to the community, please take the course “%(course)s” by %(date)s. "
                      "Your return is complete when you have also confirmed the code of conduct.")
        else:
            intro = _("You have been asked to take the course “%(course)s” by %(date)s.")
        body = (intro % {"course": title, "date": assignment.due_on.isoformat()}) + "\n\n" + _where_to_take(learner)
    delivery.email(subject, body, [learner.user.email])
    return True


@outbox.handler(CourseDueSoon)
def course_due_soon(message: CourseDueSoon, delivery: outbox.Delivery) -> bool:
    assignment = _open_assignment(message.assignment)
    if assignment is None:
        return False
    learner = assignment.learner
    with translation.override(_language(learner)):
        title = course_title(assignment.course)
        subject = _("[Steward] Reminder: “%(course)s” is due on %(date)s") % {
            "course": title, "date": assignment.due_on.isoformat()}
        body = _("The course “%(course)s” assigned to you is due on %(date)s.") % {
            "course": title, "date": assignment.due_on.isoformat()} + "\n\n" + _where_to_take(learner)
    delivery.email(subject, body, [learner.user.email])
    return True


@outbox.handler(CourseOverdue)
def course_overdue(message: CourseOverdue, delivery: outbox.Delivery) -> bool:
    assignment = _open_assignment(message.assignment)
    manager = assignments.manager_of(assignment.learner) if assignment is not None else None
    if assignment is None or manager is None:
        return False
    person: User = assignment.learner.user
    with translation.override(settings.LANGUAGE_CODE):
        title = course_title(assignment.course)
        subject = _("[Steward] A course is overdue for %(name)s") % {"name": person.get_full_name() or person.username}
        body = _("%(name)s was asked to take the course “%(course)s” by %(date)s and has not passed it yet. "
                 "You receive this because you are their manager in Steward.") % {
            "name": person.get_full_name() or person.username, "course": title, "date": assignment.due_on.isoformat()}
    delivery.email(subject, body, [manager.email])
    return True


@outbox.handler(CompletionExpiring)
def completion_expiring(message: CompletionExpiring, delivery: outbox.Delivery) -> bool:
    completion = Completion.objects.select_related("learner__user", "course").filter(pk=message.completion).first()
    if completion is None or completion.expires_on is None:
        return False
    learner = completion.learner
    newer = Completion.objects.filter(learner=learner, course=completion.course, passed_at__gt=completion.passed_at)
    if newer.exists() or not (learner.user.is_active and learner.user.email):
        return False
    with translation.override(_language(learner)):
        title = course_title(completion.course)
        subject = _("[Steward] Your course “%(course)s” expires on %(date)s") % {
            "course": title, "date": completion.expires_on.isoformat()}
        body = _("You passed “%(course)s”; it counts until %(date)s. After that it will be assigned to you again, "
                 "or you can take it again now.") % {"course": title, "date": completion.expires_on.isoformat()}
        body += "\n\n" + _where_to_take(learner)
    delivery.email(subject, body, [learner.user.email])
    return True


@outbox.handler(LearnerSignInCode)
def sign_in_code(message: LearnerSignInCode, delivery: outbox.Delivery) -> bool:
    learner = Learner.objects.select_related("user").filter(pk=message.learner).first()
    if learner is None or learner.kind != Learner.Kind.CONTRIBUTOR:
        return False
    user = learner.user
    if not (user.is_active and not user.is_staff and user.email):
        return False
    url = links.absolute_url(sign_in.LINK_PURPOSE, links.issue(sign_in.LINK_PURPOSE, learner.pk))
    with translation.override(_language(learner)):
        subject = _("[Steward] Your sign-in code: %(code)s") % {"code": sign_in.code_for(message.challenge)}
        body = _("Your code to sign in to Steward's courses is %(code)s.\n\nOr open this link to sign in:\n%(url)s\n\n"
                 "The code and the link work once, for %(minutes)d minutes. If you did not ask for them, "
                 "you can ignore this email.") % {
            "code": sign_in.code_for(message.challenge), "url": url,
            "minutes": settings.STEWARD_TRAINING_SIGN_IN_MINUTES}
    delivery.email(subject, body, [user.email])
    return True


# Registered when the app is ready (apps.py imports this module): the hourly job of assignments,
# and the rules looking again at a staff member whose profile was saved.
scheduler.every("training.assignments", function=assignments.run, seconds=settings.STEWARD_TRAINING_EVALUATE_SECONDS)
events.subscribe(StaffProfileChanged, assignments.profile_changed)
