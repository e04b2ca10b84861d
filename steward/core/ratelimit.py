"""Fixed-window rate limits for anonymous endpoints, kept in the shared cache
(Redis when REDIS_URL is set, so every web process counts together)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

from .crypto import keyed_hash
from .http import client_address


def client_key(request: HttpRequest) -> str:
    # Only a keyed hash of the address is kept, and only for the window's length.
    address = client_address(request)
    return keyed_hash(address, purpose="ratelimit")[:32]


def _window_key(scope: str, request: HttpRequest, window: int) -> str:
    return f"rl:{scope}:{client_key(request)}:{int(time.time() // window)}"


def hit(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    """Count one attempt; return False once the client is over the limit."""
    key = _window_key(scope, request, window)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit


def is_limited(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    return bool(cache.get(_window_key(scope, request, window), 0) >= limit)
