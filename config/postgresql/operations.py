from __future__ import annotations

import psycopg
from django.db.backends.postgresql import operations


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # The prepared cursor binds on the server, as Django's own does with ``server_side_binding``:
        # the statement logged (DEBUG, query-count tests) is then composed the way Django composes it.
        if not isinstance(cursor, psycopg.ClientCursor):
            try:
                return self.compose_sql(sql, params)
            except psycopg.errors.DataError:
                return sql
        return super().last_executed_query(cursor, sql, params)
