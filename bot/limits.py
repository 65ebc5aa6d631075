"""Rate limits: a token bucket per key (a sender, a client address), kept in memory.

A bucket holds `burst` tokens and gains `rate` tokens every `per` seconds; each message takes
one. Idle buckets are dropped once there are more than `max_keys`, so a flood of new keys
cannot grow memory without bound."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Rate:
    count: int  # messages allowed ...
    per: float  # ... per this many seconds
    burst: int  # at most this many at once

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """`20/60` (20 a minute, bursts of 20) or `20/60/5` (bursts of 5)."""
        parts = [p.strip() for p in text.split("/")]
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"a rate is COUNT/SECONDS or COUNT/SECONDS/BURST, not {text!r}")
        count, per = int(parts[0]), float(parts[1])
        burst = int(parts[2]) if len(parts) == 3 else count
        if count <= 0 or per <= 0 or burst <= 0:
            raise ValueError(f"a rate must be positive: {text!r}")
        return cls(count, per, burst)


class RateLimiter:
    def __init__(self, rate: Rate, max_keys: int = 100_000):
        self.rate = rate
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, when = self._buckets.get(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - when) * self.rate.count / self.rate.per)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._forget_idle(now)
        return allowed

    def _forget_idle(self, now: float) -> None:
        refill = self.rate.per * self.rate.burst / self.rate.count  # an empty bucket is full again
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
        if len(self._buckets) > self.max_keys:  # all busy: keep the most recent half
            recent = sorted(self._buckets.items(), key=lambda item: item[1][1])[len(self._buckets) // 2:]
            self._buckets = dict(recent)
