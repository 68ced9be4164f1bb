"""Writes that concern the catalog as a whole."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from roadmaps.models import CatalogRevision

REVISION_ROW = 1


def catalog_changed() -> None:
    """Count one more catalog change (see ``CatalogRevision``)."""
    bumped = CatalogRevision.objects.filter(pk=REVISION_ROW).update(number=F("number") + 1, changed_at=timezone.now())
    if bumped:
        return
    try:
        with transaction.atomic():
            CatalogRevision.objects.create(pk=REVISION_ROW, number=1)
    except IntegrityError:
        # Another change made the row first: count this one on it.
        catalog_changed()
