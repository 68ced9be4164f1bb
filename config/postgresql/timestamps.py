"""``timestamptz`` values parsed by psycopg's C loader, with Django's tzinfo.

Django registers on every connection a subclass of psycopg's pure-Python
``TimestamptzLoader`` so that each value comes back with Django's tzinfo; it
parses each value in Python: about 5 us, 25 times psycopg's C loader (every
API call reads a dozen, a chunk of nudges thousands). When the connection's
time zone is UTC (Django sets it from ``TIME_ZONE`` when it connects; UTC is
this project's) the C loader already answers what Django's does: the same
instant with ``datetime.timezone.utc``. A connection on another time zone,
or psycopg without its C extension, keeps Django's loader.
"""

from __future__ import annotations

import datetime

import psycopg
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# The loader psycopg itself registers: its C class when psycopg-binary (or -c) is installed.
PSYCOPG_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class DjangoUtcLoader(BaseTzLoader):
    timezone = datetime.UTC


class UtcTimestampLoader(Loader):
    # Django's create_cursor compares this with the connection's own time zone.
    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        loader = PSYCOPG_LOADER if connection_is_on_utc(context) else DjangoUtcLoader
        self.delegate = loader(oid, context)
        # psycopg calls this bound C method itself for each value: no Python frame in between.
        self.load = self.delegate.load

    def load(self, data):
        return self.delegate.load(data)


def connection_is_on_utc(context) -> bool:
    connection = getattr(context, "connection", None)
    if connection is None:
        return False
    return connection.info.parameter_status("TimeZone") in ("UTC", "Etc/UTC")


def use_fast_timestamps(adapters, timezone) -> None:
    """Register the loader on a connection's adapters map, if Django wants UTC values."""
    if timezone == datetime.UTC:
        adapters.register_loader("timestamptz", UtcTimestampLoader)
