"""Expired sessions are deleted by a daily task the worker runs, queued like the purge."""

from __future__ import annotations

import datetime
from io import StringIO

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.tasks import TaskResultStatus, default_task_backend
from django.utils import timezone

from steward.retention import tasks


def _queued():
    return [r for r in default_task_backend.results
            if r.task.name == "clear_expired_sessions" and r.status == TaskResultStatus.READY]


def _session(expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store["note"] = "kept only while the session lives"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return str(store.session_key)


def test_the_task_removes_expired_sessions_keeps_live_ones_and_queues_tomorrows_run(db):
    expired = _session(-datetime.timedelta(minutes=1))
    live = _session(datetime.timedelta(hours=1))
    tasks.clear_expired_sessions.call()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert expired != live
    queued = _queued()
    assert len(queued) == 1
    assert queued[0].task.run_after.date() == timezone.localtime().date() + datetime.timedelta(days=1)


def test_the_schedule_command_queues_the_clean_up_once(db):
    out = StringIO()
    call_command("purge_expired", "--schedule", stdout=out)
    assert "Next clean-up of expired sessions queued for " in out.getvalue()
    out = StringIO()
    call_command("purge_expired", "--schedule", stdout=out)
    assert "A clean-up of expired sessions is already queued." in out.getvalue()
    assert len(_queued()) == 1
