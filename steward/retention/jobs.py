"""The daily purge of cases past their retention period and the daily clean-up of expired
sessions, registered with the worker's scheduler (steward/core/scheduler.py) by the app's
`ready()`. Both are idempotent; a day the worker missed runs once when it starts again."""

from __future__ import annotations

import datetime
from importlib import import_module

from django.conf import settings

from steward.core import scheduler


def purge_expired_cases() -> int:
    from .purge import purge_expired

    return len(purge_expired())


def clear_expired_sessions() -> None:
    """Delete the sessions past their expiry (what ``manage.py clearsessions`` does)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def register() -> None:
    at = datetime.time(settings.STEWARD_RETENTION_PURGE_HOUR)
    scheduler.daily("retention.purge_expired_cases", at=at, function=purge_expired_cases)
    scheduler.daily("retention.clear_expired_sessions", at=at, function=clear_expired_sessions)
