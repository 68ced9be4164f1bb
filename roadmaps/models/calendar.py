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

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def set_new_token(self) -> None:
        self.token = new_feed_token()
        self.token_digest = digest_feed_token(self.token)


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
