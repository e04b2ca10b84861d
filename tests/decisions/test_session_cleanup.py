"""Expired sessions are deleted by a daily job the worker runs (steward/retention/jobs.py),
scheduled like the purge (tests/decisions/test_retention_purge.py)."""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from steward.retention import jobs


def _session(expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store["note"] = "kept only while the session lives"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return str(store.session_key)


def test_the_job_removes_expired_sessions_and_keeps_live_ones(db):
    expired = _session(-datetime.timedelta(minutes=1))
    live = _session(datetime.timedelta(hours=1))
    jobs.clear_expired_sessions()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert expired != live
