"""What staff may do on cases, registered with `core.access` when the app is ready.

- Triagers run intake and triage: they see the whole queue and hold every tool, and confirm or
  dismiss the possible conflicts an unverified reporter email raises.
- Security is the on-call owner of P1 safety incidents.
- Decision makers read the cases that reach them (deciding them is the decisions app's action).
- Auditors see who accessed a case, never its content.
- Case handlers work the cases assigned to them; HR and Legal consultants the cases they are
  consulted on, and only the parts the consultation shares (evidence only when it is shared).
- A role without a rule covers no case: enforcers, screeners and working-group members never
  open a case here; administrators only erase (a retention action) and edit the consultation
  rules (which consultations a decision needs), which name no case.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.core import access, navigation
from steward.core.access import Covers, rule
from steward.core.roles import Role

from .models import Case, CaseConflict, Consultation, Part, Status, TimelineEvent


class CaseAction(StrEnum):
    VIEW = "view"
    TRIAGE = "triage"
    ASSIGN = "assign"
    TRANSITION = "transition"
    NOTE = "note"
    RECORD_PARTY = "record_party"
    MESSAGE = "message"
    MERGE = "merge"
    SPLIT = "split"
    EVIDENCE = "evidence"
    CONSULT = "consult"
    ANSWER = "answer"
    DECLARE_CONFLICT = "declare_conflict"
    RESOLVE_CONFLICT = "resolve_conflict"
    ACCESS_HISTORY = "access_history"
    # Not about one case: staff pages.
    QUEUE = "queue"
    CONSULTATIONS = "consultations"
    # The decision-making policy: which consultations a decision needs (administrators).
    CONSULTATION_RULES = "consultation_rules"


A = CaseAction
EVERY_CASE = access.EVERYTHING
P1_CASES = Covers(priority={"P1"})
CASES_TO_DECIDE = Covers(status={Status.AWAITING_DECISION, Status.DECIDED})
ASSIGNABLE_ROLES = frozenset({Role.TRIAGER, Role.CASE_HANDLER})
CONSULTANT_ROLES: dict[str, str] = {
    Consultation.Kind.HR: Role.CONSULTANT_HR, Consultation.Kind.LEGAL: Role.CONSULTANT_LEGAL,
    Consultation.Kind.SECURITY: Role.CONSULTANT_SECURITY,
}
CONSULTANTS = frozenset(CONSULTANT_ROLES.values())

POLICY = access.Policy(
    model=Case,
    view=A.VIEW,
    parts=tuple(Part),
    rules=(
        rule(Role.TRIAGER, EVERY_CASE, A.VIEW, A.TRIAGE, A.ASSIGN, A.TRANSITION, A.NOTE, A.RECORD_PARTY, A.MESSAGE,
             A.MERGE, A.SPLIT, A.EVIDENCE, A.CONSULT, A.RESOLVE_CONFLICT),
        rule(Role.CONSULTANT_SECURITY, P1_CASES, A.VIEW, A.TRANSITION, A.NOTE, A.RECORD_PARTY, A.MESSAGE, A.EVIDENCE,
             A.CONSULT),
        rule(Role.DECISION_MAKER, CASES_TO_DECIDE, A.VIEW, A.NOTE, A.RECORD_PARTY, A.EVIDENCE, A.CONSULT),
        rule(Role.AUDITOR, EVERY_CASE, A.ACCESS_HISTORY),
    ),
    assignee_field="assignee_id",
    assignable_roles=ASSIGNABLE_ROLES,
    assignee_actions=frozenset({A.VIEW, A.TRANSITION, A.NOTE, A.RECORD_PARTY, A.MESSAGE, A.EVIDENCE, A.CONSULT}),
    consultant_roles=CONSULTANT_ROLES,
    consulted_actions=frozenset({A.VIEW, A.ANSWER}),
    part_actions={Part.EVIDENCE: frozenset({A.EVIDENCE})},
    # Anyone who may open a case may declare a conflict of interest on it, before reading further.
    viewer_actions=frozenset({A.DECLARE_CONFLICT}),
    facts=lambda user, case: case.staff_facts(user),
    conflicted_q=Case.conflicted_q,
    consulted_q=Case.consulted_q,
)


def consultant_kinds(roles: Iterable[str]) -> list[str]:
    """The kinds of consultation (hr, legal, security) these roles answer."""
    return access.consultant_kinds(POLICY, roles)


def may_be_assigned(user: access.Actor) -> bool:
    return access.may_be_assigned(user, Case)


def sees_all_cases(user: access.Actor) -> bool:
    return access.sees_all(user, Case)


def register() -> None:
    access.register(POLICY)
    for model in (Consultation, CaseConflict, TimelineEvent):
        access.related(model, to=lambda obj: obj.case)
    access.register_global(A.QUEUE, {Role.TRIAGER, Role.CASE_HANDLER, Role.DECISION_MAKER, *CONSULTANTS})
    access.register_global(A.CONSULTATIONS, CONSULTANTS)
    access.register_global(A.ACCESS_HISTORY, {Role.AUDITOR})
    access.register_global(A.CONSULTATION_RULES, {Role.ADMINISTRATOR})
    navigation.register(navigation.Page("cases:queue", _("Cases"), A.QUEUE), order=10)
    navigation.register(navigation.Page("staffing:consultations", _("My consultations"), A.CONSULTATIONS), order=30)
    navigation.register(navigation.Page("staffing:access", _("Access history"), A.ACCESS_HISTORY), order=40)
    navigation.register(navigation.Page("staffing:consultation_rules", _("Consultation rules"), A.CONSULTATION_RULES),
                        order=52)
    navigation.register(navigation.Page("staffing:accounts", _("My accounts"), None), order=90)
