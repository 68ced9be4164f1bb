"""Unknown fields in a write body are refused: one mechanism for every API endpoint.

Since API v1.1 a body naming a field the endpoint does not know answers 400
naming it (``{"hours_per_week": [_("Unknown field.")]}``) instead of silently
ignoring it (a typo such as ``hours_per_week`` used to give a plan at the
profile's hours). Rather than each serializer remembering to check, ``install``
wraps DRF's ``Serializer.to_internal_value`` once at start-up (from
``config.apps``), so every top-level serializer of every endpoint, including
those added later, refuses unknown keys. Known means any declared field,
read-only ones included: sending back a field the endpoint shows (``email``
on the profile) stays harmless. Nested serializers are checked by their parent
only through their own declared fields, as DRF does.

Booleans are strict the same way: the API reads JSON, and a JSON boolean is
``true`` or ``false``; DRF's lenient parsing (``0``, ``"yes"``) would accept
bodies the schema calls invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

UNKNOWN_FIELD = _("Unknown field.")
_MARK = "_rejects_unknown_fields"


def unknown_fields(serializer: serializers.Serializer, data) -> list[str]:
    if serializer.parent is not None or not isinstance(data, Mapping):
        return []
    return sorted(str(key) for key in data if key not in serializer.fields)


def install() -> None:
    original = serializers.Serializer.to_internal_value
    if getattr(original, _MARK, False):
        return

    @wraps(original)
    def to_internal_value(self, data):
        unknown = unknown_fields(self, data)
        if unknown:
            raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return original(self, data)

    setattr(to_internal_value, _MARK, True)
    serializers.Serializer.to_internal_value = to_internal_value
    serializers.BooleanField.to_internal_value = strict_boolean


def strict_boolean(field: serializers.BooleanField, data):
    """A JSON boolean only: DRF would also take 0, 1, "yes", "off", ..., which the schema does not allow."""
    if isinstance(data, bool):
        return data
    if data is None and field.allow_null:
        return None
    field.fail("invalid", input=data)
