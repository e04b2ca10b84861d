"""A small closed-loop load generator: N concurrent clients on loopback, each with its own
keep-alive connection, sending the next request as soon as the previous one is answered."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .common import percentile

# One client's request: given its connection, send one request and say whether the answer was right.
Request = Callable[[httpx.AsyncClient], Awaitable[bool]]
Setup = Callable[[httpx.AsyncClient], Awaitable[Request]]


@dataclass
class Result:
    label: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    failures: int = 0
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000 if self.latencies else float("nan")


def merge(results: list[Result]) -> Result:
    """Rounds of one kind (alternated with their baseline's) added up into one result."""
    merged = Result(results[0].label)
    for result in results:
        merged.latencies += result.latencies
        merged.failures += result.failures
        merged.elapsed += result.elapsed
    return merged


async def _run(base_url: str, setup: Setup, *, clients: int, requests: int, seconds: float, label: str) -> Result:
    result = Result(label)
    issued = 0
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    sessions = [httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) for _ in range(clients)]
    try:
        senders = await asyncio.gather(*(setup(session) for session in sessions))
        start = time.perf_counter()
        deadline = start + seconds

        async def client(session: httpx.AsyncClient, send: Request) -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                began = time.perf_counter()
                try:
                    ok = await send(session)
                except httpx.HTTPError:
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - began)
                else:
                    result.failures += 1

        await asyncio.gather(*(client(s, send) for s, send in zip(sessions, senders, strict=True)))
        result.elapsed = time.perf_counter() - start
    finally:
        await asyncio.gather(*(session.aclose() for session in sessions))
    return result


def run(base_url: str, setup: Setup, *, clients: int, requests: int, seconds: float, label: str) -> Result:
    """Send up to `requests` requests (or for `seconds`, whichever ends first) from `clients` clients."""
    return asyncio.run(_run(base_url, setup, clients=clients, requests=requests, seconds=seconds, label=label))
