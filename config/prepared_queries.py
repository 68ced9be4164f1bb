"""A query run on every request of a hot path, its SQL compiled once per process.

Django compiles a queryset's SQL each time it runs: for a join of a few dozen
columns (an API token with its user and profile) that costs more CPU than the
database spends answering it. A ``PreparedQuery`` builds the queryset once,
from placeholder values, keeps the SQL the ORM compiled (PostgreSQL's or
SQLite's alike) and then runs it with the real values, turning its rows into
model instances as the ORM does: the same columns, the same converters, and
``select_related`` objects cached on their instance (a missing reverse
one-to-one cached as missing), so reading them makes no query.

Placeholders stand for values the database takes as they are (strings,
integers): each is replaced in the compiled parameters by the value of the
same name. Each must be unlike any other parameter of the query. A collection of
ids is one parameter with ``AnyOf`` (``filter(AnyOf(F("pk"), "<ids>"))``), given
as a list, tuple or set: the SQL stays the same whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import connections
from django.db.models import Lookup, Model, QuerySet
from django.db.models.query import get_related_populators


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], **placeholders):
        self.build = build
        self.placeholders = placeholders
        self.compiled: Compiled | None = None

    def all(self, **values) -> list[Model]:
        """The model instances of the query's rows (a queryset of instances)."""
        compiled = self.compiled or self.compile()
        connection = connections[compiled.db]
        return [compiled.instance(row, connection) for row in self.fetch(compiled, connection, values)]

    def rows(self, **values) -> list[tuple]:
        """The rows of a ``values_list()`` query, converted as the ORM converts them."""
        compiled = self.compiled or self.compile()
        connection = connections[compiled.db]
        return [compiled.converted(row, connection) for row in self.fetch(compiled, connection, values)]

    @staticmethod
    def fetch(compiled: Compiled, connection, values: dict) -> list[tuple]:
        params = [
            AnyOf.encode(values[slot], connection) if slot else param
            for param, slot in zip(compiled.params, compiled.slots, strict=True)
        ]
        return fetch_prepared(connection, compiled.sql, params)

    def compile(self) -> Compiled:
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        names = {value: name for name, value in self.placeholders.items()}
        slots = [names.get(param) if isinstance(param, str | int) else None for param in params]
        assert sorted(filter(None, slots)) == sorted(self.placeholders), "each placeholder once in the SQL"
        self.compiled = Compiled(queryset.db, sql, tuple(params), tuple(slots), compiler)
        return self.compiled


def fetch_prepared(connection, sql: str, params: list) -> list[tuple]:
    """The query's rows; PostgreSQL (config.postgresql) also keeps its plan on the server."""
    if hasattr(connection, "fetch_prepared"):
        return connection.fetch_prepared(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class Compiled:
    """What ``ModelIterable`` works out from a compiler on every run, worked out once."""

    def __init__(self, db: str, sql: str, params: tuple, slots: tuple, compiler):
        self.db, self.sql, self.params, self.slots = db, sql, params, slots
        select, klass_info = compiler.select, compiler.klass_info
        columns = [column[0] for column in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(columns).items())
        if klass_info is None:  # a values_list() query: rows, no instances
            return
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, db)
        self.annotations = dict(compiler.annotation_col_map or {})

    def converted(self, row: tuple, connection) -> tuple | list:
        if not self.converters:
            return row
        row = list(row)
        for position, (converters, expression) in self.converters:
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
        return row

    def instance(self, row: tuple, connection) -> Model:
        row = self.converted(row, connection)
        instance = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations.items():
            setattr(instance, name, row[position])
        return instance


class AnyOf(Lookup):
    """``column = ANY(<array>)``: whether an integer column is one of a list given as ONE parameter.

    ``pk__in`` writes a placeholder per id, so its SQL changes with the list's
    length and can be neither compiled once nor prepared. PostgreSQL takes the
    list as an array; SQLite as a JSON array (``json_each``), which ``encode``
    makes of a list, tuple or set given to ``PreparedQuery``.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} = ANY(%s::bigint[])", [*params, self.rhs]

    def as_sqlite(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, self.rhs]

    @staticmethod
    def encode(value, connection):
        """A collection of ids as the connection takes it; any other value as it is."""
        if not isinstance(value, list | tuple | set | frozenset):
            return value
        ids = [int(pk) for pk in value]
        return json.dumps(ids) if connection.vendor == "sqlite" else ids
