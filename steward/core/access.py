"""Need-to-know access checks. Every service calls `require()` before it reads or writes.

A staff member sees a case when they hold a role that covers every case (triagers run
intake, so they see the whole queue), or when the case is assigned to them. Nobody
else does: administrators configure Steward and do not read cases.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied

from .roles import Role

User = AuthUser | AnonymousUser


class CaseLike(Protocol):
    assignee_id: Any


# Which roles may do what on every case, and what an assignee may do on their own case.
ROLE_ACTIONS: dict[str, set[str]] = {
    Role.TRIAGER: {"view", "triage", "assign", "transition", "note", "message", "merge", "split", "evidence", "decide"},
    Role.CASE_HANDLER: set(),
    # Decision makers read the cases they judge. Erasing (retention, erasure requests) is also open to
    # administrators, who never read a case: the erase page shows its reference and status only.
    Role.DECISION_MAKER: {"view", "decide", "erase", "evidence"},
    Role.ADMINISTRATOR: {"erase"},
}
ASSIGNEE_ACTIONS = {"view", "transition", "note", "message", "evidence"}
# Actions that do not concern one case.
GLOBAL_ACTIONS: dict[str, set[str]] = {
    "queue": {Role.TRIAGER, Role.CASE_HANDLER, Role.DECISION_MAKER},
    "record_report": {Role.TRIAGER, Role.CASE_HANDLER},
    "edit_guidelines": {Role.ADMINISTRATOR},
    # Everything held about one person, for access requests: administrators only (they answer them).
    "export_person": {Role.ADMINISTRATOR},
}


def roles_of(user: User) -> frozenset[str]:
    if not isinstance(user, AuthUser) or not user.is_active or not user.is_staff:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_steward_roles", None)
    if cached is None:  # once per request: the user object lives as long as the request
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._steward_roles = cached  # type: ignore[attr-defined]
    return cached


def can(user: User, action: str, case: CaseLike | None = None) -> bool:
    roles = roles_of(user)
    if not roles:
        return False
    if case is None:
        return bool(roles & GLOBAL_ACTIONS.get(action, set()))
    if any(action in ROLE_ACTIONS.get(role, set()) for role in roles):
        return True
    return case.assignee_id == user.pk and action in ASSIGNEE_ACTIONS and Role.CASE_HANDLER in roles


def require(user: User, action: str, case: CaseLike | None = None) -> None:
    if not can(user, action, case):
        raise PermissionDenied(action)


def sees_all_cases(user: User) -> bool:
    """Whether a role covers every case (otherwise only assigned ones are visible)."""
    return any("view" in ROLE_ACTIONS.get(role, set()) for role in roles_of(user))


def may_be_assigned(user: User) -> bool:
    return bool(roles_of(user) & {Role.TRIAGER, Role.CASE_HANDLER})
