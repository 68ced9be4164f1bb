"""The calendar feed's lifecycle and e-mailed .ics exports.

Feed: one per learner, made on first request; rotating replaces the token (the
old URL is dead at once), revoking deletes the row. Exports: a request stores a
``CalendarExport`` row and queues a job after commit; the job claims the row
with a conditional update, so however often it runs the mail goes out once.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import smtplib
import time as time_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext

from accounts import languages
from accounts.models import DEFAULT_STUDY_TIME
from accounts.verification import verified_address
from config import cache_batch
from roadmaps import jobs
from roadmaps.calendar import ics
from roadmaps.calendar import selectors as calendar_selectors
from roadmaps.calendar.revisions import event_revisions
from roadmaps.catalog.services import catalog_epoch
from roadmaps.models import CalendarExport, CalendarFeed, Roadmap
from roadmaps.models.calendar import digest_feed_token, new_feed_token
from roadmaps.plans.sessions import study_sessions

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
# How long a feed's body stays in the cache unfetched; a rebuild costs one build.
# Its window moves every Monday anyway, so a week is all an entry can live.
FEED_BODY_MEMORY = timedelta(days=7)
# How long a cached entry answers without the database. Every write that changes a
# feed through the services (``feed_touch``, rotate, revoke, the profile, the
# catalog) drops or outdates the entry at once; this bounds how long a change made
# around them (a learner deactivated in the admin, an edit in a shell) goes unseen.
FEED_ENTRY_TRUST = timedelta(minutes=10)
# zlib's level 6: 1 MB of iCalendar to about 80 KB in a few milliseconds, once per version.
FEED_GZIP_LEVEL = 6
CACHE_ERRORS = cache_batch.CACHE_ERRORS
NOT_FETCHED = object()


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
        forget_feed_entry(feed.token_digest)
        feed.set_new_token()
        feed.save(update_fields=["token", "token_digest"])
    return feed


def feed_revoke(*, user) -> None:
    for feed in CalendarFeed.objects.filter(user=user):
        forget_feed_entry(feed.token_digest)
        feed.delete()


def feed_urls(feed: CalendarFeed) -> dict[str, str]:
    """The feed's address from SITE_URL (https in production), and its webcal:// twin."""
    feed_url = settings.SITE_URL + reverse("calendar-feed", kwargs={"token": feed.token})
    _, address = feed_url.split("://", 1)
    return {"feed_url": feed_url, "webcal_url": f"webcal://{address}"}


GOOGLE_SUBSCRIBE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_SUBSCRIBE_URL = "https://outlook.live.com/calendar/0/addfromweb"
SUBSCRIPTION_NAME = "Learning roadmap"


def feed_subscribe_links(urls: dict[str, str]) -> dict[str, str]:
    """One-click subscriptions: Google takes the webcal:// address, Outlook the https one.

    Plain links the learner follows; nothing is fetched from here.
    """
    return {
        "google_url": f"{GOOGLE_SUBSCRIBE_URL}?{urlencode({'cid': urls['webcal_url']})}",
        "outlook_url": f"{OUTLOOK_SUBSCRIBE_URL}?{urlencode({'url': urls['feed_url'], 'name': SUBSCRIPTION_NAME})}",
    }


def feed_touch(*, user_id: int) -> None:
    """Mark the learner's feed as changed; call it inside the transaction of every
    write to their roadmaps or tasks (or to the profile's calendar settings).

    One UPDATE, none of the body is built. The cached entry is dropped now and
    again once the transaction commits: a request that read the data before
    the commit may have stored its entry in between.
    """
    with connection.cursor() as cursor:
        cursor.execute(FEED_TOUCH_SQL, [user_id])
        digests = [row[0] for row in cursor.fetchall()]
    for digest in digests:
        forget_feed_entry(digest)


FEED_TOUCH_SQL = (
    f"UPDATE {CalendarFeed._meta.db_table} SET generation = generation + 1 WHERE user_id = %s RETURNING token_digest"
)


def calendar_options(user, *, now: datetime | None = None) -> ics.CalendarOptions:
    """The rendering's settings; with ``now``, the feed's window around the learner's today."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return options_for_profile(None, None, None, now=now)
    return options_for_profile(profile.timezone, profile.study_time, profile.all_day_events, now=now)


def feed_options(feed: CalendarFeed, *, now: datetime) -> ics.CalendarOptions:
    """Options for a feed from ``calendar_selectors.feed_by_token`` (its profile's columns)."""
    return options_for_profile(feed.zone, feed.study_time, feed.all_day_events, now=now)


def options_for_profile(
    zone_name: str | None, study_time: time | None, all_day_events: bool | None, *, now: datetime | None
) -> ics.CalendarOptions:
    """None for any of the profile's columns: the learner has no profile yet, its defaults hold."""
    zone_name = zone_name or settings.TIME_ZONE
    window = None
    if now is not None:
        window = ics.FeedWindow.around(now.astimezone(ZoneInfo(zone_name)).date())
    return ics.CalendarOptions(
        site_url=settings.SITE_URL,
        timezone=zone_name,
        refresh=timedelta(minutes=settings.FEED_REFRESH_MINUTES),
        window=window,
        study_time=study_time or DEFAULT_STUDY_TIME,
        all_day_events=bool(all_day_events),
    )


@dataclass(frozen=True)
class FeedVersion:
    etag: str  # of the identity body; the gzip body's is ``gzip_etag(etag)``
    last_modified: datetime


@dataclass(frozen=True)
class FeedBody:
    version: FeedVersion
    gzipped: bytes

    def identity(self) -> bytes:
        return gzip.decompress(self.gzipped)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """A feed's validators as the cache keeps them, under the token's digest.

    A request whose entry is fresh (``is_fresh``) is answered with no query:
    a 304 from the entry alone, a full answer from the gzipped body kept
    beside it (``feed_body_key``: the etag and the bytes, read in the same
    round trip when the request has no validators). What the entry was made
    from and cannot be asked of the cache (tasks, roadmaps, the profile) is
    covered by dropping it on every change (``feed_touch``, rotate, revoke);
    the rest is checked here: the catalog's epoch, the window (from the
    learner's zone and today), the settings, and the trust period.
    """

    version: FeedVersion
    http_etag: str  # the identity body's, as sent
    http_gzip_etag: str
    http_last_modified: str
    zone: str
    window_first_day: date
    settings_key: str
    catalog_epoch: str
    trusted_until: float  # a Unix time

    def is_fresh(self, *, catalog_epoch: str | None, now: datetime) -> bool:
        if now.timestamp() >= self.trusted_until or catalog_epoch != self.catalog_epoch:
            return False
        if self.settings_key != settings_key():
            return False
        today = now.astimezone(zone_of(self.zone)).date()
        return ics.FeedWindow.around(today).first_day == self.window_first_day

    def body_of(self, cached) -> FeedBody | None:
        """The body read under ``feed_body_key`` if it is this entry's."""
        if isinstance(cached, tuple) and cached[0] == self.version.etag:
            return FeedBody(version=self.version, gzipped=cached[1])
        return None


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # ZoneInfo keeps one instance per key


def settings_key() -> str:
    """The settings the body is made from; an entry made under others is stale."""
    parts = (settings.SITE_URL, settings.FEED_REFRESH_MINUTES, settings.TIME_ZONE, ics.CALENDAR_FORMAT_VERSION)
    return "\x1f".join(map(str, parts))


def gzip_etag(etag: str) -> str:
    # Two encodings are two representations: a strong ETag must tell them apart.
    return etag[:-1] + '-gzip"'


def feed_inputs(*, feed: CalendarFeed, now: datetime) -> str:
    """A hash of everything the body is made from, read from the feed's row alone.

    ``feed`` comes from ``calendar_selectors.feed_by_token`` (time zone and
    catalog revision included): this costs no query.
    """
    options = feed_options(feed, now=now)
    return ics.inputs_key(
        feed.generation,
        feed.catalog_revision,
        options.site_url,
        options.timezone,
        options.refresh,
        options.window.first_day,
        options.study_time,
        options.all_day_events,
    )


def feed_version(*, feed: CalendarFeed, now: datetime) -> FeedVersion | None:
    """The validators of the body last served, if it still stands; no query, no cache.

    None when anything it was made from changed since: only a rebuild can tell
    whether the bytes changed too.
    """
    if feed.etag and feed.last_modified and feed.built_from == feed_inputs(feed=feed, now=now):
        return FeedVersion(etag=feed.etag, last_modified=feed.last_modified)
    return None


def feed_body(*, feed: CalendarFeed, now: datetime, cached=None, epoch: str) -> FeedBody:
    """The cached body when it still stands (its entry trusted again), else rebuilt.

    ``cached``: the value under ``feed_body_key`` if the caller read it, or
    ``NOT_FETCHED``; ``epoch``: the catalog's epoch, read before ``feed``.

    One request rebuilds a feed at a time: others asking for the same stale
    feed meanwhile wait for it (``FEED_REBUILD_WAIT`` at most), then read the
    feed's row again and serve the body it stored only if that body still
    stands for the row as read now; else they build too. A change made during
    the rebuild raises the generation, so it is never answered by the body
    built before it.
    """
    standing = standing_body(feed=feed, now=now, cached=cached, epoch=epoch)
    if standing is not None:
        return standing
    lock_key = feed_rebuild_lock_key(feed.token_digest)
    if not claim_rebuild(lock_key):
        wait_for_rebuild(lock_key)
        feed = calendar_selectors.feed_by_token(feed.token)
        if feed is None:
            raise FeedGone  # rotated, revoked or deactivated while this request waited
        standing = standing_body(feed=feed, now=now, cached=NOT_FETCHED, epoch=epoch)
        if standing is not None:
            return standing
        return feed_rebuild(feed=feed, now=now, epoch=epoch)
    try:
        return feed_rebuild(feed=feed, now=now, epoch=epoch)
    finally:
        release_rebuild(lock_key)


class FeedGone(Exception):
    """The feed's token stopped opening it while the request was under way."""


def standing_body(*, feed: CalendarFeed, now: datetime, cached, epoch: str) -> FeedBody | None:
    """The cached body, if it is the one the feed's row says still stands (its entry trusted again)."""
    version = feed_version(feed=feed, now=now)
    if version is None:
        return None
    if cached is NOT_FETCHED:
        cached = cache_get(feed_body_key(feed.token_digest))
    if not (isinstance(cached, tuple) and cached[0] == version.etag):
        return None
    store_feed_entry(feed, version, now=now, epoch=epoch)
    return FeedBody(version=version, gzipped=cached[1])


# A rebuild takes well under a second; a worker killed while building frees the feed after this.
FEED_REBUILD_LOCK = timedelta(seconds=10)
# How long a request waits for another's rebuild of the same feed before building it too.
FEED_REBUILD_WAIT = timedelta(seconds=2)
FEED_REBUILD_POLL = timedelta(milliseconds=20)


def feed_rebuild_lock_key(token_digest: str) -> str:
    return f"calendar-feed-rebuild:{token_digest}"


def claim_rebuild(lock_key: str) -> bool:
    """True if this request is the one to rebuild; with the cache down, every request builds."""
    try:
        claimed = cache.add(lock_key, 1, FEED_REBUILD_LOCK.total_seconds())
    except CACHE_ERRORS:
        return True
    # None: django-redis's IGNORE_EXCEPTIONS swallowed a failure.
    return claimed is not False


def release_rebuild(lock_key: str) -> None:
    # Left in place (the cache down), it expires after FEED_REBUILD_LOCK; waiters stop sooner.
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(lock_key)


def wait_for_rebuild(lock_key: str) -> None:
    """Until the rebuilding request lets go of the feed, or ``FEED_REBUILD_WAIT`` has passed."""
    deadline = time_module.monotonic() + FEED_REBUILD_WAIT.total_seconds()
    while time_module.monotonic() < deadline:
        time_module.sleep(FEED_REBUILD_POLL.total_seconds())
        if cache_get(lock_key) is None:
            return


def feed_rebuild(*, feed: CalendarFeed, now: datetime, epoch: str) -> FeedBody:
    """Build, store the validators on the feed's row and the entry in the cache.

    The ETag is a hash of the bytes and Last-Modified moves only with it: a
    change that leaves the bytes as they were (a re-plan that moves nothing)
    keeps both, and clients download nothing.
    """
    inputs = feed_inputs(feed=feed, now=now)
    options = feed_options(feed, now=now)
    roadmaps = calendar_selectors.roadmaps_for_feed(feed.user_id)
    roadmap_ids = [roadmap.id for roadmap in roadmaps]
    tasks = calendar_selectors.calendar_tasks(roadmap_ids)
    sessions = study_sessions(roadmap_ids, options.window.first_day, options.window.last_day)
    events = ics.session_events(roadmaps, tasks, sessions, options)
    revisions = event_revisions(user_id=feed.user_id, events=events, now=now)
    body = ics.render_calendar(ics.calendar_name(roadmaps), events, revisions, options)
    etag = ics.body_etag(body)
    if etag == feed.etag and feed.last_modified is not None:
        last_modified = feed.last_modified
    else:
        last_modified = ics.last_modified_after(feed.last_modified, now)
    version = FeedVersion(etag=etag, last_modified=last_modified)
    built = FeedBody(version=version, gzipped=gzip_body(body))
    # Cached first, then the validators stored only if no write raised the generation
    # meanwhile (the UPDATE waits for a writer holding the row). Had one, this body
    # may predate it: the entry goes again and the next request builds anew.
    cache_set_many(
        {
            feed_entry_key(feed.token_digest): feed_entry(feed, version, now, epoch),
            feed_body_key(feed.token_digest): (etag, built.gzipped),
        }
    )
    stored = CalendarFeed.objects.filter(pk=feed.pk, generation=feed.generation).update(
        built_from=inputs, etag=etag, last_modified=last_modified
    )
    if not stored:
        forget_feed_entry(feed.token_digest, later=False)
    feed.built_from, feed.etag, feed.last_modified = inputs, etag, last_modified
    return built


def store_feed_entry(feed: CalendarFeed, version: FeedVersion, *, now: datetime, epoch: str) -> None:
    """Cache (again) the entry of a feed whose body still stands, trusted anew.

    Checked after the write, as in ``feed_rebuild``: a change committed before
    the check is seen here; one committed after it drops the entry itself.
    """
    cache_set_many({feed_entry_key(feed.token_digest): feed_entry(feed, version, now, epoch)})
    if not CalendarFeed.objects.filter(pk=feed.pk, generation=feed.generation).exists():
        forget_feed_entry(feed.token_digest, later=False)


def feed_entry(feed: CalendarFeed, version: FeedVersion, now: datetime, epoch: str) -> FeedEntry:
    options = feed_options(feed, now=now)
    return FeedEntry(
        version=version,
        http_etag=version.etag,
        http_gzip_etag=gzip_etag(version.etag),
        http_last_modified=http_date(version.last_modified.timestamp()),
        zone=options.timezone,
        window_first_day=options.window.first_day,
        settings_key=settings_key(),
        catalog_epoch=epoch,
        trusted_until=(now + FEED_ENTRY_TRUST).timestamp(),
    )


def gzip_body(body: bytes) -> bytes:
    # mtime=0: the same body always gives the same compressed bytes.
    return gzip.compress(body, compresslevel=FEED_GZIP_LEVEL, mtime=0)


def feed_entry_key(token_digest: str) -> str:
    # By the token's digest, known from the URL alone: the view fetches the entry in
    # the same round trip as its throttles' counters, before (or instead of) any query.
    return f"calendar-feed:{token_digest}"


def feed_body_key(token_digest: str) -> str:
    return f"calendar-feed-body:{token_digest}"


def forget_feed_entry(token_digest: str, *, later: bool = True) -> None:
    """Drop the cached entry now and, with ``later``, again once the transaction commits.

    The body may stay: it is served only beside an entry naming its ETag.
    """
    key = feed_entry_key(token_digest)
    # In a request, with the request's other invalidations once its transactions are over.
    if later and cache_batch.delete_later(key, on_failure=warn_entry_kept):
        return
    cache_delete(key)
    if later and connection.in_atomic_block:
        transaction.on_commit(partial(cache_delete, key), robust=True)


def feed_catalog_epoch() -> str:
    """The catalog's epoch to stamp an entry with; read before the rows it is built from."""
    try:
        return catalog_epoch()
    except CACHE_ERRORS:
        logger.warning("cache unavailable: calendar feed built from the database", exc_info=True)
        return ""


# The cache only saves work: when it is down, the feed is built from the database.
def cache_get(key: str):
    try:
        return cache.get(key)
    except CACHE_ERRORS:
        logger.warning("cache unavailable: calendar feed built from the database", exc_info=True)
        return None


def cache_set_many(values: dict) -> None:
    try:
        cache.set_many(values, FEED_BODY_MEMORY.total_seconds())
    except CACHE_ERRORS:
        logger.warning("cache unavailable: calendar feed body not kept", exc_info=True)


def cache_delete(key: str) -> None:
    try:
        # None: django-redis's IGNORE_EXCEPTIONS swallowed a failure (a bool otherwise).
        failed = cache.delete(key) is None
    except CACHE_ERRORS:
        failed = True
    if failed:
        warn_entry_kept()


def warn_entry_kept() -> None:
    logger.warning(
        "cache unavailable: calendar feed entry not dropped; should the cache come back with its data, "
        "it answers for at most %s more",
        FEED_ENTRY_TRUST,
    )


def roadmap_calendar(*, roadmap: Roadmap, now: datetime, tasks=None) -> bytes:
    """One roadmap as .ics, every event (no window); expects ``roadmaps_for_calendar``."""
    if tasks is None:
        tasks = calendar_selectors.calendar_tasks([roadmap.id])
    options = calendar_options(roadmap.user)
    # The whole plan: a task left open past its due date keeps filling later study days.
    sessions = study_sessions([roadmap.id], date.min, date.max)
    events = ics.session_events([roadmap], tasks, sessions, options)
    revisions = event_revisions(user_id=roadmap.user_id, events=events, now=now)
    return ics.render_calendar(ics.calendar_name([roadmap]), events, revisions, options)


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
        message = export_message(export_id=export_id, now=now)
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


def export_message(*, export_id: str, now: datetime) -> EmailMultiAlternatives:
    # The profile too: the mail is in the recipient's language (accounts.languages).
    export = CalendarExport.objects.select_related("user__profile").get(pk=export_id)
    roadmap = calendar_selectors.roadmap_for_export(export)
    tasks = calendar_selectors.calendar_tasks([roadmap.id])
    context = {
        "user": export.user,
        "roadmap": roadmap,
        "task_count": len(tasks),
        "roadmap_url": f"{settings.SITE_URL}/roadmaps/{roadmap.id}/",
        "filename": ics.calendar_filename(roadmap),
    }
    with languages.override_for(export.user):
        message = EmailMultiAlternatives(
            subject=gettext("Your %(role)s roadmap calendar") % {"role": roadmap.role.name},
            body=render_to_string("roadmaps/email/calendar_export.txt", context),
            to=[export.user.email],
        )
        message.attach_alternative(render_to_string("roadmaps/email/calendar_export.html", context), "text/html")
    body = roadmap_calendar(roadmap=roadmap, tasks=tasks, now=now)
    message.attach(context["filename"], body, "text/calendar")
    return message
