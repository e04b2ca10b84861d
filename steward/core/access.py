"""Need to know, as a mechanism: who may do what on which object. Every service calls
`require()` (or `fetch()`) before it reads or writes; lists filter with `visible()` in SQL.

Core holds no rules of its own. Each app names its actions as an enum in its `permissions.py`
and registers there, from its `AppConfig.ready()`, the rules for its objects:

- `register(Policy(...))`: a kind of protected object (a model), with the roles that cover
  some of its objects (`Rule`), what its assignee may do, which consultant role answers which
  kind of consultation, the parts a consultation can share, and how to find a staff member's
  conflicts and consultations on it;
- `grant(model, *rules)`: an app above adds rules for its own actions on that object;
- `related(model, to=...)`: an object that belongs to a protected one (an attachment, a
  thread…) is reached through it;
- `register_global(action, roles)`: an action that concerns no one object (a staff page).

A staff member reaches an object through one of three relations: a role that covers it,
being its assignee (for the roles that may be assigned), or an open consultation (only the
parts it shares, for as long as they hold the matching consultant role). A conflict of
interest beats all three: the object is then hidden, `require()` raises `Hidden`, which the
views answer exactly like a missing object (404), so its existence is not confirmed either.

System actors (`core.actors.SystemActor`) pass for the actions they are declared with, and no
other; no check runs without an actor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet

from .actors import SystemActor

User = AuthUser | AnonymousUser
Actor = AuthUser | AnonymousUser | SystemActor
Action = StrEnum


class Refused(Exception):
    """An access check said no. The views answer it (see `core.middleware.AccessRefusalMiddleware`)."""

    def __init__(self, action: object = "") -> None:
        super().__init__(str(action))
        self.action = action


class Hidden(Refused):
    """The object does not exist for this actor: missing, or hidden by a conflict of interest (404)."""


class Denied(Refused):
    """The actor may not do this (403); the refusal page lists what they can use instead."""


@dataclass(frozen=True)
class Covers:
    """Which objects a role covers: every one, or those whose fields hold one of some values,
    e.g. ``Covers(priority={"P1"})``."""

    where: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __init__(self, **where: Iterable[str]) -> None:
        object.__setattr__(self, "where", {name: frozenset(values) for name, values in where.items()})

    @property
    def everything(self) -> bool:
        return not self.where

    def matches(self, obj: Any) -> bool:
        return all(getattr(obj, name) in values for name, values in self.where.items())

    def q(self) -> Q:
        return Q(**{f"{name}__in": sorted(values) for name, values in self.where.items()})


EVERYTHING = Covers()


@dataclass(frozen=True)
class Rule:
    role: str
    covers: Covers
    actions: frozenset[str]


def rule(role: str, covers: Covers, *actions: StrEnum) -> Rule:
    return Rule(role, covers, frozenset(actions))


@dataclass(frozen=True)
class StaffFacts:
    """What the data says about one staff member and one object; the policy looks it up."""

    conflicted: bool = False
    # Parts shared with them by their open consultations, per kind of consultation.
    consulted: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _no_facts(user: AuthUser, obj: Any) -> StaffFacts:
    return StaffFacts()


def _nothing(*args: Any) -> Q:
    return Q(pk__in=[])


@dataclass(frozen=True)
class Policy:
    """How staff reach the objects of one model. The app owning the model registers it once."""

    model: type[models.Model]
    view: StrEnum  # the action that reads an object (visible(), parts(), consultations)
    rules: tuple[Rule, ...] = ()
    parts: tuple[str, ...] = ()  # what a consultation can share; readers of the whole see them all
    assignee_field: str | None = None
    assignable_roles: frozenset[str] = frozenset()
    assignee_actions: frozenset[str] = frozenset()
    consultant_roles: Mapping[str, str] = field(default_factory=dict)  # kind of consultation -> role
    consulted_actions: frozenset[str] = frozenset()
    part_actions: Mapping[str, frozenset[str]] = field(default_factory=dict)  # a shared part also grants these
    # Granted to whoever may view the object at all (e.g. declaring a conflict before reading further).
    viewer_actions: frozenset[str] = frozenset()
    facts: Callable[[AuthUser, Any], StaffFacts] = _no_facts
    conflicted_q: Callable[[AuthUser], Q] = _nothing
    consulted_q: Callable[[AuthUser, list[str]], Q] = _nothing


_policies: dict[type[models.Model], Policy] = {}
_granted: dict[type[models.Model], list[Rule]] = {}
_related: dict[type[models.Model], Callable[[Any], Any]] = {}
_global: dict[str, frozenset[str]] = {}


def register(policy: Policy) -> None:
    if policy.model in _policies and _policies[policy.model] != policy:
        raise RuntimeError(f"{policy.model.__name__} already has an access policy")
    _policies[policy.model] = policy


def grant(model: type[models.Model], *rules: Rule) -> None:
    """Rules an app adds for its own actions on another app's protected objects."""
    known = _granted.setdefault(model, [])
    known.extend(r for r in rules if r not in known)


def related(model: type[models.Model], *, to: Callable[[Any], Any]) -> None:
    """Objects of `model` are protected as the object `to(obj)` returns (e.g. an attachment's parent)."""
    _related[model] = to


def register_global(action: StrEnum, roles: Iterable[str]) -> None:
    _global[str(action)] = frozenset(roles)


def policy_for(obj_or_model: Any) -> Policy:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    for klass in model.__mro__:
        if klass in _policies:
            return _policies[klass]
    raise LookupError(f"No access policy for {model.__name__}")


def _rules(policy: Policy) -> Iterable[Rule]:
    yield from policy.rules
    yield from _granted.get(policy.model, ())


def actions_of(model: type[models.Model]) -> frozenset[str]:
    """Every action registered on this kind of object, by any app (for the pages that offer them)."""
    policy = policy_for(model)
    named: set[str] = {policy.view, *policy.assignee_actions, *policy.consulted_actions, *policy.viewer_actions}
    for extra in policy.part_actions.values():
        named |= extra
    for r in _rules(policy):
        named |= r.actions
    return frozenset(named)


def protected(obj: Any) -> Any:
    """The object whose policy decides for `obj` (itself, or the one it is reached through)."""
    for klass in type(obj).__mro__:
        if klass in _related:
            return protected(_related[klass](obj))
    return obj


# --- who the actor is --------------------------------------------------------------------

def _require_actor(actor: object) -> None:
    if actor is None:
        raise TypeError("An access check needs an actor: a staff member or a declared system actor.")


def roles_of(user: object) -> frozenset[str]:
    """The roles of an active staff account; read once per user object (that is, per request)."""
    if not isinstance(user, AuthUser) or not user.is_active or not user.is_staff:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_steward_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_steward_roles", cached)  # noqa: B010  (a per-object cache User does not declare)
    return cached


def forget_roles(user: object) -> None:
    """Drop the cached roles of a user object after their roles changed."""
    if hasattr(user, "_steward_roles"):
        del user._steward_roles


def facts(user: AuthUser, obj: Any) -> StaffFacts:
    """The facts for this user and object, looked up once per object (that is, per request)."""
    obj = protected(obj)
    cache: dict[int, StaffFacts] | None = getattr(obj, "_steward_facts", None)
    if cache is None:
        cache = {}
        obj._steward_facts = cache
    if user.pk not in cache:
        cache[user.pk] = policy_for(obj).facts(user, obj)
    return cache[user.pk]


def forget(obj: object) -> None:
    """Drop the cached facts of an object after a conflict or consultation changed."""
    if hasattr(obj, "_steward_facts"):
        del obj._steward_facts


def consultant_kinds(policy: Policy, roles: Iterable[str]) -> list[str]:
    """The kinds of consultation these roles answer."""
    held = set(roles)
    return [kind for kind, role in policy.consultant_roles.items() if role in held]


def _standing(user: object, obj: Any) -> tuple[AuthUser, frozenset[str], StaffFacts] | None:
    """A staff member's roles and relation to the object, or None when they have none or are conflicted."""
    roles = roles_of(user)
    if not roles or not isinstance(user, AuthUser):
        return None
    known = facts(user, obj)
    return None if known.conflicted else (user, roles, known)


def _full_actions(policy: Policy, user: AuthUser, roles: frozenset[str], obj: Any) -> set[str]:
    """What roles and the assignment (not a consultation) allow on the object."""
    allowed: set[str] = set()
    for r in _rules(policy):
        if r.role in roles and r.covers.matches(obj):
            allowed |= r.actions
    if (policy.assignee_field is not None and getattr(obj, policy.assignee_field) == user.pk
            and roles & policy.assignable_roles):
        allowed |= policy.assignee_actions
    return allowed


def actions(actor: Actor, obj: Any) -> frozenset[str]:
    """Everything this actor may do on this object (empty when conflicted)."""
    _require_actor(actor)
    if isinstance(actor, SystemActor):
        return frozenset(actor.may)
    obj = protected(obj)
    standing = _standing(actor, obj)
    if standing is None:
        return frozenset()
    user, roles, known = standing
    policy = policy_for(obj)
    allowed = _full_actions(policy, user, roles, obj)
    consulted = [known.consulted[kind] for kind in consultant_kinds(policy, roles) if kind in known.consulted]
    if consulted:
        allowed |= policy.consulted_actions
        for part, extra in policy.part_actions.items():
            if any(part in scope for scope in consulted):
                allowed |= extra
    if policy.view in allowed:
        allowed |= policy.viewer_actions
    return frozenset(allowed)


def parts(user: Actor, obj: Any) -> frozenset[str]:
    """Which parts of the object this user may read: all of them, a consultation's share, or none."""
    obj = protected(obj)
    standing = _standing(user, obj)
    if standing is None:
        return frozenset()
    user, roles, known = standing
    policy = policy_for(obj)
    if policy.view in _full_actions(policy, user, roles, obj):
        return frozenset(policy.parts)
    shared: frozenset[str] = frozenset()
    for kind in consultant_kinds(policy, roles):
        shared |= known.consulted.get(kind, frozenset())
    return shared


def reads_everything(user: Actor, obj: Any) -> bool:
    """Whether a role or the assignment (not a consultation) lets this user read the whole object."""
    obj = protected(obj)
    standing = _standing(user, obj)
    if standing is None:
        return False
    user, roles, _known = standing
    policy = policy_for(obj)
    return policy.view in _full_actions(policy, user, roles, obj)


def reads_listed(user: Actor, obj: Any) -> bool:
    """`reads_everything()` for an object taken from `visible()`, which left conflicts out already:
    decided from the roles and the assignment alone, without a query per object."""
    roles = roles_of(user)
    if not roles or not isinstance(user, AuthUser):
        return False
    policy = policy_for(obj)
    return policy.view in _full_actions(policy, user, roles, obj)


def is_conflicted(user: Actor, obj: Any) -> bool:
    return isinstance(user, AuthUser) and bool(roles_of(user)) and facts(user, obj).conflicted


# --- the checks --------------------------------------------------------------------------

def can(actor: Actor, action: str, obj: Any = None) -> bool:
    """Whether the actor may do `action` on `obj`, or (without an object) use the global action."""
    _require_actor(actor)
    if isinstance(actor, SystemActor):
        return action in actor.may
    roles = roles_of(actor)
    if not roles:
        return False
    if obj is None:
        return bool(roles & _global.get(str(action), frozenset()))
    return action in actions(actor, obj)


def require(actor: Actor, action: str, obj: Any = None) -> None:
    """Raise `Denied`, or `Hidden` when the staff member has a conflict on the object."""
    _require_actor(actor)
    if obj is not None and is_conflicted(actor, obj):
        raise Hidden(action)
    if not can(actor, action, obj):
        raise Denied(action)


def fetch[M: models.Model](actor: Actor, action: str, objects: type[M] | QuerySet[M], pk: object) -> M:
    """The object with this key for this actor and action: `Hidden` when it is missing or hidden
    from them (the two are indistinguishable), `Denied` when they may not do the action on it."""
    _require_actor(actor)
    queryset: QuerySet[M] = objects._default_manager.all() if isinstance(objects, type) else objects
    try:
        obj = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Hidden(action) from None
    require(actor, action, obj)
    return obj


def visible[M: models.Model](user: Actor, objects: QuerySet[M]) -> QuerySet[M]:
    """The objects of `objects` this user may view, as one SQL query (conflicts left out)."""
    roles = roles_of(user)
    if not roles or not isinstance(user, AuthUser):
        return objects.none()
    policy = policy_for(objects.model)
    shown: Q | None = None
    everything = False

    def either(condition: Q) -> None:
        nonlocal shown
        shown = condition if shown is None else shown | condition

    for r in _rules(policy):
        if r.role in roles and policy.view in r.actions:
            everything = everything or r.covers.everything
            either(r.covers.q())
    if policy.assignee_field is not None and roles & policy.assignable_roles and policy.view in policy.assignee_actions:
        either(Q(**{policy.assignee_field: user.pk}))
    kinds = consultant_kinds(policy, roles)
    if kinds and policy.view in policy.consulted_actions:
        either(policy.consulted_q(user, kinds))
    if not everything:
        if shown is None:
            return objects.none()
        objects = objects.filter(shown)
    return objects.exclude(policy.conflicted_q(user))


def sees_all(user: Actor, model: type[models.Model]) -> bool:
    """Whether a role covers every object of the model for reading (otherwise only some are visible)."""
    roles = roles_of(user)
    policy = policy_for(model)
    return any(r.role in roles and policy.view in r.actions and r.covers.everything for r in _rules(policy))


def assignable_roles(model: type[models.Model] | None = None) -> frozenset[str]:
    """The roles that may be assigned objects of `model` (None: of any kind)."""
    if model is not None:
        return policy_for(model).assignable_roles
    return frozenset(role for policy in _policies.values() for role in policy.assignable_roles)


def may_be_assigned(user: Actor, model: type[models.Model] | None = None) -> bool:
    return bool(roles_of(user) & assignable_roles(model))


def usable(user: Actor) -> frozenset[str]:
    """The actions not about one object that this user's roles allow: what their navigation offers."""
    roles = roles_of(user)
    return frozenset(action for action, allowed in _global.items() if roles & allowed)
