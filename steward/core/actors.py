"""Who acts when no staff member does. Every service takes an actor: a staff member's user, or
one of these, declared by the app whose background work (or reporter-facing step) acts.

A system actor may do exactly the actions it is declared with, on every object, and nothing
else; the audit log records it as its `kind` ("system", or "reporter" for steps a reporter's
own request causes) with the job's name in the entry's detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class SystemActor:
    """Background work acting in Steward's own name, e.g. ``SystemActor("retention purge", may=…)``."""

    job: str
    may: frozenset[StrEnum] = field(default_factory=frozenset)
    kind: str = "system"
    # What code written for users asks of an actor: a system actor is never a signed-in person.
    pk: None = None
    is_authenticated: bool = False
    is_active: bool = False
    is_staff: bool = False

    def __post_init__(self) -> None:
        if not self.job.strip():
            raise ValueError("A system actor names the job it acts for.")
        if self.kind not in {"system", "reporter"}:
            raise ValueError(f"Unknown kind of system actor: {self.kind!r}")

    def __str__(self) -> str:
        return self.job
