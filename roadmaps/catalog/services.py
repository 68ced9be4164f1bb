"""Writes that concern the catalog as a whole."""

import logging
import secrets

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from roadmaps.models import CatalogRevision

logger = logging.getLogger(__name__)

REVISION_ROW = 1
# The cache's mirror of the revision for readers that never query (the calendar
# feed's cached entries): a random value, new on every change, so a key lost with
# the cache's data can never come back equal to an old one.
CATALOG_EPOCH_KEY = "catalog-epoch"


def catalog_epoch() -> str:
    """The current epoch (made if the cache lost it); raises the cache's errors."""
    epoch = cache.get(CATALOG_EPOCH_KEY)
    if epoch is None:
        cache.add(CATALOG_EPOCH_KEY, secrets.token_hex(8), None)
        epoch = cache.get(CATALOG_EPOCH_KEY)
    return epoch or ""


def catalog_epoch_move() -> None:
    """A new epoch now, and again once the change commits (readers may have
    stamped the one set now on data read before the commit)."""
    new_epoch()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(new_epoch, robust=True)


def new_epoch() -> None:
    try:
        cache.set(CATALOG_EPOCH_KEY, secrets.token_hex(8), None)
    except (RedisError, OSError):
        # Cached feeds then keep the old names until their trust period ends.
        logger.warning("cache unavailable: catalog epoch not moved", exc_info=True)


def catalog_changed() -> None:
    """Count one more catalog change (see ``CatalogRevision``)."""
    catalog_epoch_move()
    bumped = CatalogRevision.objects.filter(pk=REVISION_ROW).update(number=F("number") + 1, changed_at=timezone.now())
    if bumped:
        return
    try:
        with transaction.atomic():
            CatalogRevision.objects.create(pk=REVISION_ROW, number=1)
    except IntegrityError:
        # Another change made the row first: count this one on it.
        catalog_changed()
