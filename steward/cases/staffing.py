"""A staff member's open work when they leave or lose a role (`steward.staff.services` publishes
`StaffOffboarding` and `StaffRolesChanged`): their open cases go to the new assignee (or
back to the triage queue) and their open consultations are withdrawn, in the same transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from steward.core import audit
from steward.core.errors import DomainError
from steward.staff.events import HandedOn, StaffOffboarding, StaffRolesChanged

from . import consultations, services
from .messages import AssigneeNotice
from .models import Case, Consultation, Status
from .permissions import ASSIGNABLE_ROLES, CONSULTANT_ROLES


def hand_on_work(event: StaffOffboarding) -> HandedOn:
    """Offboarding: every open case of the member to `reassign_to` (None: the triage queue), every
    open consultation withdrawn."""
    member, by = User.objects.get(pk=event.member), User.objects.get(pk=event.by)
    to = User.objects.get(pk=event.reassign_to) if event.reassign_to is not None else None
    why = {"offboarded": member.pk}
    cases = _move_cases(member, by=by, to=to, ip=event.ip, why=why)
    withdrawn = _withdraw(Consultation.objects.filter(Consultation.granting_q(), consultant=member), by=by,
                          ip=event.ip, why=why)
    return HandedOn(cases_moved=tuple(cases), consultations_withdrawn=tuple(withdrawn))


def roles_changed(event: StaffRolesChanged) -> HandedOn:
    """A role taken away takes its work with it: open cases go back to the triage queue when the
    person may no longer be assigned, consultations are withdrawn when their consultant role went."""
    member, by = User.objects.get(pk=event.member), User.objects.get(pk=event.by)
    why = {"roles_changed": member.pk}
    cases: list[int] = []
    if not set(event.after) & ASSIGNABLE_ROLES:
        cases = _move_cases(member, by=by, to=None, ip=event.ip, why=why)
    lost = [kind for kind, role in CONSULTANT_ROLES.items() if role in event.before and role not in event.after]
    withdrawn = _withdraw(Consultation.objects.filter(Consultation.granting_q(), consultant=member, kind__in=lost),
                          by=by, ip=event.ip, why=why) if lost else []
    return HandedOn(cases_moved=tuple(cases), consultations_withdrawn=tuple(withdrawn))


def _move_cases(member: User, *, by: User, to: User | None, ip: str | None, why: dict[str, int]) -> list[int]:
    cases = list(Case.objects.select_for_update().select_related("data_key").filter(assignee=member)
                 .exclude(status=Status.CLOSED).order_by("pk"))
    if to is not None:
        conflicted = Case.objects.filter(Case.conflicted_q(to), pk__in=[c.pk for c in cases]).order_by("pk")
        if conflicted:
            raise DomainError(_("%(name)s has a conflict of interest on %(refs)s; choose someone else.") % {
                "name": services.staff_name(to), "refs": ", ".join(c.reference for c in conflicted)})
    for case in cases:
        case.assignee = to
        case.save(update_fields=["assignee"])
        if to is None:
            services.record_event(case, "unassigned", by)
        else:
            services.record_event(case, "assigned", by, assignee=services.staff_name(to))
            services.notify_assignee(case, AssigneeNotice.ASSIGNED)
        audit.record(by, "case.assign", case, ip=ip, detail={"assignee": to.pk if to else None, **why})
    return [case.pk for case in cases]


def _withdraw(open_consultations: QuerySet[Consultation], *, by: User, ip: str | None, why: dict[str, int]) -> list[int]:
    withdrawn = list(open_consultations.select_related("case__data_key", "consultant"))
    for consultation in withdrawn:
        consultations._withdraw(consultation, by)
        audit.record(by, "case.consultation_withdraw", consultation.case, ip=ip,
                     detail={"consultation": consultation.pk, **why})
    return [consultation.pk for consultation in withdrawn]
