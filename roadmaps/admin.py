"""Django's admin autodiscovery looks here; the curators' admin is the catalog's."""

from roadmaps.catalog import admin  # noqa: F401
