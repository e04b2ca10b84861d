"""The worker's side of a rollout: claim a due action, carry it out on its system, read the state
back, record the outcome. Runs from the worker's scheduler loop (`manage.py run_worker`, job
"enforcement.rollouts"), in every worker.

Claiming works like the outbox's: one due row at a time, `SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL plus a compare-and-set on (status, attempts), committed as RUNNING with a lease before
the system is called. A worker killed mid-call leaves the row RUNNING; once the lease lapses,
another worker claims it again. That is safe because each step is idempotent on the system (a
second ban of a banned user changes nothing) and because the state found before the first
attempt is committed before acting: a repeated attempt still knows what was there before
Steward came, so the change it records, and later undoes, is Steward's alone.

A retryable failure (rate limit, server error, timeout) waits with exponential back-off and
jitter, or as long as the system's Retry-After asks if that is longer, up to
STEWARD_OUTBOX_MAX_ATTEMPTS; then the action is FAILED. A permanent one (unknown user, missing
permission, an answer that is not JSON) stops at NEEDS_HUMAN with the reason in words.
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import audit, outbox

from . import connectors, own_steps, services
from .connectors.base import Connector, NeedsHuman, RetryLater, Work
from .models import FINISHED, OWN_STEPS, ActionStatus, ConnectorConfig, Kind, RolloutAction

logger = logging.getLogger(__name__)
WAIT_FOR_SOURCE = datetime.timedelta(seconds=5)  # a reversal step whose action is still running


def _lease() -> datetime.timedelta:
    # The outbox's lease: longer than any one call to a system (their timeout is 15 s).
    return datetime.timedelta(seconds=settings.STEWARD_OUTBOX_LEASE_SECONDS)


def _due(now: datetime.datetime) -> Any:
    abandoned = Q(status=ActionStatus.RUNNING, lease_expires_at__lt=now)
    # The rollout's order: nothing starts while an automatic step of an earlier phase is pending.
    earlier = (RolloutAction.objects.filter(rollout=OuterRef("rollout"), phase__lt=OuterRef("phase"),
                                            status__in=[ActionStatus.PLANNED, ActionStatus.RUNNING])
               .exclude(kind=Kind.MANUAL))
    # A reversed rollout's own steps were cancelled unless running: those are finished first, then undone.
    return (RolloutAction.objects.exclude(kind=Kind.MANUAL)
            .filter(Q(status=ActionStatus.PLANNED, next_attempt_at__lte=now) | abandoned)
            .filter(~Exists(earlier)))


def claim(now: datetime.datetime | None = None, *, system: str | None = None) -> RolloutAction | None:
    """Take one due action and commit it as RUNNING before its system is called."""
    while True:
        now = now or timezone.now()
        with transaction.atomic():
            rows = _due(now).order_by("next_attempt_at", "rollout_id", "position", "pk")
            if system is not None:
                rows = rows.filter(system=system)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            row: RolloutAction | None = rows.first()
            if row is None:
                return None
            fields = {"status": ActionStatus.RUNNING, "attempts": row.attempts + 1, "lease_expires_at": now + _lease()}
            if RolloutAction.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(**fields):
                if row.status == ActionStatus.RUNNING:
                    logger.warning("rollout action %s was running when its worker stopped; trying it again", row.pk)
                for name, value in fields.items():
                    setattr(row, name, value)
                return row
        now = None  # another worker took it: look again


def _held(action: RolloutAction, **fields: Any) -> bool:
    """Write to the action only while this worker's claim holds."""
    return bool(RolloutAction.objects.filter(pk=action.pk, status=ActionStatus.RUNNING, attempts=action.attempts)
                .update(**fields))


def _finish(action: RolloutAction, status: str, *, error: str = "", **fields: Any) -> str:
    if status in FINISHED:
        fields.setdefault("finished_at", timezone.now())
    with transaction.atomic():
        if _held(action, status=status, last_error=error[:500], lease_expires_at=None, **fields):
            if status == ActionStatus.VERIFIED and action.reverses_id is not None:
                RolloutAction.objects.filter(pk=action.reverses_id).update(status=ActionStatus.REVERTED)
            services.refresh(action.rollout)
            if status in {ActionStatus.VERIFIED, ActionStatus.UNVERIFIED, ActionStatus.DONE, ActionStatus.NEEDS_HUMAN,
                          ActionStatus.FAILED}:
                audit.record(services.ROLLOUT_JOB, f"rollout.action_{status}", action, detail={
                    "case": action.rollout.case_id, "rollout": action.rollout_id, "system": action.system,
                    "kind": action.kind, "attempts": action.attempts})
    return status


def _retry(action: RolloutAction, error: RetryLater) -> str:
    if action.attempts >= settings.STEWARD_OUTBOX_MAX_ATTEMPTS:
        return _finish(action, ActionStatus.FAILED, error=_("%(reason)s Gave up after %(attempts)s attempts.")
                       % {"reason": error.reason, "attempts": action.attempts})
    wait = outbox.backoff(action.attempts)
    if error.after is not None:  # the system said how long: never sooner than that
        wait = max(wait, datetime.timedelta(seconds=min(error.after, 24 * 3600)))
    _held(action, status=ActionStatus.PLANNED, last_error=error.reason[:500], lease_expires_at=None,
          next_attempt_at=timezone.now() + wait)
    return ActionStatus.PLANNED


def _connector(system: str) -> Connector:
    config = ConnectorConfig.objects.select_related("data_key").filter(system=system, enabled=True).first()
    if config is None:
        raise NeedsHuman(_("No connector is configured (or it is switched off) for this system: do it by hand."))
    connector = connectors.build(system, config.options, config.credentials)
    if connector is None:
        raise NeedsHuman(_("Steward has no connector for this system: do it by hand."))
    return connector


def _work(action: RolloutAction, handle: str, source: RolloutAction | None) -> Work:
    return Work(kind=action.kind, target=action.target, handle=handle, before=(source or action).before or {},
                change=(source or action).change or {}, expires_at=action.expires_at, key=action.idempotency_key)


def run(action: RolloutAction) -> str:
    """Carry out one claimed action; returns its new status."""
    action = RolloutAction.objects.select_related("identity__data_key", "rollout", "reverses").get(pk=action.pk)
    if action.kind in OWN_STEPS:
        return _own_step(action)
    try:
        if action.identity is None:
            raise NeedsHuman(_("The account this step was for is no longer in the registry."))
        handle = action.identity.handle
        connector = _connector(action.system)
        if action.reverses is not None:
            return _undo(action, connector, handle, action.reverses)
        if action.before is None:  # committed before acting: a repeated attempt must not read Steward's own ban
            before = connector.observe(_work(action, handle, None))
            _held(action, before=before)
            action.before = before
        change = {**(action.change or {}), **connector.apply(_work(action, handle, None))}
        _held(action, change=change)
        action.change = change
        if not connector.reads_back:  # acknowledged, and there is nothing to read back
            return _finish(action, ActionStatus.DONE)
        verified = connector.verify(_work(action, handle, None))
    except RetryLater as error:
        return _retry(action, error)
    except NeedsHuman as error:
        return _finish(action, ActionStatus.NEEDS_HUMAN, error=error.reason)
    except Exception as error:  # a bug or an unexpected answer: retried, then left to a person
        logger.exception("rollout action %s failed", action.pk)
        return _retry(action, RetryLater(_("Unexpected error (%(error)s).") % {"error": type(error).__name__}))
    if verified is False:
        return _retry(action, RetryLater(_("The system's state, read back, does not show the step done yet.")))
    return _finish(action, ActionStatus.VERIFIED if verified else ActionStatus.UNVERIFIED)


def _undo(action: RolloutAction, connector: Connector, handle: str, source: RolloutAction) -> str:
    if source.status == ActionStatus.RUNNING:  # the step being undone is still under way: after it
        _held(action, status=ActionStatus.PLANNED, attempts=action.attempts - 1, lease_expires_at=None,
              next_attempt_at=timezone.now() + WAIT_FOR_SOURCE)
        return ActionStatus.PLANNED
    if not source.change:
        return _finish(action, ActionStatus.DONE, error=_("Nothing to undo: Steward changed nothing here."))
    work = _work(action, handle, source)
    connector.revert(work)
    if not connector.reads_back:
        return _finish(action, ActionStatus.DONE)
    verified = connector.verify_reverted(work)
    if verified is False:
        raise RetryLater(_("The system's state, read back, does not show the step undone yet."))
    return _finish(action, ActionStatus.VERIFIED if verified else ActionStatus.UNVERIFIED)


def _own_step(action: RolloutAction) -> str:
    """Steward's own steps: telling the person and the moderators, the follow-up check."""
    try:
        outcome = own_steps.carry_out(action)
    except Exception:  # a bug: retried like any step, then left to a person
        logger.exception("rollout action %s failed", action.pk)
        return _retry(action, RetryLater(_("Unexpected error while Steward carried out its own step.")))
    if outcome.wait is not None:  # waiting on something else (an email in the outbox): no attempt spent
        _held(action, status=ActionStatus.PLANNED, attempts=action.attempts - 1, lease_expires_at=None,
              next_attempt_at=timezone.now() + outcome.wait)
        return ActionStatus.PLANNED
    return _finish(action, outcome.status, error=outcome.reason)


def _work_on(system: str | None, *, limit: int, seconds: float) -> int:
    done, started = 0, time.monotonic()
    while done < limit and time.monotonic() - started < seconds:
        action = claim(system=system)
        if action is None:
            break
        try:
            run(action)
        except Exception:  # never lose the loop to one action; its lease lapses and it is tried again
            logger.exception("rollout action %s could not be recorded", action.pk)
        done += 1
    return done


def due_systems() -> list[str]:
    return sorted(set(_due(timezone.now()).values_list("system", flat=True)))


def _in_thread(system: str, limit: int, seconds: float) -> int:
    try:
        return _work_on(system, limit=limit, seconds=seconds)
    finally:
        connection.close()  # the thread's own connection: not left open for the process's lifetime


def _threads_see_rows() -> bool:
    """Whether other threads' connections see this one's rows and may write beside it: not
    inside a transaction, and not an in-memory SQLite database (it locks whole tables)."""
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    return not connection.in_atomic_block and not in_memory


def work(limit: int = 500, *, seconds: float = 30.0, system: str | None = None) -> int:
    """Carry out due actions until none is due, `limit` were tried or `seconds` passed; returns
    how many were tried. Systems are worked on at the same time, one thread each, so a slow or
    failing system does not hold up the others; where threads could not share the database
    (inside a transaction, an in-memory SQLite) they are worked on one after the other."""
    if system is not None or not _threads_see_rows():
        return _work_on(system, limit=limit, seconds=seconds)
    done, started = 0, time.monotonic()
    # In rounds: a phase finished in one round (the person told) makes the next phase's steps due.
    while done < limit and (left := seconds - (time.monotonic() - started)) > 0:
        systems = due_systems()
        if not systems:
            break
        with ThreadPoolExecutor(max_workers=min(len(systems), settings.STEWARD_ROLLOUT_SYSTEMS_AT_ONCE),
                                thread_name_prefix="rollout") as pool:
            tried = sum(pool.map(functools.partial(_in_thread, limit=limit - done, seconds=left), systems))
        if not tried:
            break
        done += tried
    return done


# The worker's pool: one loop per system with due actions, each on its own until that system has
# nothing due. The scheduler's job only hands systems out, so it returns at once.
_pool: ThreadPoolExecutor | None = None
_busy: set[str] = set()
_busy_lock = threading.Lock()


def _loop(system: str) -> None:
    try:
        _in_thread(system, 500, 300.0)
    finally:
        with _busy_lock:
            _busy.discard(system)


def start() -> int:
    """The worker's job "enforcement.rollouts": give each system that has due actions and no loop
    running a loop of its own in the pool; returns how many loops it started."""
    global _pool  # one pool per worker process, made on first use
    if not _threads_see_rows():
        return work()
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.STEWARD_ROLLOUT_SYSTEMS_AT_ONCE, thread_name_prefix="rollout")
    started = 0
    for system in due_systems():
        with _busy_lock:
            if system in _busy:
                continue
            _busy.add(system)
        _pool.submit(_loop, system)
        started += 1
    return started
