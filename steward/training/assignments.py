"""Who must take which course: role rules, assignments by hand, contributor learners, and the
timed work on assignments (reminders, the escalation to the manager, expiry, recertification).

A role rule selects people (`selected_users`): community-facing staff (a job title containing one
of the rule's phrases, any case, or a ticked way of working with contributors that the rule
counts), their managers, or contributors holding a leadership role. Evaluating assigns the
course to everyone newly selected who has no open assignment and no valid completion of it. It
runs hourly from the worker (`run`, registered in apps.py) and at once when a rule, a staff
profile or a contributor learner is saved.

A completion is valid until its `expires_on` and while it is of the newest major version that
requires recertification (`required_major`). Every timed step marks its row (reminded_at,
escalated_at, expiry_reminded_at) or finds the open assignment it made, and sends with an
idempotency key, so running a job twice sends one email.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, outbox
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.staff.events import StaffProfileChanged
from steward.staff.models import Profile

from .assign_messages import CompletionExpiring, CourseAssigned, CourseDueSoon, CourseOverdue
from .models import Assignment, AssignmentRule, Completion, Course, CourseVersion, Learner
from .permissions import TrainingAction

# The worker's hourly job acts in Steward's own name.
ASSIGNMENTS_JOB = SystemActor("training assignments", may=frozenset({TrainingAction.RULES}))
Actor = User | SystemActor


class AssignmentError(DomainError):
    """A refused change; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def phrases(text: str) -> list[str]:
    """A rule's job-title phrases: one per line, blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- Who a rule selects ----------------------------------------------------------------------------


def _community_facing(rule: AssignmentRule) -> QuerySet[Profile]:
    match = Q(pk__in=[])
    for phrase in phrases(rule.title_contains):
        match |= Q(job_title__icontains=phrase)
    for ticked, field in ((rule.by_code_and_chat, "works_on_code_and_chat"), (rule.by_events, "works_at_events"),
                          (rule.by_social_media, "writes_for_social_media")):
        if ticked:
            match |= Q(**{field: True})
    return Profile.objects.filter(match, user__is_active=True, user__is_staff=True)


def selected_users(rule: AssignmentRule) -> set[int]:
    """The ids of the users `rule` selects now."""
    if rule.who == AssignmentRule.Who.COMMUNITY_FACING:
        return set(_community_facing(rule).values_list("user_id", flat=True))
    if rule.who == AssignmentRule.Who.MANAGERS:
        return set(User.objects.filter(is_active=True, pk__in=_community_facing(rule).exclude(manager=None)
                                       .values("manager_id")).values_list("pk", flat=True))
    return set(Learner.objects.filter(kind=Learner.Kind.CONTRIBUTOR, user__is_active=True)
               .exclude(leadership_role="").values_list("user_id", flat=True))


def required_major(course: Course) -> int:
    """The lowest major version a completion must be of: the newest published major version that
    requires recertification (0 when none does)."""
    return (CourseVersion.objects.published().filter(course=course, requires_recertification=True)
            .aggregate(top=Max("major"))["top"] or 0)


def valid_completions(course: Course, today: datetime.date) -> QuerySet[Completion]:
    return Completion.objects.filter(course=course, version__major__gte=required_major(course)).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=today))


def _open(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return assignments.filter(completed_at__isnull=True, cancelled_at__isnull=True)


def _covered_users(course: Course, today: datetime.date) -> set[int]:
    """Users who need no new assignment of `course`: one is open, or they hold a valid completion."""
    return (set(_open(Assignment.objects.filter(course=course)).values_list("learner__user_id", flat=True))
            | set(valid_completions(course, today).values_list("learner__user_id", flat=True)))


def learner_for(user: User) -> Learner:
    """The user's Learner, made when missing (a staff member's with their team from their profile)."""
    learner = Learner.objects.filter(user=user).first()
    if learner is not None:
        return learner
    if user.is_staff:
        profile = Profile.objects.filter(user=user).first()
        return Learner.objects.create(user=user, kind=Learner.Kind.STAFF, team=profile.team if profile else "")
    return Learner.objects.create(user=user, kind=Learner.Kind.CONTRIBUTOR)


def _published(course: Course) -> bool:
    return CourseVersion.objects.published().filter(course=course).exists()


def make_assignment(learner: Learner, course: Course, *, by: Actor, due_on: datetime.date, source: str,
                    rule: AssignmentRule | None = None, return_id: int | None = None,
                    ip: str | None = None) -> Assignment:
    """Write one assignment, its email and its audit entry (inside the caller's transaction; the
    caller has checked permission and that no assignment of the course is open)."""
    assignment = Assignment.objects.create(learner=learner, course=course, source=source, rule=rule,
                                           return_id=return_id, due_on=due_on,
                                           assigned_by=by if isinstance(by, User) else None)
    outbox.send(CourseAssigned(assignment=assignment.pk), key=f"training.assigned.{assignment.pk}")
    audit.record(by, "training.assign", learner, ip=ip, detail={
        "assignment": assignment.pk, "course": course.pk, "source": source, "rule": rule.pk if rule else None,
        "due_on": due_on.isoformat()})
    return assignment


@transaction.atomic
def evaluate(*, by: Actor = ASSIGNMENTS_JOB, rules: Iterable[AssignmentRule] | None = None,
             users: Iterable[int] | None = None, today: datetime.date | None = None) -> int:
    """Assign each active rule's course (or only `rules`', for only `users`) to everyone it newly
    selects; returns how many assignments were made."""
    access.require(by, TrainingAction.RULES)
    today = _today(today)
    chosen = list(rules) if rules is not None else list(AssignmentRule.objects.filter(active=True))
    only = set(users) if users is not None else None
    made = 0
    for rule in sorted(chosen, key=lambda r: r.pk):
        if not rule.active or not _published(rule.course):
            continue
        wanted = selected_users(rule) if only is None else selected_users(rule) & only
        wanted -= _covered_users(rule.course, today)
        for user in User.objects.filter(pk__in=wanted).order_by("pk"):
            make_assignment(learner_for(user), rule.course, by=by, due_on=today + datetime.timedelta(days=rule.due_days),
                            source=Assignment.Source.RULE, rule=rule)
            made += 1
    return made


def profile_changed(event: StaffProfileChanged) -> None:
    """A staff profile was saved: the rules look at that person (and whom they manage) at once."""
    evaluate(users={event.member}, rules=AssignmentRule.objects.filter(active=True))
    # The person's manager may be newly selected by a managers' rule.
    manager = Profile.objects.filter(user_id=event.member).values_list("manager_id", flat=True).first()
    if manager:
        evaluate(users={manager}, rules=AssignmentRule.objects.filter(active=True, who=AssignmentRule.Who.MANAGERS))


# --- Role rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    course: Course
    who: str
    title_contains: str = ""
    by_code_and_chat: bool = False
    by_events: bool = False
    by_social_media: bool = False
    due_days: int = 30
    active: bool = True


def _check_rule(data: RuleInput) -> None:
    if data.who not in AssignmentRule.Who.values:
        raise AssignmentError("who", _("Choose who the rule selects."))
    if not 1 <= data.due_days <= 730:
        raise AssignmentError("due_days", _("The course is due between 1 and 730 days after it is assigned."))
    if data.who != AssignmentRule.Who.CONTRIBUTOR_LEADERS and not (
            phrases(data.title_contains) or data.by_code_and_chat or data.by_events or data.by_social_media):
        raise AssignmentError("title_contains", _("Give at least one job-title phrase or tick a way of working "
                                                  "with contributors: otherwise the rule selects nobody."))
    if any(len(phrase) > 150 for phrase in phrases(data.title_contains)):
        raise AssignmentError("title_contains", _("A job-title phrase has at most 150 characters."))
    if not _published(data.course):
        raise AssignmentError("course", _("This course has no published version yet: publish it first."))


def _fields(data: RuleInput) -> dict[str, object]:
    return {"course": data.course, "who": data.who, "title_contains": "\n".join(phrases(data.title_contains)),
            "by_code_and_chat": data.by_code_and_chat, "by_events": data.by_events,
            "by_social_media": data.by_social_media, "due_days": data.due_days, "active": data.active}


def list_rules(*, by: Actor) -> list[AssignmentRule]:
    access.require(by, TrainingAction.RULES)
    return list(AssignmentRule.objects.select_related("course").order_by("-active", "course__slug", "who", "pk"))


@transaction.atomic
def create_rule(data: RuleInput, *, by: Actor, ip: str | None = None) -> tuple[AssignmentRule, int]:
    """A new rule; returns it and how many assignments it made at once."""
    access.require(by, TrainingAction.RULES)
    _check_rule(data)
    rule = AssignmentRule.objects.create(**_fields(data), created_by=by if isinstance(by, User) else None)
    audit.record(by, "training.rule_created", rule, ip=ip, detail={"course": data.course.pk, "who": data.who})
    return rule, evaluate(by=by, rules=[rule])


@transaction.atomic
def update_rule(rule: AssignmentRule, data: RuleInput, *, by: Actor, ip: str | None = None) -> tuple[AssignmentRule, int]:
    """Change a rule (assignments it made stay); returns it and how many assignments it made now."""
    access.require(by, TrainingAction.RULES)
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    _check_rule(data)
    fields = _fields(data)
    changed = sorted(name for name, value in fields.items() if getattr(rule, name) != value)
    if not changed:
        raise AssignmentError("__all__", _("Nothing changed."))
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    audit.record(by, "training.rule_changed", rule, ip=ip, detail={"fields": changed})
    return rule, evaluate(by=by, rules=[rule])


@transaction.atomic
def deactivate_rule(rule: AssignmentRule, *, by: Actor, ip: str | None = None) -> AssignmentRule:
    """Stop a rule selecting anyone. The assignments it made stay open: those people still take the course."""
    access.require(by, TrainingAction.RULES)
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    if not rule.active:
        raise AssignmentError("__all__", _("This rule is already inactive."))
    rule.active = False
    rule.save(update_fields=["active"])
    audit.record(by, "training.rule_deactivated", rule, ip=ip)
    return rule


# --- Learners and assigning by hand ---------------------------------------------------------------


def learners(*, by: Actor, ip: str | None = None) -> list[Learner]:
    """Every learner with their open assignments, for coordinators (a read of training data: audited)."""
    access.require(by, TrainingAction.RULES)
    rows = list(Learner.objects.select_related("user").order_by("user__first_name", "user__username", "pk"))
    open_rows = _open(Assignment.objects.filter(learner__in=rows)).select_related("course").order_by("due_on", "pk")
    by_learner: dict[int, list[Assignment]] = {}
    for assignment in open_rows:
        by_learner.setdefault(assignment.learner_id, []).append(assignment)
    for learner in rows:
        learner.open_assignments = by_learner.get(learner.pk, [])  # type: ignore[attr-defined]
    audit.record(by, "training.learners_view", ip=ip, detail={"learners": len(rows)})
    return rows


def assignable_courses() -> QuerySet[Course]:
    return Course.objects.filter(Exists(CourseVersion.objects.published().filter(course=OuterRef("pk")))).order_by("slug")


@transaction.atomic
def assign_by_hand(learner: Learner, course: Course, *, by: Actor, due_on: datetime.date | None,
                   ip: str | None = None) -> Assignment:
    access.require(by, TrainingAction.RULES)
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise AssignmentError("due_on", _("Give a due date: today or later."))
    if not _published(course):
        raise AssignmentError("course", _("This course has no published version yet: publish it first."))
    learner = Learner.objects.select_for_update().select_related("user").get(pk=learner.pk)
    if not learner.user.is_active:
        raise AssignmentError("learner", _("This learner's account is not active."))
    if _open(Assignment.objects.filter(learner=learner, course=course)).exists():
        raise AssignmentError("course", _("This learner already has this course to take."))
    valid = valid_completions(course, today).filter(learner=learner).order_by("-passed_at").first()
    if valid is not None:
        raise AssignmentError("course", _("This learner passed this course on %(day)s and it still counts.") % {
            "day": timezone.localdate(valid.passed_at).isoformat()})
    return make_assignment(learner, course, by=by, due_on=due_on, source=Assignment.Source.MANUAL, ip=ip)


@dataclass(frozen=True)
class ContributorInput:
    name: str
    email: str
    team: str = ""
    leadership_role: str = ""
    language: str = "en"


@transaction.atomic
def add_contributor(data: ContributorInput, *, by: Actor, ip: str | None = None) -> Learner:
    """A contributor who takes courses: an account with no staff access (is_staff false, no
    password, no roles) that signs in by an emailed code. The rules look at them at once."""
    access.require(by, TrainingAction.RULES)
    name, email = data.name.strip(), data.email.strip().lower()
    if not name:
        raise AssignmentError("name", _("Enter the contributor's name."))
    if len(name) > 150:
        raise AssignmentError("name", _("A name has at most 150 characters."))
    try:
        validate_email(email)
    except ValidationError:
        raise AssignmentError("email", _("“%(email)s” is not an email address.") % {"email": email}) from None
    if User.objects.filter(email__iexact=email).exists():
        raise AssignmentError("email", _("Another account already uses %(email)s.") % {"email": email})
    if data.language not in {code for code, _name in settings.LANGUAGES}:
        raise AssignmentError("language", _("Choose one of the listed languages."))
    if len(data.team.strip()) > 100 or len(data.leadership_role.strip()) > 100:
        raise AssignmentError("team", _("A team or role has at most 100 characters."))
    user = User(username=f"learner-{secrets.token_hex(6)}", email=email, first_name=name, is_staff=False)
    user.set_unusable_password()
    user.save()
    learner = Learner.objects.create(user=user, kind=Learner.Kind.CONTRIBUTOR, language=data.language,
                                     team=data.team.strip(), leadership_role=data.leadership_role.strip())
    audit.record(by, "training.learner_added", learner, ip=ip, detail={"leadership_role": bool(learner.leadership_role)})
    evaluate(by=by, users={user.pk})
    return learner


# --- Timed work (the worker's job) --------------------------------------------------------------


@transaction.atomic
def remind_due(today: datetime.date | None = None) -> int:
    """Remind learners STEWARD_TRAINING_REMIND_DAYS before an assignment is due (once each)."""
    today = _today(today)
    horizon = today + datetime.timedelta(days=settings.STEWARD_TRAINING_REMIND_DAYS)
    due = list(_open(Assignment.objects.select_for_update())
               .filter(reminded_at__isnull=True, due_on__gte=today, due_on__lte=horizon))
    for assignment in due:
        assignment.reminded_at = timezone.now()
        assignment.save(update_fields=["reminded_at"])
        outbox.send(CourseDueSoon(assignment=assignment.pk), key=f"training.due_soon.{assignment.pk}")
        audit.record(ASSIGNMENTS_JOB, "training.remind", assignment.learner, detail={"assignment": assignment.pk})
    return len(due)


def manager_of(learner: Learner) -> User | None:
    profile = Profile.objects.select_related("manager").filter(user_id=learner.user_id).first()
    manager = profile.manager if profile is not None else None
    return manager if manager is not None and manager.is_active and manager.email else None


@transaction.atomic
def escalate_overdue(today: datetime.date | None = None) -> int:
    """Tell the manager (Profile.manager), once, of every assignment past its due date."""
    today = _today(today)
    due = list(_open(Assignment.objects.select_for_update().select_related("learner"))
               .filter(escalated_at__isnull=True, due_on__lt=today))
    for assignment in due:
        assignment.escalated_at = timezone.now()
        assignment.save(update_fields=["escalated_at"])
        manager = manager_of(assignment.learner)
        if manager is not None:
            outbox.send(CourseOverdue(assignment=assignment.pk), key=f"training.overdue.{assignment.pk}")
        audit.record(ASSIGNMENTS_JOB, "training.escalate", assignment.learner, detail={
            "assignment": assignment.pk, "manager": manager.pk if manager else None})
    return len(due)


def _latest(completions: QuerySet[Completion]) -> QuerySet[Completion]:
    """Completions with no later one of the same course by the same learner."""
    newer = Completion.objects.filter(learner=OuterRef("learner"), course=OuterRef("course"),
                                      passed_at__gt=OuterRef("passed_at"))
    return completions.exclude(Exists(newer))


@transaction.atomic
def remind_expiring(today: datetime.date | None = None) -> int:
    """Remind learners STEWARD_TRAINING_EXPIRY_REMINDER_DAYS before a completion stops counting (once)."""
    today = _today(today)
    horizon = today + datetime.timedelta(days=settings.STEWARD_TRAINING_EXPIRY_REMINDER_DAYS)
    due = list(_latest(Completion.objects.select_for_update().filter(
        expiry_reminded_at__isnull=True, expires_on__gt=today, expires_on__lte=horizon,
        learner__user__is_active=True)).select_related("learner"))
    for completion in due:
        completion.expiry_reminded_at = timezone.now()
        completion.save(update_fields=["expiry_reminded_at"])
        outbox.send(CompletionExpiring(completion=completion.pk), key=f"training.expiring.{completion.pk}")
        audit.record(ASSIGNMENTS_JOB, "training.expiry_remind", completion.learner, detail={"completion": completion.pk})
    return len(due)


def _assign_again(completions: Iterable[Completion], today: datetime.date) -> int:
    made = 0
    covered: dict[int, set[int]] = {}
    for completion in completions:
        course = completion.course
        if course.pk not in covered:
            covered[course.pk] = _covered_users(course, today)
        if completion.learner.user_id in covered[course.pk]:
            continue
        make_assignment(completion.learner, course, by=ASSIGNMENTS_JOB, source=Assignment.Source.RECERTIFICATION,
                        due_on=today + datetime.timedelta(days=settings.STEWARD_TRAINING_RENEWAL_DUE_DAYS))
        covered[course.pk].add(completion.learner.user_id)
        made += 1
    return made


@transaction.atomic
def renew_expired(today: datetime.date | None = None) -> int:
    """Assign the course again to learners whose (latest) completion has expired."""
    today = _today(today)
    expired = _latest(Completion.objects.filter(expires_on__lte=today, learner__user__is_active=True))
    return _assign_again(expired.select_related("learner", "course").order_by("pk"), today)


@transaction.atomic
def recertify(today: datetime.date | None = None) -> int:
    """A published major version that requires recertification: assign the course again to
    everyone whose latest completion is of an older major version."""
    today = _today(today)
    made = 0
    for course in Course.objects.filter(Exists(CourseVersion.objects.published().filter(
            course=OuterRef("pk"), requires_recertification=True))).order_by("pk"):
        older = _latest(Completion.objects.filter(course=course, version__major__lt=required_major(course),
                                                  learner__user__is_active=True))
        made += _assign_again(older.select_related("learner", "course").order_by("pk"), today)
    return made


def run(today: datetime.date | None = None) -> dict[str, int]:
    """The worker's hourly job: each step in its own transaction; returns how many of each were done."""
    today = _today(today)
    return {"assigned": evaluate(today=today), "recertify": recertify(today), "renewed": renew_expired(today),
            "reminded": remind_due(today), "escalated": escalate_overdue(today),
            "expiry_reminded": remind_expiring(today)}
