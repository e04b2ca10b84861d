"""The daily purge and the daily clean-up of expired sessions.

Django's tasks have no scheduler: each run queues the next one for the following day
(`run_after`), and `manage.py purge_expired --schedule` (run by `bin/run` and at every
deployment) makes sure one of each is waiting. A run is idempotent, so a duplicate costs
nothing; after one round duplicates disappear (a run only queues the next when none is
waiting)."""

from __future__ import annotations

import datetime
from importlib import import_module

from django.conf import settings
from django.tasks import Task, TaskResultStatus, task, task_backends
from django.utils import timezone


@task()
def purge_expired_cases() -> int:
    from .purge import purge_expired

    try:
        purged = purge_expired()
    finally:
        ensure_scheduled()  # even a failed run leaves tomorrow's queued
    return len(purged)


@task()
def clear_expired_sessions() -> None:
    """Delete the sessions past their expiry (what ``manage.py clearsessions`` does)."""
    try:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    finally:
        ensure_sessions_cleared()


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next purge time: tomorrow at STEWARD_RETENTION_PURGE_HOUR (server time zone)."""
    local = timezone.localtime(now or timezone.now())
    tomorrow = local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(settings.STEWARD_RETENTION_PURGE_HOUR), tzinfo=local.tzinfo)


def pending_run(daily: Task = purge_expired_cases) -> bool:
    """Whether a run of this daily task is already queued and waiting (not running)."""
    backend = task_backends[daily.backend]
    if backend.__class__.__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(task_path=daily.module_path, status=TaskResultStatus.READY).exists()
    results = getattr(backend, "results", None)  # the dummy backend of the tests keeps them in memory
    if results is not None:
        return any(r.task.module_path == daily.module_path and r.status == TaskResultStatus.READY for r in results)
    return False


def can_schedule() -> bool:
    return bool(task_backends[purge_expired_cases.backend].supports_defer)


def _ensure(daily: Task, now: datetime.datetime | None) -> datetime.datetime | None:
    if not can_schedule() or pending_run(daily):
        return None
    when = next_run(now)
    daily.using(run_after=when).enqueue()
    return when


def ensure_scheduled(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Queue the next purge unless one is waiting; returns when it will run (None: nothing queued)."""
    return _ensure(purge_expired_cases, now)


def ensure_sessions_cleared(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Queue the next clean-up of expired sessions unless one is waiting."""
    return _ensure(clear_expired_sessions, now)
