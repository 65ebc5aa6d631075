"""Rate limits: a token bucket per key (a sender, a client address), kept in memory, or in Redis
when several servers share the citizens (`BOT_REDIS_URL`, set by the production layout): a
WeChat user's messages reach whichever server nginx picks, and the limit must hold across them.

A bucket holds `burst` tokens and gains `rate` tokens every `per` seconds; each message takes
one. Idle buckets are dropped once there are more than `max_keys` (in Redis: they expire once
full again), so a flood of new keys cannot grow memory without bound."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Optional, Union

import redis

log = logging.getLogger(__name__)


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


# One bucket, changed atomically on the Redis server with the server's clock (the servers' own
# clocks may differ): KEYS[1] bucket; ARGV burst, tokens per second, seconds until full again.
_TAKE_TOKEN = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local burst, per_second = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'when')
local tokens = tonumber(bucket[1]) or burst
local when = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - when) * per_second)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'when', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return allowed
"""


class RedisRateLimiter:
    """`RateLimiter`'s buckets in Redis, shared by every server. When Redis cannot be reached the
    message is let through (and logged): the limits guard the bot, they must not silence it."""

    def __init__(self, rate: Rate, url: str, name: str):
        self.rate = rate
        self.prefix = f"daoban:rate:{name}:"
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._client.register_script(_TAKE_TOKEN)
        self._refill_seconds = math.ceil(rate.per * rate.burst / rate.count) + 1

    def allow(self, key: str) -> bool:
        try:
            return bool(self._take(keys=[self.prefix + key],
                                   args=[self.rate.burst, self.rate.count / self.rate.per, self._refill_seconds]))  # fmt: skip
        except redis.RedisError as error:
            log.warning("rate limit not checked, Redis failed: %s", type(error).__name__)
            return True


def rate_limiter(rate: Rate, name: str, redis_url: str = "") -> Union[RateLimiter, RedisRateLimiter]:
    """In Redis when a URL is given, else in this process's memory."""
    return RedisRateLimiter(rate, redis_url, name) if redis_url else RateLimiter(rate)
