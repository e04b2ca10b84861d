"""The worker's scheduler: each occurrence of a job runs once however many workers run, a
missed run runs once at start, and fast jobs (a fraction of a second) are possible."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from steward.core import scheduler
from steward.core.models import ScheduledJob

SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: Any) -> None:
    """Only the jobs a test registers (the apps' own jobs are tested with their apps)."""
    monkeypatch.setattr(scheduler, "_jobs", {})


class Counter:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> None:
        self.runs += 1


def test_two_workers_run_one_occurrence_once(db):
    count = Counter()
    scheduler.every("tests.tick", seconds=60, function=count)
    now = timezone.now()
    assert scheduler.run_due(now, by="worker-a") == ["tests.tick"]
    assert scheduler.run_due(now, by="worker-b") == []
    assert scheduler.run_due(now + 30 * SECOND, by="worker-b") == []
    assert count.runs == 1
    assert scheduler.run_due(now + 61 * SECOND, by="worker-b") == ["tests.tick"]
    assert count.runs == 2


def test_a_run_still_going_is_not_started_again_by_another_worker(db):
    """A fast job whose run takes longer than its interval: the lease keeps the second worker out."""
    inside: list[list[str]] = []
    later = timezone.now() + 10 * SECOND

    def slow() -> None:
        inside.append(scheduler.run_due(later, by="worker-b"))  # while worker-a is still running it

    scheduler.every("tests.fast", seconds=0.2, function=slow)
    assert scheduler.run_due(by="worker-a") == ["tests.fast"]
    assert inside == [[]]
    state = ScheduledJob.objects.get(name="tests.fast")
    assert state.locked_until is None and state.last_finished_at is not None


def test_a_lease_left_by_a_dead_worker_lapses(db):
    count = Counter()
    job = scheduler.every("tests.tick", seconds=1, function=count, lease=datetime.timedelta(seconds=60))
    now = timezone.now()
    ScheduledJob.objects.create(name=job.name, next_run_at=now - SECOND, locked_until=now + 30 * SECOND, locked_by="dead")
    assert scheduler.run_due(now, by="worker-a") == []
    assert scheduler.run_due(now + 31 * SECOND, by="worker-a") == ["tests.tick"]
    assert count.runs == 1


def test_days_missed_while_no_worker_ran_become_one_run(db):
    count = Counter()
    job = scheduler.daily("tests.daily", at=datetime.time(3), function=count)
    now = timezone.now()
    ScheduledJob.objects.create(name=job.name, next_run_at=now - datetime.timedelta(days=3))
    assert scheduler.run_due(now) == ["tests.daily"]
    assert scheduler.run_due(now + SECOND) == []
    assert count.runs == 1
    following = timezone.localtime(ScheduledJob.objects.get(name=job.name).next_run_at)
    assert now < following <= now + datetime.timedelta(days=1) and following.time() == datetime.time(3)


def test_a_new_daily_job_waits_for_its_time(db):
    count = Counter()
    scheduler.daily("tests.daily", at=datetime.time(3), function=count)
    assert scheduler.run_due() == []
    assert count.runs == 0
    assert ScheduledJob.objects.get(name="tests.daily").next_run_at > timezone.now()


def test_a_failed_run_is_recorded_and_runs_again_next_time(db):
    def broken() -> None:
        raise ValueError("nothing personal")

    scheduler.every("tests.broken", seconds=60, function=broken)
    now = timezone.now()
    assert scheduler.run_due(now) == ["tests.broken"]
    state = ScheduledJob.objects.get(name="tests.broken")
    assert state.last_error == "ValueError" and state.locked_until is None
    assert scheduler.run_due(now + 61 * SECOND) == ["tests.broken"]


def test_a_job_for_every_worker_keeps_its_own_time(db):
    count = Counter()
    scheduler.every("tests.local", seconds=1, function=count, exclusive=False)
    now = timezone.now()
    assert scheduler.run_due(now) == ["tests.local"]
    assert scheduler.run_due(now + SECOND / 2) == []
    assert scheduler.run_due(now + SECOND) == ["tests.local"]
    assert not ScheduledJob.objects.exists()


def test_fast_jobs_set_the_loop_pace():
    scheduler.every("tests.fast", seconds=0.2, function=Counter())
    scheduler.daily("tests.daily", at=datetime.time(3), function=Counter())
    assert scheduler.tick_seconds() == pytest.approx(0.2)
    with pytest.raises(ValueError):
        scheduler.every("tests.never", seconds=0, function=Counter())


@pytest.mark.django_db(transaction=True)
def test_the_loop_runs_until_stopped():
    stop = threading.Event()
    seen = Counter()

    def tick() -> None:
        seen()
        if seen.runs >= 3:
            stop.set()

    scheduler.every("tests.fast", seconds=0.05, function=tick, exclusive=False)
    thread = threading.Thread(target=scheduler.run_forever, args=(stop,))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and seen.runs == 3


def test_run_worker_once_runs_what_is_due(db, capsys):
    count = Counter()
    scheduler.every("tests.tick", seconds=60, function=count)
    call_command("run_worker", "--once")
    assert count.runs == 1
    assert "tests.tick" in capsys.readouterr().out
