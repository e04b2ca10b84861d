"""Service-level clocks: how long each priority may wait, from the organisation's settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings


def window(priority: str | None) -> timedelta:
    if priority is None:  # untriaged: the acknowledgement promise applies
        return timedelta(hours=settings.STEWARD_ACK_HOURS)
    return timedelta(hours=settings.STEWARD_SLA_HOURS[priority])


def due(priority: str | None, *, start: datetime) -> datetime:
    return start + window(priority)
