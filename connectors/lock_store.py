"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Several Rasa servers share conversations; the lock store makes one conversation's turns run one
at a time, in order. Rasa 3.6's `RedisLockStore` reads a lock, changes it in Python and writes
it back, so two servers issuing tickets at the same moment can both read the same lock and one
ticket is lost: both turns run at once and one of them is not kept (seen in 1 of 4 runs of
tests/test_prod.py). Here each change (issue a ticket, drop expired ones, finish serving) is a
Redis transaction on the lock's key (WATCH / MULTI / EXEC, retried when another server wrote
the key in between), and a lock that nobody waits for any more is deleted in that same step.
A lock also expires in Redis with its last ticket, so a server that dies mid-turn leaves none.

endpoints: `lock_store: {type: connectors.lock_store.AtomicRedisLockStore, url, port, password, db}`."""
from __future__ import annotations

import json
import time
from typing import Callable, Optional, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[T, Optional[TicketLock]]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Change) -> T:
        """`change(lock) -> (result, lock)` applied in one Redis transaction; returns the result."""
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> T:  # noqa: ANN001
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            result, lock = change(lock)
            pipe.multi()
            if lock is not None and lock.is_someone_waiting():
                # gone by itself once its last ticket expires (a server died holding one)
                last_expiry = max(ticket.expires for ticket in lock.tickets)
                pipe.set(key, lock.dumps(), px=max(1, int((last_expiry - time.time()) * 1000)))
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa's: the turn fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Rasa's reads "is anyone waiting?" and deletes the lock in two steps, and could delete a
        # ticket issued in between; `_change` deletes an empty lock in the same transaction.
        self.finish_serving(conversation_id, ticket_number)
