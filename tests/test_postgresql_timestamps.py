"""Timestamps come back as Django's own loader gives them, parsed by psycopg's C loader."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from psycopg.pq import Format

from config.postgresql.timestamps import (
    PSYCOPG_LOADER,
    TIMESTAMPTZ_OID,
    DjangoUtcLoader,
    UtcTimestampLoader,
)

pytestmark = pytest.mark.django_db

WRITTEN = [
    "2026-11-28 02:30:15.123456+00",
    "2026-03-29 01:59:59.999999+01",  # an hour before Paris moves its clocks
    "2026-10-25 02:30:00+02",
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-06-01 12:00:00-09:30",
    "2026-06-01 12:00:00+05:45",
]


def test_the_connection_reads_timestamps_with_the_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)

    assert loader is UtcTimestampLoader
    assert type(UtcTimestampLoader(TIMESTAMPTZ_OID, connection.connection).delegate) is PSYCOPG_LOADER
    assert PSYCOPG_LOADER.__module__.startswith("psycopg_binary")  # the C extension is installed


def test_every_value_is_what_django_s_loader_gives_with_its_tzinfo():
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["%s::timestamptz"] * len(WRITTEN)), WRITTEN)
        read = cursor.fetchone()
        django_loader = DjangoUtcLoader(TIMESTAMPTZ_OID, cursor.cursor)
        cursor.execute("SELECT " + ", ".join(["%s::timestamptz::text"] * len(WRITTEN)), WRITTEN)
        as_text = cursor.fetchone()

    assert list(read) == [django_loader.load(text.encode()) for text in as_text]
    assert all(value.tzinfo is datetime.UTC for value in read)
    assert read[1] == datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC)


def test_a_connection_on_another_time_zone_keeps_django_s_loader():
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("SET TIME ZONE 'Europe/Paris'")
    try:
        assert type(UtcTimestampLoader(TIMESTAMPTZ_OID, raw).delegate) is DjangoUtcLoader
    finally:
        raw.execute("SET TIME ZONE 'UTC'")
    assert type(UtcTimestampLoader(TIMESTAMPTZ_OID, raw).delegate) is PSYCOPG_LOADER
