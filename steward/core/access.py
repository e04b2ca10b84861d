"""Need to know: who may do what on which case. Every service calls `require()` before it
reads or writes; the queue filters with `visible_cases()` in SQL.

A staff member reaches a case through one of three relations, read from the table below:

- a role that covers it (`POLICY`: triagers cover every case, Security every P1 case,
  decision makers the cases awaiting or having a decision; auditors and administrators cover
  every case for one narrow action each and never read its content);
- being its assignee (`ASSIGNEE_ACTIONS`, for the roles that may be assigned at all);
- an open consultation (`CONSULTED_ACTIONS`, and only the parts the consultation shares,
  for as long as they hold the matching consultant role).

A conflict of interest beats all three: the staff member is a party to the case (one of the
accounts they linked is a reporter, reported person or witness, or the reporter's email is
theirs), or they declared one. The case is then hidden: `require()` raises `Hidden`, a 404,
so that its existence is not confirmed to them either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import Role

User = AuthUser | AnonymousUser

# The parts of a case a consultation can share. Everyone else who may view a case sees all of them.
SUMMARY, REPORTS, EVIDENCE, NOTES, PARTIES = "summary", "reports", "evidence", "notes", "parties"
PARTS = (SUMMARY, REPORTS, EVIDENCE, NOTES, PARTIES)
ALL_PARTS = frozenset(PARTS)


@dataclass(frozen=True)
class Covers:
    """Which cases a role covers: every case, or those with one of some statuses or priorities."""

    statuses: frozenset[str] | None = None
    priorities: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.statuses is None and self.priorities is None

    def matches(self, case: CaseLike) -> bool:
        return ((self.statuses is None or case.status in self.statuses)
                and (self.priorities is None or case.priority in self.priorities))

    def q(self) -> Q:
        condition = Q()
        if self.statuses is not None:
            condition &= Q(status__in=sorted(self.statuses))
        if self.priorities is not None:
            condition &= Q(priority__in=sorted(self.priorities))
        return condition


EVERY_CASE = Covers()
P1_CASES = Covers(priorities=frozenset({"P1"}))
CASES_TO_DECIDE = Covers(statuses=frozenset({"awaiting_decision", "decided"}))


@dataclass(frozen=True)
class Rule:
    role: str
    covers: Covers
    actions: frozenset[str]


def _rule(role: str, covers: Covers, *actions: str) -> Rule:
    return Rule(role, covers, frozenset(actions))


# The policy. A role without a row covers no case: case handlers work the cases assigned to
# them, HR and Legal consultants the cases they are consulted on, and enforcers, screeners and
# working-group members never open a case here.
POLICY: list[Rule] = [
    # Triagers run intake and triage, so they see the whole queue and hold every tool.
    # They also confirm or dismiss the possible conflicts an unverified reporter email raises.
    _rule(Role.TRIAGER, EVERY_CASE, "view", "triage", "assign", "transition", "note", "message", "merge", "split",
          "evidence", "decide", "consult", "resolve_conflict"),
    # Security is the on-call owner of P1 safety incidents.
    _rule(Role.CONSULTANT_SECURITY, P1_CASES, "view", "transition", "note", "message", "evidence", "consult"),
    # Decision makers read and judge the cases that reach them.
    _rule(Role.DECISION_MAKER, CASES_TO_DECIDE, "view", "decide", "note", "evidence", "consult"),
    # Erasing (retention, erasure requests) needs no reading: the erase page shows reference and status only.
    _rule(Role.DECISION_MAKER, EVERY_CASE, "erase"),
    _rule(Role.ADMINISTRATOR, EVERY_CASE, "erase"),
    # Auditors see who accessed a case, never its content.
    _rule(Role.AUDITOR, EVERY_CASE, "access_history"),
]
# Who may be assigned a case, and what the assignee may then do on it.
ASSIGNABLE_ROLES = frozenset({Role.TRIAGER, Role.CASE_HANDLER})
ASSIGNEE_ACTIONS = frozenset({"view", "transition", "note", "message", "evidence", "consult"})
# A consulted staff member reads the shared parts and answers; evidence only when it is shared.
CONSULTED_ACTIONS = frozenset({"view", "answer"})
CONSULTANT_ROLES: dict[str, str] = {
    "hr": Role.CONSULTANT_HR, "legal": Role.CONSULTANT_LEGAL, "security": Role.CONSULTANT_SECURITY,
}
# Anyone who may open a case may declare a conflict of interest on it, before reading further.
ANY_RELATION_ACTIONS = frozenset({"declare_conflict"})
CONSULTANTS = frozenset(CONSULTANT_ROLES.values())
# Actions that do not concern one case.
GLOBAL_ACTIONS: dict[str, frozenset[str]] = {
    "queue": frozenset({Role.TRIAGER, Role.CASE_HANDLER, Role.DECISION_MAKER, *CONSULTANTS}),
    "consultations": CONSULTANTS,
    "record_report": frozenset({Role.TRIAGER, Role.CASE_HANDLER}),
    "edit_guidelines": frozenset({Role.ADMINISTRATOR}),
    # Everything held about one person, for access requests: administrators only (they answer them).
    "export_person": frozenset({Role.ADMINISTRATOR}),
    "manage_staff": frozenset({Role.ADMINISTRATOR}),
    # Creating and revoking API tokens (a token acts for a staff member or submits reports).
    "manage_api_tokens": frozenset({Role.ADMINISTRATOR}),
    "access_history": frozenset({Role.AUDITOR}),
}


class Hidden(Http404):
    """The staff member has a conflict of interest on the case: it does not exist for them."""


@dataclass(frozen=True)
class StaffFacts:
    """What the data says about one staff member and one case; the case model looks it up."""

    conflicted: bool = False
    # Parts shared with them by their open consultations, per kind ("hr", "legal", "security").
    consulted: Mapping[str, frozenset[str]] = field(default_factory=dict)


class CaseLike(Protocol):
    pk: Any
    assignee_id: Any
    status: str
    priority: str | None

    def staff_facts(self, user: AuthUser) -> StaffFacts: ...


class CaseModel(Protocol):
    """The queries `visible_cases()` needs from the case model, as conditions on its rows."""

    @classmethod
    def conflicted_q(cls, user: AuthUser) -> Q: ...

    @classmethod
    def consulted_q(cls, user: AuthUser, kinds: Iterable[str]) -> Q: ...


def roles_of(user: User) -> frozenset[str]:
    """The roles of an active staff account; read once per user object (that is, per request)."""
    if not isinstance(user, AuthUser) or not user.is_active or not user.is_staff:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_steward_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._steward_roles = cached  # type: ignore[attr-defined]
    return cached


def forget_roles(user: object) -> None:
    """Drop the cached roles of a user object after their roles changed."""
    if hasattr(user, "_steward_roles"):
        del user._steward_roles  # type: ignore[attr-defined]


def facts(user: AuthUser, case: CaseLike) -> StaffFacts:
    """The facts for this user and case, looked up once per case object (that is, per request)."""
    cache: dict[int, StaffFacts] | None = getattr(case, "_steward_facts", None)
    if cache is None:
        cache = {}
        case._steward_facts = cache  # type: ignore[attr-defined]
    if user.pk not in cache:
        cache[user.pk] = case.staff_facts(user)
    return cache[user.pk]


def forget(case: object) -> None:
    """Drop the cached facts of a case object after a conflict or consultation changed."""
    if hasattr(case, "_steward_facts"):
        del case._steward_facts  # type: ignore[attr-defined]


def consultant_kinds(roles: Iterable[str]) -> list[str]:
    held = set(roles)
    return [kind for kind, role in CONSULTANT_ROLES.items() if role in held]


def _standing(user: User, case: CaseLike) -> tuple[AuthUser, frozenset[str], StaffFacts] | None:
    """A staff member's roles and relation to the case, or None when they have none or are conflicted."""
    roles = roles_of(user)
    if not roles or not isinstance(user, AuthUser):
        return None
    known = facts(user, case)
    return None if known.conflicted else (user, roles, known)


def parts(user: User, case: CaseLike) -> frozenset[str]:
    """Which parts of the case this user may read: all of them, a consultation's share, or none."""
    standing = _standing(user, case)
    if standing is None:
        return frozenset()
    user, roles, known = standing
    if reads_everything(user, case):
        return ALL_PARTS
    shared: frozenset[str] = frozenset()
    for kind in consultant_kinds(roles):
        shared |= known.consulted.get(kind, frozenset())
    return shared


def reads_everything(user: User, case: CaseLike) -> bool:
    """Whether a role or the assignment (not a consultation) lets this user read the whole case."""
    roles = roles_of(user)
    return (isinstance(user, AuthUser) and bool(roles) and not facts(user, case).conflicted
            and "view" in _full_actions(user, roles, case))


def reads_listed_case(user: User, case: CaseLike) -> bool:
    """`reads_everything()` for a case taken from `visible_cases()`, which left conflicts out already:
    decided from the roles and the assignment alone, without a query per case."""
    roles = roles_of(user)
    return isinstance(user, AuthUser) and bool(roles) and "view" in _full_actions(user, roles, case)


def _full_actions(user: AuthUser, roles: frozenset[str], case: CaseLike) -> set[str]:
    allowed: set[str] = set()
    for rule in POLICY:
        if rule.role in roles and rule.covers.matches(case):
            allowed |= rule.actions
    if case.assignee_id == user.pk and roles & ASSIGNABLE_ROLES:
        allowed |= ASSIGNEE_ACTIONS
    return allowed


def actions(user: User, case: CaseLike) -> frozenset[str]:
    """Everything this user may do on this case (empty when conflicted)."""
    standing = _standing(user, case)
    if standing is None:
        return frozenset()
    user, roles, known = standing
    allowed = _full_actions(user, roles, case)
    consulted = [known.consulted[kind] for kind in consultant_kinds(roles) if kind in known.consulted]
    if consulted:
        allowed |= CONSULTED_ACTIONS
        if any(EVIDENCE in scope for scope in consulted):
            allowed.add("evidence")
    if "view" in allowed:
        allowed |= ANY_RELATION_ACTIONS
    return frozenset(allowed)


def is_conflicted(user: User, case: CaseLike) -> bool:
    return isinstance(user, AuthUser) and bool(roles_of(user)) and facts(user, case).conflicted


def can(user: User, action: str, case: CaseLike | None = None) -> bool:
    roles = roles_of(user)
    if not roles:
        return False
    if case is None:
        return bool(roles & GLOBAL_ACTIONS.get(action, frozenset()))
    return action in actions(user, case)


def require(user: User, action: str, case: CaseLike | None = None) -> None:
    """Raise PermissionDenied (403), or Hidden (404) when the user has a conflict on the case."""
    if case is not None and is_conflicted(user, case):
        raise Hidden(action)
    if not can(user, action, case):
        raise PermissionDenied(action)


def visible_cases(user: User, cases: QuerySet[Any]) -> QuerySet[Any]:
    """The cases of `cases` this user may view, as one SQL query (conflicts left out)."""
    roles = roles_of(user)
    if not roles or not isinstance(user, AuthUser):
        return cases.none()
    model: CaseModel = cases.model  # type: ignore[assignment]
    shown: Q | None = None
    everything = False
    for rule in POLICY:
        if rule.role in roles and "view" in rule.actions:
            if rule.covers.everything:
                everything = True
            shown = rule.covers.q() if shown is None else shown | rule.covers.q()
    if roles & ASSIGNABLE_ROLES:
        shown = Q(assignee_id=user.pk) if shown is None else shown | Q(assignee_id=user.pk)
    kinds = consultant_kinds(roles)
    if kinds:
        shown = model.consulted_q(user, kinds) if shown is None else shown | model.consulted_q(user, kinds)
    if not everything:
        if shown is None:
            return cases.none()
        cases = cases.filter(shown)
    return cases.exclude(model.conflicted_q(user))


def sees_all_cases(user: User) -> bool:
    """Whether a role covers every case for reading (otherwise only some are visible)."""
    roles = roles_of(user)
    return any(rule.role in roles and "view" in rule.actions and rule.covers.everything for rule in POLICY)


def may_be_assigned(user: User) -> bool:
    return bool(roles_of(user) & ASSIGNABLE_ROLES)


def usable(user: User) -> frozenset[str]:
    """The actions not about one case that this user's roles allow: what their navigation offers."""
    roles = roles_of(user)
    return frozenset(action for action, allowed in GLOBAL_ACTIONS.items() if roles & allowed)
