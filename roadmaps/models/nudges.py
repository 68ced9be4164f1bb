"""One row per learner per local week: the database's guarantee of "never twice"."""

from django.conf import settings
from django.db import models


class NudgeDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_deliveries")
    roadmap = models.ForeignKey("roadmaps.Roadmap", on_delete=models.SET_NULL, null=True, related_name="+")
    # Monday of the learner's local ISO week the nudge belongs to.
    week_start = models.DateField()
    scheduled_for = models.DateTimeField()
    # The content window, stored so a retry sends the same mail.
    local_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week_start"], name="one_nudge_per_learner_week")]
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"Nudge for {self.user} in week of {self.week_start} ({self.status})"
