"""Periodic work, run by the worker (`manage.py run_worker`): one small loop, one registry.

Apps register jobs in their `AppConfig.ready()`::

    scheduler.daily("retention.purge", at=datetime.time(3), function=purge)  # once a day, server time
    scheduler.every("audit.sequence", seconds=0.2, function=sequence)       # a fast job
    scheduler.every("cache.warm", seconds=60, function=warm, exclusive=False)  # in every worker

An exclusive job (the default) runs once per occurrence however many workers run: its row in
`ScheduledJob` holds the next run time, and a worker takes an occurrence by moving that time
forward with a compare-and-set UPDATE, which only one worker can win; a lease (`locked_until`)
keeps a second worker from starting it while a run is still going, and lapses if the worker
dies. The next run time is computed from now when a run is taken, so occurrences missed while
no worker ran become one run at start, not a burst. A job with `exclusive=False` runs in every
worker on its own timer. (The outbox dispatcher is not a job: it runs in its own thread of the
worker, core.outbox.run_forever, so a long queue of emails never delays a job.)

django-crontask was considered: it schedules through APScheduler in its own process, prevents
a second scheduler with a Redis or file lock rather than the database, and does not run missed
occurrences on start; this loop needs neither Redis nor a second process.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, close_old_connections
from django.db.models import Q
from django.utils import timezone

from .models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    function: Callable[[], object]
    interval: datetime.timedelta | None = None
    at: datetime.time | None = None  # daily, at this time in the server's time zone
    exclusive: bool = True
    lease: datetime.timedelta = datetime.timedelta(minutes=30)
    due_locally: datetime.datetime | None = field(default=None, repr=False)  # non-exclusive jobs
    # Exclusive jobs: the next run time last read from the table. Workers only move it forward,
    # so until then there is nothing to ask the database (a fast loop stays cheap).
    known_next: datetime.datetime | None = field(default=None, repr=False)

    def next_after(self, moment: datetime.datetime) -> datetime.datetime:
        if self.interval is not None:
            return moment + self.interval
        if self.at is None:
            raise ValueError(f"Job {self.name!r} has neither an interval nor a time of day.")
        local = timezone.localtime(moment)
        today = datetime.datetime.combine(local.date(), self.at, tzinfo=local.tzinfo)
        return today if today > local else today + datetime.timedelta(days=1)


_jobs: dict[str, Job] = {}


def every(name: str, *, function: Callable[[], object], seconds: float, exclusive: bool = True,
          lease: datetime.timedelta | None = None) -> Job:
    """Run `function` every `seconds` (fractions allowed)."""
    if seconds <= 0:
        raise ValueError("A job's interval must be positive.")
    interval = datetime.timedelta(seconds=seconds)
    return _register(Job(name, function, interval=interval, exclusive=exclusive,
                         lease=lease or max(datetime.timedelta(seconds=60), interval * 10)))


def daily(name: str, *, function: Callable[[], object], at: datetime.time,
          lease: datetime.timedelta | None = None) -> Job:
    """Run `function` once a day at `at`, server time; a day missed runs once when a worker starts."""
    return _register(Job(name, function, at=at, lease=lease or datetime.timedelta(hours=1)))


def _register(job: Job) -> Job:
    _jobs[job.name] = job
    return job


def jobs() -> list[Job]:
    return list(_jobs.values())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def _take(job: Job, now: datetime.datetime, by: str) -> bool:
    """Take the current occurrence of an exclusive job if it is due and nobody runs it."""
    if job.known_next is not None and job.known_next > now:
        return False
    state, created = ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": job.next_after(now)})
    job.known_next = state.next_run_at
    if created and job.interval is None:
        return False  # a new daily job waits for its first time
    if state.next_run_at > now and not created:
        return False
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    following = job.next_after(now)
    taken = bool(ScheduledJob.objects.filter(free, name=job.name, next_run_at=state.next_run_at).update(
        next_run_at=following, locked_until=now + job.lease, locked_by=by, last_started_at=now))
    if taken:
        job.known_next = following
    return taken


def _run(job: Job, by: str) -> None:
    error = ""
    try:
        job.function()
    except Exception as exc:  # a failed run is logged; the job runs again next time
        error = type(exc).__name__
        logger.exception("periodic job %s failed", job.name)
    if job.exclusive:
        ScheduledJob.objects.filter(name=job.name, locked_by=by).update(
            locked_until=None, last_finished_at=timezone.now(), last_error=error[:200])


def run_due(now: datetime.datetime | None = None, *, by: str | None = None) -> list[str]:
    """One pass: run every job that is due (and, if exclusive, won by this worker); returns their names."""
    by = by or worker_name()
    ran = []
    for job in jobs():
        moment = now or timezone.now()
        if job.exclusive:
            if not _take(job, moment, by):
                continue
        else:
            if job.due_locally is not None and job.due_locally > moment:
                continue
            job.due_locally = job.next_after(moment)
        _run(job, by)
        ran.append(job.name)
    return ran


def tick_seconds() -> float:
    """How long the loop sleeps between passes: the shortest interval, between 0.05 and 1 s."""
    intervals = [job.interval.total_seconds() for job in jobs() if job.interval is not None]
    return max(0.05, min([1.0, *intervals]))


def run_forever(stop: threading.Event) -> None:
    """The loop `manage.py run_worker` runs until `stop` is set."""
    by = worker_name()
    logger.info("scheduler %s running %s", by, ", ".join(sorted(_jobs)))
    while not stop.is_set():
        close_old_connections()
        try:
            run_due(by=by)
        except DatabaseError:  # the database is away for a moment: keep the worker, try again
            logger.exception("scheduler pass failed")
            stop.wait(5)
        stop.wait(tick_seconds())
