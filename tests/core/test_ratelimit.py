"""Rate limits count atomically (however many attempts arrive at once, no more than the limit
get through), in Redis and in the local-memory cache, and count IPv6 clients per /64."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connections
from django.test import Client, RequestFactory

from steward.core import ratelimit
from steward.reports import services as report_services
from tests.core.test_hardening import redis_location, shared_redis
from tests.reports.helpers import report_data

WRONG_CODE = "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"


@pytest.fixture(params=["locmem", "redis"])
def cache_backend(request: Any, settings: Any) -> Iterator[str]:
    """The shared cache of production (Redis at REDIS_URL) and the default one (local memory)."""
    prefix = f"steward-test-{uuid.uuid4().hex}"
    if request.param == "redis":
        client = shared_redis()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": redis_location(), "KEY_PREFIX": prefix}}
        try:
            yield request.param
        finally:
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
            caches["default"].close()
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix}}
        yield request.param


def all_at_once(count: int, attempt: Any) -> list[Any]:
    """Run `attempt` in `count` threads released together; each thread has its own cache and database connections."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = attempt()
        finally:
            caches["default"].close()
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_wrong_codes_let_exactly_ten_through(settings, monkeypatch, cache_backend):
    settings.STEWARD_FOLLOWUP_RATE = (10, 3600)
    find_report = report_services.find_report

    def busy_lookup(code: str) -> Any:  # a database under load: every attempt is in flight at the same time
        time.sleep(0.05)
        return find_report(code)

    monkeypatch.setattr(report_services, "find_report", busy_lookup)

    statuses = all_at_once(30, lambda: Client(REMOTE_ADDR="203.0.113.30").post("/follow-up/", {"code": WRONG_CODE}).status_code)

    assert sorted(statuses) == [400] * 10 + [429] * 20
    assert Client(REMOTE_ADDR="203.0.113.30").post("/follow-up/", {"code": WRONG_CODE}).status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.31").post("/follow-up/", {"code": WRONG_CODE}).status_code == 400


def test_places_given_back_at_the_same_time_are_all_counted(cache_backend):
    """Thirty attempts at once, each giving its place back: the next ten are all allowed again."""
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.40")

    def reserve_and_release() -> bool:
        attempt = ratelimit.reserve("release", request, limit=10, window=3600)
        attempt.release()
        return attempt.allowed

    all_at_once(30, reserve_and_release)

    assert [ratelimit.reserve("release", request, limit=10, window=3600).allowed for _ in range(11)] == [True] * 10 + [False]


def request_from(address: str) -> Any:
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_an_ipv6_client_is_counted_per_64_network():
    key = ratelimit.client_key
    assert key(request_from("2001:db8:1:2::1")) == key(request_from("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    assert key(request_from("2001:db8:1:2::1")) == key(request_from("2001:db8:1:2:a:b:c:d"))
    assert key(request_from("2001:db8:1:2::1")) != key(request_from("2001:db8:1:3::1"))


def test_an_ipv4_client_is_counted_per_address_also_when_written_as_ipv6():
    key = ratelimit.client_key
    assert key(request_from("198.51.100.7")) != key(request_from("198.51.100.8"))
    assert key(request_from("::ffff:198.51.100.7")) == key(request_from("198.51.100.7"))
    assert key(request_from("::ffff:198.51.100.7")) != key(request_from("::ffff:198.51.100.8"))


@pytest.mark.django_db
def test_changing_address_inside_a_64_network_does_not_escape_the_intake_limit(settings):
    settings.STEWARD_INTAKE_RATE = (1, 3600)
    client = Client()

    def post(address: str) -> int:
        data = {**report_data(client), "narrative": f"A report sent from {address} about the meetup"}
        return client.post("/report/", data, REMOTE_ADDR=address).status_code

    assert post("2001:db8:aa:bb::1") == 200
    assert post("2001:db8:aa:bb::2") == 429
    assert post("2001:db8:aa:bb:1234:5678:9abc:def0") == 429
    assert post("2001:db8:aa:bc::1") == 200  # the next /64 is someone else


def test_a_cache_that_does_not_count_atomically_fails_the_system_check(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}

    # Only the security checks: the model checks may ask the database about its features.
    with pytest.raises(SystemCheckError, match=r"steward\.E101"):
        call_command("check", tags=["security"])
