"""The staff lifecycle: inviting a staff member, changing their roles, offboarding them.

`manage.py create_staff` and the administrators' staff pages both call these. Each checks
that the actor may manage staff, validates, writes and audits in one transaction. The pages
also ask for a recent sign-in (re-authentication) before they call a service.

Steward always keeps an administrator: nobody removes their own administrator role or
offboards themselves, and the administrators' rows are locked while roles change, so two
administrators removing each other at the same moment cannot both succeed.

Offboarding hands the person's open work on through the `StaffOffboarding` event (the cases
app answers it: reassigns their open cases, withdraws their consultations) inside the same
transaction, so a refusal there (a conflicted new assignee) leaves everything as it was. A role
change publishes `StaffRolesChanged`: work the person may no longer do goes back (open cases
to the triage queue when they may no longer be assigned, consultations of a consultant role taken away).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from steward.core import access, audit, events, outbox
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.core.models import OutboxMessage
from steward.core.roles import Role

from .events import StaffOffboarding, StaffProfileChanged, StaffRolesChanged
from .messages import StaffInvitation
from .models import Profile
from .permissions import StaffAction


class StaffError(DomainError):
    """A refused staff change; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def staff_members() -> list[User]:
    return list(User.objects.filter(is_staff=True).prefetch_related("groups")
                .order_by("-is_active", "first_name", "username"))


def assignable_staff() -> QuerySet[User]:
    """Active staff who may be assigned cases (and so take over someone's open cases)."""
    return (User.objects.filter(is_active=True, is_staff=True, groups__name__in=sorted(access.assignable_roles()))
            .distinct().order_by("first_name", "username"))


def roles_held(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _clean_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [role for role in chosen if role not in Role.values]
    if unknown:
        raise StaffError("roles", _("“%(role)s” is not a Steward role.") % {"role": unknown[0]})
    return chosen


def _require_administrator(by: User | SystemActor) -> None:
    """The actor may manage staff (`CREATE_STAFF_COMMAND`: the command line, run by whoever runs the server).

    Locks the administrators' rows and reads the actor's roles afresh, so a role removed by a
    concurrent change counts: the last administrator can never be removed by two at once."""
    access.require(by, StaffAction.MANAGE_STAFF)
    if isinstance(by, SystemActor):
        return
    administrators = list(User.objects.select_for_update().filter(groups__name=Role.ADMINISTRATOR, is_active=True)
                          .order_by("pk").values_list("pk", flat=True))
    if by.pk not in administrators:
        raise access.Denied(StaffAction.MANAGE_STAFF)


def _active_administrators() -> set[int]:
    return set(User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True, is_staff=True)
               .values_list("pk", flat=True))


@transaction.atomic
def invite_staff(*, by: User | SystemActor, username: str, email: str, first_name: str = "", last_name: str = "",
                 roles: Iterable[str] = (), send_invitation: bool = True, ip: str | None = None) -> User:
    """Create a staff account without a password and (by default) email the person a link to choose one.

    The email goes out from the worker (its outbox row is written in this transaction). On first
    sign-in the person must set up a second factor before any staff page opens."""
    _require_administrator(by)
    username, email = username.strip(), email.strip().lower()
    if not username:
        raise StaffError("username", _("Enter a username."))
    try:
        if len(username) > 150:
            raise ValidationError("too long")
        User.username_validator(username)
    except ValidationError:
        raise StaffError("username", _("A username has at most 150 letters, digits and @ . + - _ characters.")) from None
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError("email", _("“%(email)s” is not an email address.") % {"email": email}) from None
    chosen = _clean_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError("username", _("The username “%(username)s” is taken.") % {"username": username})
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise StaffError("email", _("Another account already uses %(email)s.") % {"email": email})
    user = User(username=username, email=email, first_name=first_name.strip()[:150], last_name=last_name.strip()[:150],
                is_staff=True)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for role in chosen:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    audit.record(by, "staff.account_created", user, ip=ip, detail={"roles": chosen, "invited": send_invitation})
    if send_invitation:
        outbox.send(StaffInvitation(user=user.pk))
    return user


@transaction.atomic
def change_roles(member: User, *, by: User, roles: Iterable[str], ip: str | None = None) -> tuple[list[str], list[str]]:
    """Give a staff member exactly `roles`; returns (before, after). Audited with both."""
    _require_administrator(by)
    member = User.objects.select_for_update().get(pk=member.pk)
    if not (member.is_active and member.is_staff):
        raise StaffError("roles", _("%(name)s was offboarded; their roles cannot change.") % {"name": display_name(member)})
    after = _clean_roles(roles)
    before = roles_held(member)
    if before == after:
        raise StaffError("roles", _("These are already %(name)s's roles.") % {"name": display_name(member)})
    if Role.ADMINISTRATOR in before and Role.ADMINISTRATOR not in after:
        if member.pk == by.pk:
            raise StaffError("roles", _("You cannot remove your own administrator role: ask another administrator."))
        if not _active_administrators() - {member.pk}:
            raise StaffError("roles", _("Steward needs at least one administrator."))
    member.groups.set([Group.objects.get_or_create(name=role)[0] for role in after])
    access.forget_roles(member)
    detail: dict[str, Any] = {"before": before, "after": after}
    returned: list[int] = []
    withdrawn: list[int] = []
    for handed_on in events.publish(StaffRolesChanged(member=member.pk, by=by.pk, before=tuple(before),
                                                      after=tuple(after), ip=ip)):
        returned.extend(handed_on.cases_moved)
        withdrawn.extend(handed_on.consultations_withdrawn)
    if returned:
        detail["cases_returned"] = returned
    if withdrawn:
        detail["consultations_withdrawn"] = withdrawn
    audit.record(by, "staff.roles_changed", member, ip=ip, detail=detail)
    return before, after


@transaction.atomic
def offboard_staff(member: User, *, by: User, reassign_to: User | None, ip: str | None = None) -> dict[str, Any]:
    """Deactivate a staff member, remove their roles and hand their open work to `reassign_to`
    (open cases; None sends them back to the triage queue). Returns what was handed on.

    Their next request is refused: Django does not authenticate an inactive account."""
    _require_administrator(by)
    name = display_name(member)
    if member.pk == by.pk:
        raise StaffError("member", _("You cannot offboard yourself."))
    member = User.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise StaffError("member", _("%(name)s was already offboarded.") % {"name": name})
    if reassign_to is not None and (reassign_to.pk == member.pk or not reassign_to.is_active
                                    or not access.may_be_assigned(reassign_to)):
        raise StaffError("reassign_to", _("%(name)s cannot be assigned cases.") % {"name": display_name(reassign_to)})
    roles = roles_held(member)
    if Role.ADMINISTRATOR in roles and not _active_administrators() - {member.pk}:
        raise StaffError("member", _("Steward needs at least one administrator."))
    handed_on: dict[str, list[int]] = {"cases": [], "consultations": []}
    for result in events.publish(StaffOffboarding(member=member.pk, by=by.pk,
                                                  reassign_to=reassign_to.pk if reassign_to else None, ip=ip)):
        handed_on["cases"].extend(result.cases_moved)
        handed_on["consultations"].extend(result.consultations_withdrawn)
    member.is_active = False
    member.save(update_fields=["is_active"])
    member.groups.clear()
    access.forget_roles(member)
    audit.record(by, "staff.offboard", member, ip=ip, detail={
        "roles": roles, "reassigned_to": reassign_to.pk if reassign_to else None, **handed_on})
    return handed_on


# --- Profiles ----------------------------------------------------------------------------------

PROFILE_FIELDS = ("job_title", "team", "manager", "works_on_code_and_chat", "works_at_events", "writes_for_social_media")


def profile_of(member: User) -> Profile:
    """The member's profile as saved (an unsaved empty one when nobody has filled it in yet)."""
    return Profile.objects.filter(user=member).select_related("manager").first() or Profile(user=member)


@transaction.atomic
def update_profile(member: User, *, by: User | SystemActor, job_title: str = "", team: str = "",
                   manager: User | None = None, works_on_code_and_chat: bool = False, works_at_events: bool = False,
                   writes_for_social_media: bool = False, ip: str | None = None) -> Profile:
    """Set what Steward knows of a staff member's job (what training's role rules read). Audited with
    the names of the fields that changed; `StaffProfileChanged` lets the rules look again at once."""
    _require_administrator(by)
    member = User.objects.select_for_update().get(pk=member.pk)
    if not member.is_staff:
        raise StaffError("member", _("Only staff members have a staff profile."))
    if manager is not None and (manager.pk == member.pk):
        raise StaffError("manager", _("A staff member cannot be their own manager."))
    if manager is not None and not (manager.is_staff and manager.is_active):
        raise StaffError("manager", _("The manager must be an active staff member."))
    job_title, team = job_title.strip(), team.strip()
    if len(job_title) > 150:
        raise StaffError("job_title", _("A job title has at most 150 characters."))
    if len(team) > 100:
        raise StaffError("team", _("A team name has at most 100 characters."))
    profile = Profile.objects.select_for_update().filter(user=member).first() or Profile(user=member)
    wanted = {"job_title": job_title, "team": team, "manager": manager,
              "works_on_code_and_chat": works_on_code_and_chat, "works_at_events": works_at_events,
              "writes_for_social_media": writes_for_social_media}
    changed = sorted(name for name, value in wanted.items() if getattr(profile, name) != value)
    if profile.pk is not None and not changed:
        return profile
    for name, value in wanted.items():
        setattr(profile, name, value)
    profile.save()
    audit.record(by, "staff.profile_changed", member, ip=ip, detail={"fields": changed})
    events.publish(StaffProfileChanged(member=member.pk, by=by.pk))
    return profile


# --- Deliveries (the outbox) -------------------------------------------------------------------


def stuck_deliveries(*, by: User) -> list[OutboxMessage]:
    """Failed and stuck outbox messages, for administrators: kinds, times and errors, no content."""
    access.require(by, StaffAction.DELIVERIES)
    return list(outbox.stuck())


def retry_delivery(message_id: int, *, by: User, ip: str | None = None) -> OutboxMessage:
    """Send a failed or stuck message again now (audited as `outbox.retry`)."""
    access.require(by, StaffAction.DELIVERIES)
    try:
        return outbox.retry(message_id, by=by, ip=ip)
    except outbox.NotRetryable:
        raise StaffError("delivery", _("This delivery is not waiting for a retry any more.")) from None
