"""What the registry tells the apps above it. Identifiers only."""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.events import Event


@dataclass(frozen=True)
class StaffAccountLinked(Event[None]):
    """A staff member (`user`) linked their account on a community system (`account`, a StaffAccount):
    every case among whose parties that person is becomes a conflict of interest for them."""

    user: int
    account: int
    ip: str | None = None
