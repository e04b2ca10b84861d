"""Consultations: asking an HR, Legal or Security consultant about a case, sharing only the
parts of it they need. Each function checks permission, writes, adds the timeline event and
audits, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import access, audit, outbox
from steward.core.access import Actor
from steward.core.errors import DomainError

from . import services
from .messages import ConsultantAsked
from .models import Case, Consultation, Part
from .permissions import CONSULTANT_ROLES, CaseAction, consultant_kinds


def consultant_role(kind: str) -> str:
    return CONSULTANT_ROLES[kind]


@transaction.atomic
def request_consultation(case: Case, *, by: User, consultant: User, kind: str, parts: Iterable[str], question: str,
                         ip: str | None = None) -> Consultation:
    access.require(by, CaseAction.CONSULT, case)
    parts = set(parts)
    if kind not in Consultation.Kind.values:
        raise DomainError(_("Choose HR, Legal or Security."))
    if parts - set(Part):
        raise DomainError(_("Choose what to share from the list."))
    if not question.strip():
        raise DomainError(_("Write the question for the consultant."))
    name = services.staff_name(consultant)
    if consultant.pk == by.pk:
        raise DomainError(_("You cannot consult yourself."))
    if consultant_role(kind) not in access.roles_of(consultant):
        raise DomainError(_("%(name)s is not a %(kind)s consultant.") % {"name": name, "kind": Consultation.Kind(kind).label})
    if access.facts(consultant, case).conflicted:
        raise DomainError(_("%(name)s has a conflict of interest on this case and cannot be consulted.") % {"name": name})
    consultation = Consultation(case=case, consultant=consultant, kind=kind, requested_by=by,
                                **{f"shares_{part}": part in parts for part in Part})
    consultation.question = question
    consultation.save(force_insert=True)
    services.record_event(case, "consultation_requested", by, about=str(Consultation.Kind(kind).label), consultant=name)
    audit.record(by, "case.consultation_request", case, ip=ip, detail={
        "consultation": consultation.pk, "consultant": consultant.pk, "kind": kind, "parts": sorted(parts)})
    outbox.send(ConsultantAsked(consultation=consultation.pk))
    access.forget(case)
    return consultation


@transaction.atomic
def answer_consultation(consultation: Consultation, *, by: User, answer: str, ip: str | None = None) -> Consultation:
    case = consultation.case
    access.require(by, CaseAction.ANSWER, case)
    if consultation.consultant_id != by.pk:
        raise access.Denied(CaseAction.ANSWER)
    consultation = Consultation.objects.select_for_update().select_related("case__data_key").get(pk=consultation.pk)
    if consultation.status != Consultation.Status.OPEN:
        raise DomainError(_("This consultation is no longer open."))
    if not answer.strip():
        raise DomainError(_("The answer is empty."))
    consultation.answer = answer
    consultation.status, consultation.answered_at = Consultation.Status.ANSWERED, timezone.now()
    consultation.save(update_fields=["answer_sealed", "status", "answered_at"])
    services.record_event(case, "consultation_answered", by, about=str(consultation.get_kind_display()))
    audit.record(by, "case.consultation_answer", case, ip=ip, detail={"consultation": consultation.pk})
    return consultation


def _withdraw(consultation: Consultation, by: Actor) -> None:
    consultation.status, consultation.withdrawn_at = Consultation.Status.WITHDRAWN, timezone.now()
    consultation.save(update_fields=["status", "withdrawn_at"])
    services.record_event(consultation.case, "consultation_withdrawn", by, about=str(consultation.get_kind_display()),
                          consultant=services.staff_name(consultation.consultant))
    access.forget(consultation.case)


@transaction.atomic
def withdraw_consultation(consultation: Consultation, *, by: User, ip: str | None = None) -> Consultation:
    """End a consultation (and with it the consultant's access)."""
    access.require(by, CaseAction.CONSULT, consultation.case)
    consultation = Consultation.objects.select_for_update().select_related("case__data_key", "consultant").get(pk=consultation.pk)
    if consultation.status == Consultation.Status.WITHDRAWN:
        raise DomainError(_("This consultation was already withdrawn."))
    _withdraw(consultation, by)
    audit.record(by, "case.consultation_withdraw", consultation.case, ip=ip, detail={"consultation": consultation.pk})
    return consultation


@transaction.atomic
def read_list(by: User, *, ip: str | None = None) -> list[Consultation]:
    """A consultant's list of their consultations. It shows each question, so reading it is a read
    of every case listed: one audit entry per case, in that case's access history."""
    access.require(by, CaseAction.CONSULTATIONS)
    found = open_for(by)
    shown = {consultation.case_id: consultation.case for consultation in found}
    with audit.deferred():
        for case in shown.values():
            audit.record(by, "case.view", case, ip=ip, detail={"page": "consultations"})
    return found


def open_for(user: User) -> list[Consultation]:
    """The consultations that still give this staff member access, for their list."""
    kinds = consultant_kinds(access.roles_of(user))
    return list(Consultation.objects.filter(Consultation.granting_q(), consultant=user, kind__in=kinds)
                .exclude(case__in=Case.objects.filter(Case.conflicted_q(user)))
                .select_related("case__data_key").order_by("case__rank", "case__due_at", "pk"))
