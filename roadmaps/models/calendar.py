"""The learner's private calendar feed and e-mailed .ics exports."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models

FEED_TOKEN_BYTES = 32  # 256 bits from the OS's cryptographic source


def digest_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


class CalendarFeed(models.Model):
    """One feed per learner; rotating replaces the token, revoking deletes the row.

    Feeds are looked up by the SHA-256 of the token, so the database index never
    compares the secret itself byte by byte.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64)
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised in the same transaction as every write to the learner's roadmaps or
    # tasks (``calendar.services.feed_touch``): the cheap sign that the body changed.
    generation = models.PositiveBigIntegerField(default=0)
    # The last body served: which inputs made it (a hash of the generation, the
    # catalog revision, the profile and the window), its ETag (a hash of its bytes)
    # and since when those bytes are served. Kept in the database so a cache
    # outage never moves the validators of a feed whose bytes did not change.
    built_from = models.CharField(max_length=64, blank=True)
    etag = models.CharField(max_length=64, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def set_new_token(self) -> None:
        self.token = new_feed_token()
        self.token_digest = digest_feed_token(self.token)


class CalendarEventRevision(models.Model):
    """What a learner's calendar last showed for one event UID, and its SEQUENCE.

    RFC 5545 wants SEQUENCE to rise whenever SUMMARY, DTSTART, DTEND, DESCRIPTION
    or STATUS change, and DTSTAMP (without METHOD) to be when the event was last
    revised. Comparing a fingerprint of what the event shows catches every such
    change (a tick, a re-plan, a curator renaming a skill) without each write
    having to know what the calendar shows.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uid = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=32)
    sequence = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "uid"], name="unique_calendar_event_uid")]

    def __str__(self) -> str:
        return f"{self.uid} (sequence {self.sequence})"


class CalendarExport(models.Model):
    """A request to e-mail one roadmap as .ics; the row makes the job idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    roadmap = models.ForeignKey("roadmaps.Roadmap", on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Export {self.id} ({self.status})"
