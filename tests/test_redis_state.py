"""What several servers share through a real Redis on loopback: the atomic lock store (tickets
issued at the same moment by several servers, threads with a store and connection each, are all
kept, in order) and the rate limits."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time

import pytest
import redis
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.limits import Rate, RedisRateLimiter
from connectors.lock_store import AtomicRedisLockStore
from tests.servers import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server missing: `make services` (make test does) installs it")  # fmt: skip


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port
    server.terminate()
    server.wait(10)


def store(port: int) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=2))


def issue_at_once(stores: list, conversation: str) -> list[int]:
    start, tickets = threading.Barrier(len(stores)), []

    def issue(lock_store) -> None:  # noqa: ANN001
        start.wait()
        for _ in range(20):
            tickets.append(lock_store.issue_ticket(conversation))

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tickets


def test_tickets_issued_at_once_by_several_servers_are_all_kept(redis_port):
    stores = [store(redis_port) for _ in range(4)]
    tickets = issue_at_once(stores, "at-once")
    assert sorted(tickets) == list(range(80))
    assert [t.number for t in stores[0].get_lock("at-once").tickets] == list(range(80))


def test_rasas_own_store_loses_tickets_that_way(redis_port):
    """Why the class exists: the same load on Rasa's store gives two servers the same ticket."""
    stores = [RedisLockStore(host="127.0.0.1", port=redis_port, db=3) for _ in range(4)]
    lost = [len(issue_at_once(stores, f"racy-{n}")) - len(stores[0].get_lock(f"racy-{n}").tickets) for n in range(10)]
    assert any(lost)


def test_turns_of_one_conversation_at_two_servers_run_one_after_the_other(redis_port):
    first, second, order = store(redis_port), store(redis_port), []

    async def turn(lock_store, name: str) -> None:  # noqa: ANN001
        async with lock_store.lock("in-order", wait_time_in_seconds=0.01):
            order.append(f"{name} starts")
            await asyncio.sleep(0.05)
            order.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(turn(first, "a"), turn(second, "b"), turn(first, "c"))

    asyncio.run(both())
    assert [order[i].split()[0] for i in range(0, 6, 2)] == [order[i].split()[0] for i in range(1, 6, 2)]
    assert first.get_lock("in-order") is None  # nobody waits: the lock is gone


def test_an_expired_ticket_lets_the_next_turn_in(redis_port):
    lock_store = store(redis_port)
    stuck = lock_store.issue_ticket("expired", lock_lifetime=0.05)
    waiting = lock_store.issue_ticket("expired")
    time.sleep(0.1)
    lock_store.update_lock("expired")
    lock = lock_store.get_lock("expired")
    assert not lock.is_locked(waiting) and lock.now_serving == waiting != stuck
    lock_store.cleanup("expired", waiting)
    assert lock_store.get_lock("expired") is None


def test_a_lock_left_by_a_dead_server_expires_in_redis(redis_port):
    lock_store = store(redis_port)
    lock_store.issue_ticket("dead-server", lock_lifetime=0.2)  # its server died: no cleanup comes
    assert lock_store.red.pttl(lock_store.key_prefix + "dead-server") > 0
    time.sleep(0.4)
    assert lock_store.red.exists(lock_store.key_prefix + "dead-server") == 0


def test_rate_limits_hold_across_servers(redis_port):
    url = f"redis://127.0.0.1:{redis_port}/4"
    first, second = (RedisRateLimiter(Rate.parse("10/60/4"), url, "sender") for _ in range(2))
    allowed = [limiter.allow("wechat:o123") for limiter in (first, second) * 3]
    assert allowed == [True] * 4 + [False] * 2  # a burst of 4 in all, not 4 per server
    assert first.allow("wechat:another")
    time.sleep(60 / 10 + 0.2)  # one token back
    assert second.allow("wechat:o123") and not first.allow("wechat:o123")


def test_rate_limits_let_messages_through_when_redis_is_down():
    limiter = RedisRateLimiter(Rate.parse("1/60/1"), f"redis://127.0.0.1:{free_port()}/0", "client")
    assert limiter.allow("someone") and limiter.allow("someone")
