"""What the staff lifecycle tells the apps above it (cases, later enforcement and training).

Published inside the lifecycle's transaction by `steward.staff.services`; a handler that refuses
(raises) undoes the whole change. Identifiers only."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.events import Event


@dataclass(frozen=True)
class HandedOn:
    """What one subscriber did with a staff member's work: the ids of the cases it moved and of
    the consultations it withdrew (audited by the lifecycle with the change)."""

    cases_moved: tuple[int, ...] = ()
    consultations_withdrawn: tuple[int, ...] = ()


@dataclass(frozen=True)
class StaffOffboarding(Event[HandedOn]):
    """`member` is leaving: their open work goes to `reassign_to` (None: back to the triage queue)."""

    member: int
    by: int
    reassign_to: int | None
    ip: str | None = None


@dataclass(frozen=True)
class StaffRolesChanged(Event[HandedOn]):
    """`member` now holds exactly `after`: work a role taken away allowed goes back."""

    member: int
    by: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    ip: str | None = None


@dataclass(frozen=True)
class StaffProfileChanged(Event[None]):
    """`member`'s profile (job title, team, manager, the ways they work with contributors) changed:
    training's role rules look at them again at once."""

    member: int
    by: int | None
