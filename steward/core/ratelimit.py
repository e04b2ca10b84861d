"""Fixed-window rate limits for anonymous endpoints, kept in the shared cache
(Redis when REDIS_URL is set, so every web process counts together).

An attempt takes its place in the client's window with one atomic step (cache.add, then
cache.incr, which Redis, locmem and memcached carry out atomically), before any work is done:
however many requests arrive at once, no more than the limit get through. A view that counts
only some outcomes (accepted reports, wrong codes) gives the place back for the others.

IPv4 clients are counted per address; IPv6 clients per /64, the smallest network a provider
hands to one household, inside which a visitor can pick any number of addresses."""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from .crypto import keyed_hash
from .http import client_address

# Cache backends whose incr() is one atomic step; the database and file caches read, add and write back.
ATOMIC_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


def client_network(address: str) -> str:
    """What one client is counted as: an IPv4 address, or the /64 network of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:198.51.100.7 is an IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def client_key(request: HttpRequest) -> str:
    # Only a keyed hash of the address is kept, and only for the window's length.
    return keyed_hash(client_network(client_address(request)), purpose="ratelimit")[:32]


def _window(scope: str, request: HttpRequest, window: int, client: str | None = None) -> tuple[str, int]:
    """The counter's key for the current window, and the whole seconds until that window ends."""
    now = time.time()
    index = int(now // window)
    return f"rl:{scope}:{client or client_key(request)}:{index}", max(1, math.ceil((index + 1) * window - now))


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    retry_after: int  # seconds until the window ends and the count starts again
    key: str

    def release(self) -> None:
        """Give the place back: the attempt is not one the limit counts."""
        if self.allowed:
            _decrement(self.key)


def _decrement(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window has already expired
        cache.decr(key)


def reserve(scope: str, request: HttpRequest, *, limit: int, window: int, client: str | None = None) -> Attempt:
    """Count one attempt now; it is allowed when it is among the first `limit` of its window.

    `client` counts someone other than the visitor's network, e.g. an API token (each token its own window)."""
    key, retry_after = _window(scope, request, window, client)
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            count = 1 if cache.add(key, 1, timeout=window) else cache.incr(key)
    if count > limit:
        _decrement(key)  # a refused attempt holds no place, so a released one frees a place for the next
        return Attempt(allowed=False, retry_after=retry_after, key=key)
    return Attempt(allowed=True, retry_after=retry_after, key=key)


def hit(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    """Count one attempt; return False once the client is over the limit."""
    return reserve(scope, request, limit=limit, window=window).allowed


def is_limited(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    return bool(cache.get(_window(scope, request, window)[0], 0) >= limit)


def please_wait(request: HttpRequest, attempt: Attempt, *, template: str) -> HttpResponse:
    """The "please wait" page: how long in minutes (rounded up) and in a Retry-After header."""
    minutes = max(1, math.ceil(attempt.retry_after / 60))
    wait = ngettext("Please try again in %(minutes)d minute.", "Please try again in %(minutes)d minutes.",
                    minutes) % {"minutes": minutes}
    response = render(request, template, {"wait": wait, "minutes": minutes}, status=429)
    response["Retry-After"] = str(attempt.retry_after)
    return response


def accepted(response: HttpResponse) -> bool:
    """Count the attempts that succeeded (a report filed, a reply sent): an error page gives the place back."""
    return response.status_code < 400


def refused(response: HttpResponse) -> bool:
    """Count the attempts that failed (a wrong code): a success gives the place back."""
    return response.status_code >= 400


View = Callable[..., HttpResponse]


def limit_posts(scope: str, rate_setting: str, *, counts: Callable[[HttpResponse], bool],
                template: str) -> Callable[[View], View]:
    """Rate-limit a view's POSTs with the (count, seconds) pair in settings.<rate_setting>.

    The limit is checked, and a place taken, before the view runs; `counts` then says from the
    view's response whether the attempt keeps its place. GETs are never counted."""
    def decorate(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            limit, window = getattr(settings, rate_setting)
            attempt = reserve(scope, request, limit=limit, window=window)
            if not attempt.allowed:
                return please_wait(request, attempt, template=template)
            try:
                response = view(request, *args, **kwargs)
            except BaseException:
                attempt.release()  # our failure, not the visitor's attempt
                raise
            if not counts(response):
                attempt.release()
            return response
        return limited
    return decorate


@checks.register(checks.Tags.security)
def check_atomic_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in ATOMIC_BACKENDS:
        return []
    return [checks.Error(
        f"The default cache ({backend}) does not count atomically, so rate limits could let more attempts through.",
        hint="Use Redis (set REDIS_URL) or the local-memory cache.", id="steward.E101")]
