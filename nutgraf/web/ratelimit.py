"""Failed sign-ins, limited per client and overall.

A delay after each failure slows one guesser only: 200 connections guessing at once were
400 guesses a second. Counting failures in a sliding window instead, per client and for the
whole site, caps the guessing whatever the parallelism: past the limit every attempt is
refused before the secret is compared, the right one too, until the window has moved on.

The counts live in the server process (each ``--workers`` process counts its own), bounded
in memory whatever the attacker does: at most ``max_clients`` clients are tracked, the
longest idle forgotten first, and an IPv6 client counts as its /64 network, which one host
can fill with addresses.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FailureLimits", "LoginLimiter", "client_key"]


@dataclass(frozen=True, slots=True)
class FailureLimits:
    """``per_client`` failures from one client, and ``overall`` from all of them, within
    ``window`` seconds. With the defaults a single client makes at most 5 guesses in 5
    minutes and the whole internet at most 30 a minute: 43,200 a day against a token of 144
    bits."""

    per_client: int = 5
    overall: int = 30
    window: float = 300.0
    overall_window: float = 60.0
    max_clients: int = 10_000


def client_key(address: str | None) -> str:
    """Who a failure is counted against: the address, or its /64 network for IPv6."""
    if not address:
        return "?"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class LoginLimiter:
    """Sliding windows of failure times; safe to share between threads."""

    def __init__(
        self, limits: FailureLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or FailureLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()
        self._all: deque[float] = deque()

    def wait(self, client: str) -> float:
        """Seconds ``client`` must wait before it may try again (0: it may try now)."""
        now = self._clock()
        with self._lock:
            overall = self._expire(self._all, now, self.limits.overall_window)
            waits = [0.0]
            if len(overall) >= self.limits.overall:
                waits.append(overall[0] + self.limits.overall_window - now)
            mine = self._clients.get(client)
            if mine is not None:
                self._expire(mine, now, self.limits.window)
                if len(mine) >= self.limits.per_client:
                    waits.append(mine[0] + self.limits.window - now)
            return max(waits)

    def fail(self, client: str) -> None:
        """Count a failed attempt of ``client``."""
        now = self._clock()
        with self._lock:
            self._all.append(now)
            self._expire(self._all, now, self.limits.overall_window)
            while len(self._all) > self.limits.overall:
                self._all.popleft()
            mine = self._clients.pop(client, None) or deque()
            mine.append(now)
            self._expire(mine, now, self.limits.window)
            while len(mine) > self.limits.per_client:
                mine.popleft()
            self._clients[client] = mine  # the most recent last
            while len(self._clients) > self.limits.max_clients:
                self._clients.popitem(last=False)

    def succeed(self, client: str) -> None:
        """A right answer clears the client's own failures (not the overall count)."""
        with self._lock:
            self._clients.pop(client, None)

    @staticmethod
    def _expire(times: deque[float], now: float, window: float) -> deque[float]:
        while times and times[0] <= now - window:
            times.popleft()
        return times


def retry_after(seconds: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
