"""A staff member's open work when they are offboarded (`steward.staff.services.offboard_staff`
publishes ``staff.offboarding``): their open cases go to the new assignee (or back to the
triage queue) and their open consultations are withdrawn, in the offboarding's transaction."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from steward.core import audit
from steward.core.errors import DomainError

from . import consultations, services, tasks
from .models import Case, Consultation, Status


def hand_on_work(*, member: User, by: User, reassign_to: User | None, ip: str | None = None,
                 **extra: Any) -> dict[str, list[int]]:
    cases = list(Case.objects.select_for_update().select_related("data_key").filter(assignee=member)
                 .exclude(status=Status.CLOSED).order_by("pk"))
    if reassign_to is not None:
        conflicted = Case.objects.filter(Case.conflicted_q(reassign_to), pk__in=[c.pk for c in cases]).order_by("pk")
        if conflicted:
            raise DomainError(_("%(name)s has a conflict of interest on %(refs)s; choose someone else.") % {
                "name": services.staff_name(reassign_to), "refs": ", ".join(c.reference for c in conflicted)})
    for case in cases:
        case.assignee = reassign_to  # type: ignore[assignment]
        case.save(update_fields=["assignee"])
        if reassign_to is None:
            services.record_event(case, "unassigned", by)
        else:
            services.record_event(case, "assigned", by, assignee=services.staff_name(reassign_to))
            transaction.on_commit(partial(tasks.notify_assignee.enqueue, case.pk, "assigned"))
        audit.record(by, "case.assign", case, ip=ip, detail={"assignee": reassign_to.pk if reassign_to else None,
                                                              "offboarded": member.pk})
    withdrawn = list(Consultation.objects.filter(Consultation.granting_q(), consultant=member)
                     .select_related("case__data_key", "consultant"))
    for consultation in withdrawn:
        consultations._withdraw(consultation, by)
        audit.record(by, "case.consultation_withdraw", consultation.case, ip=ip,
                     detail={"consultation": consultation.pk, "offboarded": member.pk})
    return {"cases": [c.pk for c in cases], "consultations": [c.pk for c in withdrawn]}
