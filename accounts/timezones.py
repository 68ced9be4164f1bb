"""The time zones a learner can pick, and the names that are not places.

- Valid: an IANA name Python's ``zoneinfo`` knows, except the names that are
  not anyone's local time: ``Factory``, ``localtime``, ``posixrules`` and the
  ``posix/`` and ``right/`` copies. Old aliases (``US/Eastern``, ``Etc/GMT+5``)
  stay valid, so no stored profile becomes invalid.
- Offered in forms: the common zones first, then one ``<optgroup>`` per region
  with the canonical zones of ``zone.tab`` (tzdata's list of one zone per
  country and region, about 420), labelled by city only: the select is about a
  third of the size of the raw list of 600 names.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources

NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})
NOT_PLACE_PREFIXES = ("posix/", "right/")

# The zones most learners live in, across the continents, in the order shown.
COMMON = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def is_valid_zone(name: str) -> bool:
    return name in _known() and name not in NOT_PLACES and not name.startswith(NOT_PLACE_PREFIXES)


@cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def canonical_zones() -> tuple[str, ...]:
    """The zones of tzdata's zone.tab that this Python knows, sorted."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    names = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    return tuple(sorted(name for name in names if is_valid_zone(name)))


def city_label(name: str) -> str:
    """``America/Argentina/Buenos_Aires`` -> ``Argentina / Buenos Aires`` (the region is the group's label)."""
    return " / ".join(name.split("/")[1:]).replace("_", " ") or name


@cache
def grouped_choices() -> tuple:
    """Choices for a ``<select>``: ("Common", [...]) first, then one group per region."""
    common = [(name, name if name == "UTC" else f"{city_label(name)} ({name.split('/')[0]})") for name in COMMON]
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in canonical_zones():
        regions.setdefault(name.split("/")[0], []).append((name, city_label(name)))
    return (("Common", common), *sorted(regions.items()))


def listed_names() -> frozenset[str]:
    return frozenset(value for _, group in grouped_choices() for value, _ in group)
