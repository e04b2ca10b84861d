"""The staff queue (/staff/cases/) with 100,000 cases against the same page with 1,000.

Runs in-process with django.test.Client: the figure is the view, its queries and its
template, not HTTP. Cases are bulk-created (their data keys share a few dummy wrapped
keys: nothing here decrypts, only the listing is measured).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from .common import heading, percentile, row

BASELINE_CASES = 1_000
FULL_CASES = 100_000
REPEATS = 40
TARGET_P95_MS = 150.0
VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("default", {}),
    ("priority=P2", {"priority": "P2"}),
    ("overdue=on", {"overdue": "on"}),
    ("assignee=me", {"assignee": "me"}),
    ("status=closed", {"status": "closed"}),
    ("q=C-00042", {"q": "C-00042"}),
    ("page=50", {"page": "50"}),
]


def _people() -> tuple[Any, list[Any], list[Any]]:
    from django.contrib.auth.models import Group, User

    from steward.cases.models import Space
    from steward.core.roles import Role

    triager = User.objects.create_user("bench-triager", is_staff=True, first_name="Tess")
    triager.groups.add(Group.objects.get_or_create(name=Role.TRIAGER)[0])
    handlers = []
    handler_group = Group.objects.get_or_create(name=Role.CASE_HANDLER)[0]
    for index in range(8):
        handler = User.objects.create_user(f"bench-handler-{index}", is_staff=True, first_name=f"Handler {index}")
        handler.groups.add(handler_group)
        handlers.append(handler)
    spaces = [Space.objects.create(name=f"Space {index}", kind=kind)
              for index, kind in enumerate([k for k in Space.Kind.values] * 3)]
    return triager, handlers, spaces


def _signed_in(user: Any) -> Any:
    """A client signed in as `user` as if through the password and second-factor steps.

    `force_login` skips allauth's flow, so this writes what that flow leaves in the session
    (a password step and a second-factor step with an activated authenticator app)."""
    import base64
    import os
    import time as clock

    from django.apps import apps
    from django.test import Client

    client = Client()
    client.force_login(user)
    if not apps.is_installed("allauth.mfa"):
        return client
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str
    from allauth.mfa.totp.internal.auth import TOTP

    totp = TOTP.activate(user, base64.b32encode(os.urandom(20)).decode()).instance
    now = clock.time()
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "id": totp.pk, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
    return client


def _add_cases(count: int, *, triager: Any, handlers: list[Any], spaces: list[Any], rng: random.Random) -> None:
    from django.utils import timezone

    from steward.cases.models import RANK, Case, Priority, Status
    from steward.core.models import DataKey

    keys = list(DataKey.objects.filter(purpose=DataKey.Purpose.CASE, wrapped=b"bench-dummy-key")[:3])
    if not keys:
        keys = DataKey.objects.bulk_create(
            [DataKey(purpose=DataKey.Purpose.CASE, wrapped=b"bench-dummy-key") for _ in range(3)])
    now = timezone.now()
    priorities = [None, Priority.P1, Priority.P2, Priority.P2, Priority.P3, Priority.P3, Priority.P3, Priority.P4]
    statuses = [Status.NEW, Status.TRIAGED, Status.INVESTIGATING, Status.AWAITING_DECISION, Status.DECIDED,
                Status.REOPENED, Status.CLOSED, Status.CLOSED, Status.CLOSED]
    assignees = [None, None, triager, *handlers]
    batch: list[Case] = []
    for _ in range(count):
        priority = rng.choice(priorities)
        status = Status.NEW if priority is None else rng.choice(statuses[1:])
        opened = now - timedelta(hours=rng.uniform(0, 24 * 365))
        batch.append(Case(
            status=status, priority=priority, rank=RANK[Priority(priority) if priority else None],
            opened_at=opened, due_at=now + timedelta(hours=rng.uniform(-24 * 30, 24 * 30)),
            closed_at=now if status == Status.CLOSED else None, assignee=rng.choice(assignees),
            space=rng.choice([None, *spaces]), danger=priority == Priority.P1, language=rng.choice(["en", "de", "es", ""]),
            data_key=rng.choice(keys),
        ))
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    if batch:
        Case.objects.bulk_create(batch)


def _counting(queries: list[str]) -> Any:
    """A database execute wrapper that notes every query (DEBUG stays off, as in production)."""

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    return count


def _measure(client: Any) -> dict[str, tuple[float, float, int]]:
    from django.db import connection

    figures = {}
    for name, params in VARIANTS:
        for _ in range(3):  # warm-up
            response = client.get("/staff/cases/", params)
            assert response.status_code == 200, (name, response.status_code, response.get("Location"))
        queries: list[str] = []
        with connection.execute_wrapper(_counting(queries)):
            client.get("/staff/cases/", params)
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            response = client.get("/staff/cases/", params)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        figures[name] = (percentile(timings, 50), percentile(timings, 95), len(queries))
    return figures


def run() -> dict[str, Any]:
    """Needs Django set up against an empty, migrated PostgreSQL database."""
    from django.db import connection

    from steward.cases.models import Case

    heading(f"Staff queue: GET /staff/cases/ with {FULL_CASES:,} cases vs {BASELINE_CASES:,} (PostgreSQL, in-process)")
    rng = random.Random(42)
    triager, handlers, spaces = _people()
    client = _signed_in(triager)

    _add_cases(BASELINE_CASES, triager=triager, handlers=handlers, spaces=spaces, rng=rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    baseline = _measure(client)

    began = time.perf_counter()
    _add_cases(FULL_CASES - BASELINE_CASES, triager=triager, handlers=handlers, spaces=spaces, rng=rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    row("cases created", f"{Case.objects.count():,} in {time.perf_counter() - began:.1f} s (bulk)")
    full = _measure(client)

    print(f"  {'variant':<14} {'1k p50':>8} {'1k p95':>8} {'100k p50':>9} {'100k p95':>9} {'p95 ratio':>9}"
          f" {'queries 1k/100k':>16}  target p95<{TARGET_P95_MS:.0f}ms")
    worst = 0.0
    queries_equal = True
    for name, _ in VARIANTS:
        b50, b95, bq = baseline[name]
        f50, f95, fq = full[name]
        worst = max(worst, f95)
        queries_equal &= bq == fq
        print(f"  {name:<14} {b50:8.1f} {b95:8.1f} {f50:9.1f} {f95:9.1f} {f95 / b95:9.2f} {f'{bq} / {fq}':>16}"
              f"  {'ok' if f95 < TARGET_P95_MS else 'SLOW'}")
    row("slowest p95 with 100k cases", f"{worst:.1f} ms (target < {TARGET_P95_MS:.0f} ms: "
                                       f"{'met' if worst < TARGET_P95_MS else 'NOT met'})")
    row("query count independent of case count", "yes" if queries_equal else "NO")
    return {"worst_p95": worst, "queries_equal": queries_equal}
