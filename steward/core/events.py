"""In-process domain events, so a lower app can make an upper one act without importing it.

Handlers run synchronously inside the publisher's transaction: if a handler fails the
whole action rolls back, and if the action rolls back nothing a handler wrote survives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload: Any) -> list[Any]:
    """Run every handler of `event`; returns what they returned (most return None)."""
    return [handler(**payload) for handler in _handlers.get(event, [])]
