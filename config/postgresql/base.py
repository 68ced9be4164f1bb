"""Django's PostgreSQL backend, with a health check that needs no round trip.

``CONN_HEALTH_CHECKS`` makes Django check a kept connection before the first query
of every request; its check is a ``SELECT 1`` sent to the server, a round trip
on every request that uses the database (on a task tick, as much CPU as the tick's
own statement). A connection the server has closed since (restart, idle timeout,
``pg_terminate_backend``) has sent its last message or its end of stream, so its
socket reads ready while it should be idle: that is looked at instead, without
waiting. A connection psycopg already knows broken, or whose transaction state is
unknown, is unusable as before; any of these makes Django open a new connection.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == TransactionStatus.UNKNOWN:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
