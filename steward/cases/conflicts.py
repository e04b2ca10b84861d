"""Conflicts of interest. A staff member who is a party to a case (through an account they
linked, or as the reporter writing from their own email address) or who declares a conflict
never sees the case again and cannot be assigned or consulted on it.

Access checks find conflicts from the data on every request (`Case.conflicted_q`); the
functions here also record each one as a `CaseConflict` the first time it is noticed, with an
audit entry, and take the person off the case at once.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from steward.core import access, audit, crypto
from steward.registry.models import StaffAccount

from . import services
from .models import Case, CaseConflict, Consultation


def conflicted_staff_ids(case: Case) -> set[int]:
    """Ids of the staff members with a conflict on this case (recorded or found in its data)."""
    ids = set(CaseConflict.objects.filter(case=case).values_list("user_id", flat=True))
    ids |= set(StaffAccount.objects.filter(identity__person__parties__case=case).values_list("user_id", flat=True))
    indexes = set(case.reports.exclude(contact_email_index="")  # type: ignore[attr-defined]
                  .values_list("contact_email_index", flat=True))
    if indexes:
        for pk, email in User.objects.filter(is_staff=True).exclude(email="").values_list("pk", "email"):
            if crypto.blind_index(email, purpose="email") in indexes:
                ids.add(pk)
    return ids


def _record(case: Case, user: User, *, source: str, by: User | None = None, reason: str = "",
            ip: str | None = None) -> CaseConflict | None:
    conflict, created = CaseConflict.objects.get_or_create(
        case=case, user=user,
        defaults={"source": source, "reason_sealed": case.seal(reason, "conflict_reason") if reason.strip() else None})
    if not created:
        return None
    if case.assignee_id == user.pk:
        Case.objects.filter(pk=case.pk).update(assignee=None)
        case.assignee = None
        services.record_event(case, "unassigned", by)
    withdrawn = Consultation.objects.filter(Consultation.granting_q(), case=case, consultant=user).update(
        status=Consultation.Status.WITHDRAWN, withdrawn_at=timezone.now())
    services.record_event(case, "conflict", by, staff=services.staff_name(user), source=source)
    audit.record(by, "case.conflict", case, ip=ip, detail={"staff": user.pk, "source": source,
                                                           "consultations_withdrawn": withdrawn})
    access.forget(case)
    return conflict


def detect(case: Case, *, by: User | None = None, ip: str | None = None) -> list[CaseConflict]:
    """Record the conflicts the case's data shows that were not recorded yet."""
    known = set(CaseConflict.objects.filter(case=case).values_list("user_id", flat=True))
    found = conflicted_staff_ids(case) - known
    recorded = []
    for user in User.objects.filter(pk__in=found).order_by("pk"):
        conflict = _record(case, user, source=CaseConflict.Source.DETECTED, by=by, ip=ip)
        if conflict is not None:
            recorded.append(conflict)
    return recorded


def detect_for_staff(user: User, *, ip: str | None = None) -> list[CaseConflict]:
    """Record the conflicts of one staff member (after they linked an account)."""
    recorded = []
    for case in Case.objects.filter(Case.conflicted_q(user)).exclude(conflicts__user=user).order_by("pk"):
        conflict = _record(case, user, source=CaseConflict.Source.DETECTED, by=user, ip=ip)
        if conflict is not None:
            recorded.append(conflict)
    return recorded


@transaction.atomic
def declare_conflict(case: Case, *, by: User, reason: str = "", ip: str | None = None) -> CaseConflict | None:
    """A staff member steps back from a case; it is hidden from them from this moment."""
    access.require(by, "declare_conflict", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    return _record(case, by, source=CaseConflict.Source.DECLARED, by=by, reason=reason, ip=ip)
