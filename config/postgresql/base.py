"""Django's PostgreSQL backend, with a health check that needs no round trip and a
cursor for the queries every request runs, prepared once per connection.

``CONN_HEALTH_CHECKS`` makes Django check a kept connection before the first query
of every request; its check is a ``SELECT 1`` sent to the server, a round trip
on every request that uses the database (on a task tick, as much CPU as the tick's
own statement). A connection the server has closed since (restart, idle timeout,
``pg_terminate_backend``) has sent its last message or its end of stream, so its
socket reads ready while it should be idle: that is looked at instead, without
waiting. A connection psycopg already knows broken, or whose transaction state is
unknown, is unusable as before; any of these makes Django open a new connection.

``prepared_cursor``: Django binds parameters on the client, so the server parses
and plans every statement anew. For the few queries run on every request
(``config.prepared_queries``: the API token with its user and profile, the
signed-in user) planning the joins cost the server three times the lookup: those
go through a server-side binding cursor, and the server keeps their plan once a
query has run ``prepare_threshold`` times on the connection
(``DATABASE_PREPARED_STATEMENTS``; off, e.g. behind a transaction-mode pooler
that cannot keep them, they run as every other query). ``fetch_prepared`` runs such a
query on one binding cursor kept per connection, without Django's cursor wrapper
unless something watches the queries.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg.pq import TransactionStatus

from config.postgresql.operations import DatabaseOperations
from config.postgresql.timestamps import use_fast_timestamps


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _binding_cursor: base.ServerBindingCursor | None = None  # fetch_prepared's, on its connection

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        use_fast_timestamps(params["context"], self.timezone)
        return params

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == TransactionStatus.UNKNOWN:
            return False
        try:
            # poll, not select: a process may hold more than select's 1,024 descriptors.
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)  # readable, hung up or in error: not usable
        except (OSError, ValueError):
            return False

    def fetch_prepared(self, sql: str, params: list) -> list[tuple]:
        """The rows of one of those queries, through a server-side binding cursor.

        Django's cursor wrapper costs as much CPU as psycopg's own work for the query (a
        wrapper and a cursor built per query, three levels of calls): here one binding
        cursor serves every such query of the connection, and the wrapper is left out
        unless something watches the queries (a debug or query-counting cursor, an
        ``execute_wrapper``), which then gets it and sees the query as any other. What the
        wrapper does for a query is done here: the health check, the thread and
        broken-transaction checks, psycopg's errors turned into Django's.
        """
        watched = self.queries_logged or self.execute_wrappers
        if watched or self.settings_dict["OPTIONS"].get("prepare_threshold") is None:
            with self.prepared_cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_thread_sharing()
        self.validate_no_broken_transaction()
        with self.wrap_database_errors:
            cursor = self._binding_cursor
            if cursor is None or cursor.connection is not self.connection or cursor.closed:
                cursor = self._binding_cursor = base.ServerBindingCursor(self.connection)
            cursor.execute(sql, params)
            return cursor.fetchall()

    def prepared_cursor(self) -> CursorWrapper:
        if self.settings_dict["OPTIONS"].get("prepare_threshold") is None:
            return self.cursor()
        # What ``cursor()`` does (private hooks included: tests/test_postgresql_backend.py fails
        # if a Django upgrade moves them), with a server-side binding cursor: only those are prepared.
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(base.ServerBindingCursor(self.connection))
