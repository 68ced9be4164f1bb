"""Cache invalidations a request asks for, sent to Redis in one round trip when it ends.

A write drops cached entries (a calendar feed's) and moves versions (the learner's
pages): each was a Redis round trip of its own, and on a task tick those cost as
much CPU as the tick's SQL. Within a request they wait in a batch, opened by
``PageVersionMiddleware`` around the view, and go out together in one pipeline
once the view is done: after every transaction of the request has committed
(requests are not atomic) and before the answer leaves, so the learner's next
request already sees them. A key dropped or set twice is sent once.

Outside a request (jobs, commands, the shell), or with a cache that is not Redis,
nothing waits: ``delete_later``/``set_later`` answer False and the caller writes at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.cache import cache
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)


@dataclass
class Batch:
    deletes: dict[str, Callable[[], None]] = field(default_factory=dict)  # key: what to log should it fail
    sets: dict[str, tuple[object, int, Callable[[], None]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.deletes or self.sets)


_open: ContextVar[Batch | None] = ContextVar("cache_batch", default=None)


@contextmanager
def batched() -> Iterator[Batch]:
    """Collect the invalidations asked for inside; send them in one round trip at the end."""
    batch = Batch()
    token = _open.set(batch)
    try:
        yield batch
    finally:
        _open.reset(token)
        send(batch)


def delete_later(key: str, *, on_failure: Callable[[], None]) -> bool:
    """Queue the delete of ``key`` in the open batch; False when there is none."""
    batch = _open.get()
    if batch is None:
        return False
    batch.deletes[key] = on_failure
    batch.sets.pop(key, None)
    return True


def set_later(key: str, value, timeout: int, *, on_failure: Callable[[], None]) -> bool:
    """Queue ``cache.set(key, value, timeout)`` in the open batch; False when there is none."""
    batch = _open.get()
    if batch is None:
        return False
    batch.sets[key] = (value, timeout, on_failure)
    batch.deletes.pop(key, None)
    return True


def send(batch: Batch) -> None:
    if not batch:
        return
    # django-redis's own key and value encoding, so the cache reads these as its own.
    client = cache.client
    commands = []
    if batch.deletes:
        commands.append(("DEL", *(client.make_key(key) for key in batch.deletes)))
    for key, (value, timeout, _) in batch.sets.items():
        commands.append(("SET", client.make_key(key), client.encode(value), "EX", timeout))
    try:
        round_trip(client.get_client(write=True), commands)
    except CACHE_ERRORS:
        logger.warning("cache unavailable: %d invalidations not sent", len(batch.deletes) + len(batch.sets))
        for on_failure in [*batch.deletes.values(), *(entry[2] for entry in batch.sets.values())]:
            on_failure()


def round_trip(client: Redis, commands: list[tuple]) -> None:
    """The commands in one write and their answers read, as redis-py's pipeline without a
    transaction sends them (retried as it retries), without building one: on every write
    request the pipeline object and its bookkeeping cost more than the round trip."""
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        connection.retry.call_with_retry(
            lambda: _send_and_read(connection, commands), lambda _error: connection.disconnect()
        )
    except BaseException:
        connection.disconnect()  # an error answer leaves the next ones unread
        raise
    finally:
        pool.release(connection)


def _send_and_read(connection, commands: list[tuple]) -> None:
    connection.send_packed_command(connection.pack_commands(commands))
    for _ in commands:
        connection.read_response()  # raises an error answer (a ResponseError)
