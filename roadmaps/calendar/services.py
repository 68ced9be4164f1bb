"""The calendar feed's lifecycle and e-mailed .ics exports.

Feed: one per learner, made on first request; rotating replaces the token (the
old URL is dead at once), revoking deletes the row. Exports: a request stores a
``CalendarExport`` row and queues a job after commit; the job claims the row
with a conditional update, so however often it runs the mail goes out once.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.verification import verified_address
from roadmaps import jobs
from roadmaps.calendar import ics
from roadmaps.calendar import selectors as calendar_selectors
from roadmaps.models import CalendarExport, CalendarFeed, Roadmap
from roadmaps.models.calendar import digest_feed_token, new_feed_token

logger = logging.getLogger(__name__)

# A job that claimed an export and then died (worker killed) leaves it "sending";
# after this long another run may claim it again.
# The Celery name of the job that sends one export (roadmaps/calendar/tasks.py).
SEND_EXPORT_JOB = "roadmaps.tasks.send_calendar_export"
EXPORT_SEND_LEASE = timedelta(minutes=15)
# A pending export untouched this long lost its job (the broker was down when it
# was queued); longer than the longest pause between the job's retries.
EXPORT_STALL = timedelta(minutes=15)
# An export still unsent after this is failed, not sent: it is no longer what was asked for.
EXPORT_EXPIRY = timedelta(days=1)
# How long a feed's "first seen" time for its current version is remembered.
FEED_VERSION_MEMORY = timedelta(days=180)


# --- The feed -------------------------------------------------------------------


def feed_get_or_create(*, user) -> CalendarFeed:
    token = new_feed_token()
    feed, _ = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": token, "token_digest": digest_feed_token(token)}
    )
    return feed


def feed_rotate(*, user) -> CalendarFeed:
    """A new secret for the user's feed; the old URL answers 404 from now on."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return feed_get_or_create(user=user)
        forget_feed_version(feed)
        feed.set_new_token()
        feed.save(update_fields=["token", "token_digest"])
    return feed


def feed_revoke(*, user) -> None:
    for feed in CalendarFeed.objects.filter(user=user):
        forget_feed_version(feed)
        feed.delete()


def feed_urls(feed: CalendarFeed) -> dict[str, str]:
    """The feed's address from SITE_URL (https in production), and its webcal:// twin."""
    feed_url = settings.SITE_URL + reverse("calendar-feed", kwargs={"token": feed.token})
    _, address = feed_url.split("://", 1)
    return {"feed_url": feed_url, "webcal_url": f"webcal://{address}"}


def calendar_options(user) -> ics.CalendarOptions:
    profile = getattr(user, "profile", None)
    return ics.CalendarOptions(
        site_url=settings.SITE_URL,
        timezone=profile.timezone if profile else settings.TIME_ZONE,
        refresh=timedelta(minutes=settings.FEED_REFRESH_MINUTES),
    )


@dataclass(frozen=True)
class FeedVersion:
    etag: str
    last_modified: datetime


def feed_version(*, feed: CalendarFeed, now: datetime) -> FeedVersion:
    """The validators of the feed as it is now, without building it: one query.

    The ETag hashes every input of the rendering. Last-Modified is when this
    server first saw that ETag (remembered in the cache): the rows alone cannot
    say when a roadmap was deleted. A forgotten entry gives "now", which costs
    clients one full download and is never wrongly "not modified".
    """
    options = calendar_options(feed.user)
    state = calendar_selectors.feed_state(feed.user_id)
    etag = ics.content_etag(feed.token_digest, options.site_url, options.timezone, options.refresh, *astuple(state))
    key = feed_version_key(feed)
    known = cache.get(key)
    if known is not None and known[0] == etag:
        return FeedVersion(etag=etag, last_modified=known[1])
    last_modified = ics.last_modified_after(known[1] if known else None, now)
    cache.set(key, (etag, last_modified), FEED_VERSION_MEMORY.total_seconds())
    return FeedVersion(etag=etag, last_modified=last_modified)


def feed_version_key(feed: CalendarFeed) -> str:
    return f"calendar-feed-version:{feed.token_digest}"


def forget_feed_version(feed: CalendarFeed) -> None:
    cache.delete(feed_version_key(feed))


def feed_body(*, feed: CalendarFeed) -> bytes:
    roadmaps = calendar_selectors.roadmaps_for_feed(feed.user_id)
    tasks = calendar_selectors.calendar_tasks([roadmap.id for roadmap in roadmaps])
    return ics.build_calendar(roadmaps, tasks, calendar_options(feed.user))


def roadmap_calendar(*, roadmap: Roadmap, tasks=None) -> bytes:
    """One roadmap as .ics; expects ``calendar_selectors.roadmaps_for_calendar``."""
    if tasks is None:
        tasks = calendar_selectors.calendar_tasks([roadmap.id])
    return ics.build_calendar([roadmap], tasks, calendar_options(roadmap.user))


# --- Exports --------------------------------------------------------------------


def export_request(*, user, roadmap: Roadmap) -> CalendarExport:
    """Store the request and queue the job once the row is committed.

    The row is the promise: if the broker cannot take the job now, the request
    still stands and ``requeue_stalled_exports`` queues it later.
    """
    with transaction.atomic():
        export = CalendarExport.objects.create(user=user, roadmap=roadmap)
        export_ids = [str(export.id)]
        # A lambda, not a partial: robust mode logs the callback's __qualname__.
        transaction.on_commit(lambda: queue_export_jobs(export_ids), robust=True)
    return export


def queue_export_jobs(export_ids: list[str]) -> None:
    for export_id in export_ids:
        jobs.enqueue(SEND_EXPORT_JOB, export_id)


def requeue_stalled_exports(
    *, now: datetime, enqueue: Callable[[list[str]], None] = queue_export_jobs, limit: int = 500
) -> int:
    """Queue again the exports whose job was lost; fail those too old to send.

    Lost: pending and untouched for ``EXPORT_STALL`` (never queued, or its retry
    vanished with the broker's data), or "sending" past its lease (the worker
    died). A second job for a row is harmless: only one run wins the claim.
    """
    Status = CalendarExport.Status
    stale = now - EXPORT_STALL
    # A row "sending" within its lease belongs to a live job: never touched here.
    unattended = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - EXPORT_SEND_LEASE)
    CalendarExport.objects.filter(unattended, created_at__lt=now - EXPORT_EXPIRY).update(
        status=Status.FAILED, last_error="not sent within a day"
    )
    stalled = unattended & (Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True, created_at__lt=stale))
    ids = [
        str(pk)
        for pk in CalendarExport.objects.filter(stalled).order_by("created_at").values_list("pk", flat=True)[:limit]
    ]
    if not ids:
        return 0
    with transaction.atomic():
        # Touched rows count as fresh: the next sweep leaves them to this job.
        CalendarExport.objects.filter(stalled, pk__in=ids).update(status=Status.PENDING, claimed_at=now)
        transaction.on_commit(partial(enqueue, ids))
    logger.warning("queued %d stalled calendar exports again", len(ids))
    return len(ids)


class AddressNotVerified(Exception):
    pass


class ExportUndeliverable(Exception):
    """The mail server refused the message for good (a 5xx reply): no retry."""


def export_send(*, export_id: str, now: datetime) -> bool:
    """E-mail the export if this run wins the claim; True if it sent the mail.

    A transient mail failure puts the row back to "pending" and re-raises, so
    the job's retry can claim it again; anything else marks it "failed".
    """
    if not export_claim(export_id=export_id, now=now):
        return False
    if not CalendarExport.objects.filter(verified_address(), pk=export_id).exists():
        # Nothing is mailed to an address its owner has not confirmed.
        export_give_up(export_id=export_id, error=AddressNotVerified("the e-mail address is not verified"))
        return False
    try:
        message = export_message(export_id=export_id)
    except (CalendarExport.DoesNotExist, Roadmap.DoesNotExist):
        return False  # the roadmap was deleted after the claim; its export went with it
    try:
        message.send()
    except Exception as error:
        if is_transient_mail_error(error):
            export_release(export_id=export_id, error=error)
            raise
        export_give_up(export_id=export_id, error=error)
        if isinstance(error, smtplib.SMTPException):
            raise ExportUndeliverable(describe(error)) from error
        raise
    CalendarExport.objects.filter(pk=export_id, status=CalendarExport.Status.SENDING).update(
        status=CalendarExport.Status.SENT, sent_at=now, last_error=""
    )
    return True


def export_claim(*, export_id: str, now: datetime) -> bool:
    """Compare-and-set: pending (or sending with an expired lease) to sending."""
    Status = CalendarExport.Status
    claimable = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - EXPORT_SEND_LEASE)
    claimed = CalendarExport.objects.filter(claimable, pk=export_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def export_release(*, export_id: str, error: Exception) -> None:
    """Back to pending for the job's retry; ``claimed_at`` keeps the time of this try."""
    CalendarExport.objects.filter(pk=export_id, status=CalendarExport.Status.SENDING).update(
        status=CalendarExport.Status.PENDING, last_error=describe(error)
    )


def export_give_up(*, export_id: str, error: BaseException) -> None:
    unfinished = [CalendarExport.Status.PENDING, CalendarExport.Status.SENDING]
    CalendarExport.objects.filter(pk=export_id, status__in=unfinished).update(
        status=CalendarExport.Status.FAILED, last_error=describe(error)
    )


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def is_transient_mail_error(error: BaseException) -> bool:
    """4xx replies and network trouble are worth retrying; 5xx replies are final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(not 500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return not 500 <= error.smtp_code < 600
    return isinstance(error, OSError)  # refused connections, timeouts, disconnects


def export_message(*, export_id: str) -> EmailMultiAlternatives:
    export = CalendarExport.objects.select_related("user").get(pk=export_id)
    roadmap = calendar_selectors.roadmap_for_export(export)
    tasks = calendar_selectors.calendar_tasks([roadmap.id])
    context = {
        "user": export.user,
        "roadmap": roadmap,
        "task_count": len(tasks),
        "roadmap_url": f"{settings.SITE_URL}/roadmaps/{roadmap.id}/",
        "filename": ics.calendar_filename(roadmap),
    }
    message = EmailMultiAlternatives(
        subject=f"Your {roadmap.role.name} roadmap calendar",
        body=render_to_string("roadmaps/email/calendar_export.txt", context),
        to=[export.user.email],
    )
    message.attach_alternative(render_to_string("roadmaps/email/calendar_export.html", context), "text/html")
    body = roadmap_calendar(roadmap=roadmap, tasks=tasks)
    message.attach(context["filename"], body, "text/calendar")
    return message
