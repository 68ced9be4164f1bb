"""The sent journal: which mails of a chunk the server accepted, kept in Redis until the chunk is recorded.

A send run writes one entry per mail right after the server's "250 accepted"
and before it hands the next mail to the server (one ``SET`` with a TTL, sent
at once, its answer read just before the next mail goes out), and records
the whole chunk as sent in the database in one statement at the end.
A run that takes over a row a dead run had claimed reads the journal first
(one ``MGET``): a journaled row was sent, and is recorded, not mailed again.
See ``delivery`` for what this keeps and what it costs.

The journal is the cache's Redis (django-redis, ``CACHE_REDIS_URL``), under
the cache's key prefix (the test suite uses one of its own per run), read and
written on the raw client: unlike the cache calls, which answer "nothing
there" when Redis fails, a failed journal call raises, and the sender falls
back to recording in the database. Off (``NUDGE_SENT_JOURNAL=false``, or any
cache but django-redis, as in the embedded mode) the sender records each mail
in the database before the next goes out.

A key names the row, its learner and its week: a row id that comes again
(a database restored from a backup) never finds another row's entry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError

from config.cache_batch import CACHE_ERRORS
from roadmaps.models import NudgeDelivery
from roadmaps.nudges import schedule

logger = logging.getLogger(__name__)
JOURNAL_ERRORS = CACHE_ERRORS


def journal_ttl() -> timedelta:
    """How long an entry outlives its mail: a dead run's row is taken over after its lease
    and can be mailed again only within the grace period; an hour to spare."""
    return schedule.grace_period() + 2 * schedule.send_lease() + timedelta(hours=1)


def entry_name(delivery_id: int, user_id: int, week_start) -> str:
    return f"nudge-sent:{delivery_id}:{user_id}:{week_start:%Y%m%d}"


@dataclass
class SentJournal:
    client: object  # redis.Redis
    make_key: object  # the cache's key function (prefix and version)
    ttl_seconds: int = field(default_factory=lambda: int(journal_ttl().total_seconds()))
    connection: object = None  # the pool's connection this chunk's writes go over
    unconfirmed: bool = False  # an entry sent whose answer is not read yet

    def key(self, delivery: NudgeDelivery) -> str:
        return self.make_key(entry_name(delivery.pk, delivery.user_id, delivery.week_start))

    def write(self, delivery: NudgeDelivery, *, sent_at: datetime) -> None:
        """One entry: this row's mail was accepted at ``sent_at``. Raises if Redis did not take it."""
        self.send(delivery, sent_at=sent_at)
        self.confirm()

    def send(self, delivery: NudgeDelivery, *, sent_at: datetime) -> None:
        """Send the entry's ``SET`` without waiting for Redis's answer (``confirm`` reads it).

        The sender renders the next mail meanwhile and confirms just before it
        hands that mail to the server, so the round trip costs no waiting.
        One connection, taken from the client's pool for the whole chunk
        (``close`` gives it back), without the client's command wrapper:
        taking a connection and that wrapper (retries, observability hooks)
        cost several times the round trip itself, once per mail; a failure is
        handled by the caller anyway.
        """
        if self.unconfirmed:
            raise RuntimeError("the previous journal entry is not confirmed yet")
        if self.connection is None:
            self.connection = self.client.connection_pool.get_connection()
        try:
            self.connection.send_command("SET", self.key(delivery), sent_at.isoformat(), "EX", self.ttl_seconds)
        except BaseException:
            self.close(broken=True)
            raise
        self.unconfirmed = True

    def confirm(self) -> None:
        """Read Redis's answer to the entry sent last; raises unless it was stored."""
        if not self.unconfirmed:
            return
        self.unconfirmed = False
        try:
            reply = self.connection.read_response()
        except BaseException:
            self.close(broken=True)
            raise
        if reply not in (b"OK", "OK", True):
            raise RedisError(f"the journal entry was not written: {reply!r}")

    def close(self, *, broken: bool = False) -> None:
        """Give the connection back to the pool (a broken one is closed first: its state is unknown)."""
        if self.connection is None:
            return
        connection, self.connection = self.connection, None
        # An answer left unread would be read by the pool's next user as its own.
        broken = broken or self.unconfirmed
        self.unconfirmed = False
        if broken:
            connection.disconnect()
        self.client.connection_pool.release(connection)

    def read(self, deliveries: Iterable[NudgeDelivery]) -> dict[int, datetime]:
        """{id: sent_at} of the rows that have an entry: one MGET."""
        deliveries = list(deliveries)
        if not deliveries:
            return {}
        values = self.client.mget([self.key(delivery) for delivery in deliveries])
        return {
            delivery.pk: datetime.fromisoformat(value.decode())
            for delivery, value in zip(deliveries, values, strict=True)
            if value is not None
        }

    def forget(self, deliveries: Iterable[NudgeDelivery]) -> None:
        """Drop the entries of rows recorded in the database (else they expire): one DEL."""
        keys = [self.key(delivery) for delivery in deliveries]
        if not keys:
            return
        try:
            self.client.delete(*keys)
        except JOURNAL_ERRORS:
            logger.warning("nudge sent journal: entries left to expire", exc_info=True)


def sent_journal() -> SentJournal | None:
    """The journal, or None when sends are recorded in the database one by one (see the module)."""
    if not settings.NUDGE_SENT_JOURNAL:
        return None
    cache = caches["default"]
    client = getattr(cache, "client", None)
    if not hasattr(client, "get_client"):  # not django-redis: no Redis to journal in
        return None
    return SentJournal(client=client.get_client(write=True), make_key=client.make_key)
