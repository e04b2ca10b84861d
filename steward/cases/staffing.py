"""Staff coming and going: offboarding hands their work on and ends their access at once."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from steward.core import access, audit
from steward.core.errors import DomainError

from . import consultations, services, tasks
from .models import Case, Consultation, Status


def staff_members() -> list[User]:
    return list(User.objects.filter(is_staff=True).prefetch_related("groups").order_by("-is_active", "first_name", "username"))


@transaction.atomic
def offboard_staff(user: User, *, by: User, reassign_to: User | None, ip: str | None = None) -> list[Case]:
    """Deactivate a staff member, remove their roles, hand their open cases to `reassign_to`
    (or back to the triage queue when None) and withdraw their open consultations.

    Their next request is refused: Django does not authenticate an inactive account."""
    access.require(by, "manage_staff")
    name = services.staff_name(user)
    if user.pk == by.pk:
        raise DomainError(_("You cannot offboard yourself."))
    if not user.is_active:
        raise DomainError(_("%(name)s was already offboarded.") % {"name": name})
    user = User.objects.select_for_update().get(pk=user.pk)
    cases = list(Case.objects.select_for_update().select_related("data_key").filter(assignee=user)
                 .exclude(status=Status.CLOSED).order_by("pk"))
    if reassign_to is not None:
        target = services.staff_name(reassign_to)
        if reassign_to.pk == user.pk or not reassign_to.is_active or not access.may_be_assigned(reassign_to):
            raise DomainError(_("%(name)s cannot be assigned cases.") % {"name": target})
        conflicted = Case.objects.filter(Case.conflicted_q(reassign_to), pk__in=[c.pk for c in cases]).order_by("pk")
        if conflicted:
            raise DomainError(_("%(name)s has a conflict of interest on %(refs)s; choose someone else.") % {
                "name": target, "refs": ", ".join(c.reference for c in conflicted)})
    for case in cases:
        case.assignee = reassign_to  # type: ignore[assignment]
        case.save(update_fields=["assignee"])
        if reassign_to is None:
            services.record_event(case, "unassigned", by)
        else:
            services.record_event(case, "assigned", by, assignee=services.staff_name(reassign_to))
            transaction.on_commit(partial(tasks.notify_assignee.enqueue, case.pk, "assigned"))
        audit.record(by, "case.assign", case, ip=ip, detail={"assignee": reassign_to.pk if reassign_to else None,
                                                              "offboarded": user.pk})
    withdrawn = list(Consultation.objects.filter(Consultation.granting_q(), consultant=user)
                     .select_related("case__data_key", "consultant"))
    for consultation in withdrawn:
        consultations._withdraw(consultation, by)
        audit.record(by, "case.consultation_withdraw", consultation.case, ip=ip,
                     detail={"consultation": consultation.pk, "offboarded": user.pk})
    roles = sorted(user.groups.values_list("name", flat=True))
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.groups.clear()
    audit.record(by, "staff.offboard", user, ip=ip, detail={
        "roles": roles, "cases": [c.pk for c in cases], "reassigned_to": reassign_to.pk if reassign_to else None,
        "consultations": [c.pk for c in withdrawn]})
    return cases
