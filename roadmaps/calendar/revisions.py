"""Each event's SEQUENCE and last change, kept per learner and UID.

Rules, in the order they apply to each event of a build:
1. An event never seen before is stored at the SEQUENCE its source already
   published (``FeedEvent.sequence_floor``), changed when its rows last changed.
2. An event whose fingerprint (everything it shows) differs from the stored one
   gets the next SEQUENCE (never below the floor) and ``changed_at = now``.
3. Anything else keeps its stored revision, so an unchanged event keeps its
   bytes, DTSTAMP included.

Two builds racing over the same events are harmless: new rows are inserted
with ``ignore_conflicts`` and a doubly raised SEQUENCE is still a raised one.
Three queries at most, whatever the number of events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from roadmaps.calendar.ics import FeedEvent, Revision
from roadmaps.models import CalendarEventRevision


def event_revisions(*, user_id: int, events: Iterable[FeedEvent], now: datetime) -> dict[str, Revision]:
    """The revision of every event, stored or raised as the rules above say."""
    stored = {
        uid: (fingerprint, pk, Revision(sequence, changed_at))
        for uid, fingerprint, pk, sequence, changed_at in CalendarEventRevision.objects.filter(
            user_id=user_id
        ).values_list("uid", "fingerprint", "pk", "sequence", "changed_at")
    }
    revisions: dict[str, Revision] = {}
    created, raised = [], []
    for event in events:
        fingerprint = event.fingerprint()
        known = stored.get(event.uid)
        if known is None:
            revision = Revision(event.sequence_floor, event.updated_at or now)
            created.append(row(user_id, event.uid, fingerprint, None, revision))
        elif known[0] != fingerprint:
            revision = Revision(max(known[2].sequence + 1, event.sequence_floor), now)
            raised.append(row(user_id, event.uid, fingerprint, known[1], revision))
        else:
            revision = known[2]
        revisions[event.uid] = revision
    if created:
        CalendarEventRevision.objects.bulk_create(created, ignore_conflicts=True)
    if raised:
        fields = ["fingerprint", "sequence", "changed_at"]
        CalendarEventRevision.objects.bulk_update(raised, fields, batch_size=len(raised))
    return revisions


def row(user_id: int, uid: str, fingerprint: str, pk: int | None, revision: Revision) -> CalendarEventRevision:
    return CalendarEventRevision(
        pk=pk,
        user_id=user_id,
        uid=uid,
        fingerprint=fingerprint,
        sequence=revision.sequence,
        changed_at=revision.changed_at,
    )
