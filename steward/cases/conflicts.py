"""Conflicts of interest. A staff member who is a party to a case (through an account they
linked) or who declares a conflict never sees the case again and cannot be assigned or
consulted on it.

A reporter's contact email is not verified: anyone can type a staff member's address. When it
matches one, Steward records a *possible* conflict that a triager confirms or dismisses on the
case page; until confirmed it hides nothing and takes nobody off the case.

Access checks find conflicts from the data on every request (`Case.conflicted_q`); the
functions here also record each one as a `CaseConflict` the first time it is noticed, with an
audit entry, and take the person off the case at once. Conflicts follow the reports: a merge
brings every source's conflicts into the target, and a split gives the new case the conflicts
of the case it came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, crypto
from steward.core.access import Actor
from steward.core.errors import DomainError
from steward.registry.events import StaffAccountLinked
from steward.registry.models import StaffAccount

from . import providers
from .models import Case, CaseConflict, Consultation, TimelineEvent
from .permissions import CaseAction
from .timeline import staff_name

Status = CaseConflict.Status


def conflicted_staff_ids(case: Case) -> set[int]:
    """Ids of the staff members with a conflict on this case (confirmed, or a linked account among its parties)."""
    ids = set(CaseConflict.objects.filter(case=case, status=Status.CONFIRMED).values_list("user_id", flat=True))
    ids |= set(StaffAccount.objects.filter(identity__person__parties__case=case).values_list("user_id", flat=True))
    return ids


def email_matched_staff_ids(case: Case) -> set[int]:
    """Ids of the staff members whose address a reporter of this case gave (unverified)."""
    indexes = {report.contact_email_index for report in providers.reports().filed([case.pk]) if report.contact_email_index}
    ids: set[int] = set()
    if indexes:
        for pk, email in User.objects.filter(is_staff=True).exclude(email="").values_list("pk", "email"):
            if not indexes.isdisjoint(crypto.blind_indexes(email, purpose="email")):
                ids.add(pk)
    return ids


def hidden_case_ids(user: User) -> QuerySet[Case, Any]:
    """The cases hidden from this staff member, as a subquery of ids (for pages that list many cases)."""
    return Case.objects.filter(Case.conflicted_q(user)).values("pk")


def _take_off(case: Case, user: User, by: Actor) -> int:
    """A confirmed conflict: the person is no longer assignee or consultant. Returns the consultations withdrawn."""
    if case.assignee_id == user.pk:
        Case.objects.filter(pk=case.pk).update(assignee=None)
        case.assignee = None
        TimelineEvent.add(case, "unassigned", by)
    return Consultation.objects.filter(Consultation.granting_q(), case=case, consultant=user).update(
        status=Consultation.Status.WITHDRAWN, withdrawn_at=timezone.now())


def _record(case: Case, user: User, *, source: str, by: Actor, reason: str = "",
            ip: str | None = None, from_case: Case | None = None) -> CaseConflict | None:
    """Record a confirmed conflict (or confirm a possible or dismissed one); None when already confirmed."""
    conflict = CaseConflict.objects.filter(case=case, user=user).first()
    if conflict is not None and conflict.status == Status.CONFIRMED:
        return None
    reason = reason if reason.strip() else ""
    if conflict is None:
        conflict = CaseConflict(case=case, user=user, source=source)
        conflict.reason = reason
        conflict.save(force_insert=True)
    else:
        conflict.source, conflict.status = source, Status.CONFIRMED
        if reason:
            conflict.reason = reason
        conflict.save(update_fields=["source", "status", "reason_sealed"])
    withdrawn = _take_off(case, user, by)
    extra = {"from_case": from_case.reference} if from_case is not None else {}
    TimelineEvent.add(case, "conflict", by, staff=staff_name(user), source=source, **extra)
    audit.record(by, "case.conflict", case, ip=ip, detail={"staff": user.pk, "source": source,
                                                           "consultations_withdrawn": withdrawn, **extra})
    access.forget(case)
    return conflict


def _record_possible(case: Case, user: User, *, by: Actor, ip: str | None = None,
                     from_case: Case | None = None) -> CaseConflict | None:
    """A possible conflict for a triager to look at; it changes nobody's access. None when one is already recorded."""
    conflict, created = CaseConflict.objects.get_or_create(
        case=case, user=user, defaults={"source": CaseConflict.Source.REPORTER_EMAIL, "status": Status.POSSIBLE})
    if not created:
        return None
    extra = {"from_case": from_case.reference} if from_case is not None else {}
    TimelineEvent.add(case, "possible_conflict", by, staff=staff_name(user), **extra)
    audit.record(by, "case.possible_conflict", case, ip=ip, detail={"staff": user.pk, **extra})
    return conflict


def detect(case: Case, *, by: Actor, ip: str | None = None) -> list[CaseConflict]:
    """Record the conflicts the case's data shows that were not recorded yet: confirmed for a
    linked account among the parties, possible for a reporter's email matching a staff address.
    `by` is whoever changed the data (a staff member, or intake acting for the reporter)."""
    confirmed = set(CaseConflict.objects.filter(case=case, status=Status.CONFIRMED).values_list("user_id", flat=True))
    recorded = []
    for user in User.objects.filter(pk__in=conflicted_staff_ids(case) - confirmed).order_by("pk"):
        conflict = _record(case, user, source=CaseConflict.Source.DETECTED, by=by, ip=ip)
        if conflict is not None:
            recorded.append(conflict)
    known = set(CaseConflict.objects.filter(case=case).values_list("user_id", flat=True))
    for user in User.objects.filter(pk__in=email_matched_staff_ids(case) - known).order_by("pk"):
        possible = _record_possible(case, user, by=by, ip=ip)
        if possible is not None:
            recorded.append(possible)
    return recorded


def account_linked(event: StaffAccountLinked) -> None:
    """A staff member linked an account: the cases among whose parties it is are now conflicts."""
    detect_for_staff(User.objects.get(pk=event.user), ip=event.ip)


def detect_for_staff(user: User, *, ip: str | None = None) -> list[CaseConflict]:
    """Record the conflicts of one staff member (after they linked an account)."""
    recorded = []
    confirmed = CaseConflict.objects.filter(user=user, status=Status.CONFIRMED).values("case_id")
    for case in Case.objects.filter(Case.conflicted_q(user)).exclude(pk__in=confirmed).order_by("pk"):
        conflict = _record(case, user, source=CaseConflict.Source.DETECTED, by=user, ip=ip)
        if conflict is not None:
            recorded.append(conflict)
    return recorded


def carry_over(source: Case, target: Case, *, by: Actor, ip: str | None = None) -> None:
    """Bring the recorded conflicts of `source` into `target` (a merge, or a split off `source`).

    Confirmed conflicts stay confirmed (and take the person off the target); a possible or
    dismissed one comes along as it is, unless the target already knows about that person.
    Called inside the merge or split transaction, before `detect(target)` recomputes the rest.
    """
    for conflict in CaseConflict.objects.filter(case=source).select_related("user").order_by("pk"):
        if conflict.status == Status.CONFIRMED:
            _record(target, conflict.user, source=conflict.source, by=by, reason=conflict.reason, ip=ip,
                    from_case=source)
        elif not CaseConflict.objects.filter(case=target, user=conflict.user).exists():
            if conflict.status == Status.POSSIBLE:
                _record_possible(target, conflict.user, by=by, ip=ip, from_case=source)
            else:  # a triager already looked at this address and dismissed it
                CaseConflict.objects.create(case=target, user=conflict.user, source=conflict.source,
                                            status=Status.DISMISSED)


@transaction.atomic
def declare_conflict(case: Case, *, by: User, reason: str = "", ip: str | None = None) -> CaseConflict | None:
    """A staff member steps back from a case; it is hidden from them from this moment."""
    access.require(by, CaseAction.DECLARE_CONFLICT, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    return _record(case, by, source=CaseConflict.Source.DECLARED, by=by, reason=reason, ip=ip)


@transaction.atomic
def resolve_possible_conflict(case: Case, conflict_id: int, *, by: User, confirm: bool,
                              ip: str | None = None) -> CaseConflict:
    """A triager confirms a possible conflict (the case is then hidden from that staff member and
    they are taken off it) or dismisses it (nothing changes for them)."""
    access.require(by, CaseAction.RESOLVE_CONFLICT, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    conflict = (CaseConflict.objects.select_for_update().select_related("user")
                .filter(pk=conflict_id, case=case, status=Status.POSSIBLE).first())
    if conflict is None:
        raise DomainError(_("This possible conflict of interest was already confirmed or dismissed."))
    if not confirm and conflict.user_id == by.pk:
        raise DomainError(_("A possible conflict of interest about yourself must be dismissed by another triager."))
    user = conflict.user
    if confirm:
        conflict.status = Status.CONFIRMED
        conflict.save(update_fields=["status"])
        withdrawn = _take_off(case, user, by)
        TimelineEvent.add(case, "conflict_confirmed", by, staff=staff_name(user))
        audit.record(by, "case.conflict_confirm", case, ip=ip, detail={"staff": user.pk,
                                                                       "consultations_withdrawn": withdrawn})
        access.forget(case)
    else:
        conflict.status = Status.DISMISSED
        conflict.save(update_fields=["status"])
        TimelineEvent.add(case, "conflict_dismissed", by, staff=staff_name(user))
        audit.record(by, "case.conflict_dismiss", case, ip=ip, detail={"staff": user.pk})
    return conflict
