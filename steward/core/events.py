"""Typed in-process domain events, so a lower app can make an upper one act without importing it.

Each app declares its events in its own ``events.py`` as frozen dataclasses deriving from
`Event`; an upper app subscribes to the class in its ``AppConfig.ready()``. An event carries
identifiers and choices only (ids, statuses, roles), never report content, so it can be
logged or queued later without leaking anything.

Handlers run synchronously inside the publisher's transaction: if a handler fails the whole
action rolls back, and if the action rolls back nothing a handler wrote survives. That is why
`publish` refuses to run outside a transaction. An event nobody subscribed to is a no-op.

An event that asks the apps above what they did (offboarding: which cases moved) declares
the type its handlers return, ``class StaffOffboarding(Event[HandedOn])``; `publish`
returns one such value per handler, in subscription order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import is_dataclass
from typing import Any, cast

from django.db import transaction


class Event[R]:
    """Base of every domain event; R is what a handler returns (None for most events)."""


_handlers: dict[type[Event[Any]], list[Callable[[Any], Any]]] = defaultdict(list)


def subscribe[E: Event[Any]](event_type: type[E], handler: Callable[[E], object]) -> None:
    """Call `handler(event)` for every published event of exactly this class (idempotent)."""
    if not (isinstance(event_type, type) and issubclass(event_type, Event) and is_dataclass(event_type)):
        raise TypeError(f"{event_type!r} is not a domain event class (a dataclass deriving from Event)")
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unsubscribe[E: Event[Any]](event_type: type[E], handler: Callable[[E], object]) -> None:
    if handler in _handlers.get(event_type, []):
        _handlers[event_type].remove(handler)


def publish[R](event: Event[R], *, using: str | None = None) -> list[R]:
    """Run every handler of the event's class, inside the caller's transaction; returns their results."""
    if not isinstance(event, Event) or not is_dataclass(event):
        raise TypeError(f"{event!r} is not a domain event")
    if not transaction.get_connection(using).in_atomic_block:
        # Outside a transaction a handler's failure could not undo what the publisher already wrote.
        raise RuntimeError(f"{type(event).__name__} must be published inside the transaction of its action")
    return [cast(R, handler(event)) for handler in list(_handlers.get(type(event), []))]


def subscribers(event_type: type[Event[Any]]) -> list[Callable[[Any], Any]]:
    """The handlers registered for this class, in order (for checks and tests)."""
    return list(_handlers.get(event_type, []))
