"""Which weekly slot a due learner is at, which local week it belongs to, and the time limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings

from accounts.models import Profile

# Retries of a send after a transient mail error: 1 + MAX_RETRIES attempts in all.
MAX_RETRIES = 6
MAX_SEND_ATTEMPTS = 1 + MAX_RETRIES


def grace_period() -> timedelta:
    """A slot missed by longer than this (service down) is skipped, not sent late."""
    return timedelta(hours=settings.NUDGE_GRACE_HOURS)


def send_lease() -> timedelta:
    """How long a send may hold a row in "sending" before another run may take it over."""
    return timedelta(minutes=settings.NUDGE_SEND_LEASE_MINUTES)


def retry_countdown(retries_so_far: int) -> int:
    """Seconds before the next try: base, 2 x base, 4 x base, ... (60 s to 32 min by default)."""
    return settings.NUDGE_RETRY_BASE_SECONDS * 2**retries_so_far


def stall_after() -> timedelta:
    """A pending row untouched this long has lost its job message: queue it again.

    Longer than the longest retry countdown, so a row waiting for its retry is
    never taken for a lost one.
    """
    return max(timedelta(hours=1), 2 * timedelta(seconds=retry_countdown(MAX_RETRIES - 1)))


def latest_slot(profile: Profile, now: datetime) -> datetime:
    """The learner's last slot at or before ``now`` under their current settings.

    Slots are about a week apart (a week +- the DST hour), so the first slot
    after ``now - 8 days`` is at most a day before ``now``; a step or two
    forward finds the last one.
    """
    slot = profile.choose_next_nudge_at(now - timedelta(days=8))
    while (following := profile.choose_next_nudge_at(slot)) <= now:
        slot = following
    return slot


def due_slot(profile: Profile, now: datetime) -> datetime:
    """The slot a due learner is dispatched for: the latest one that has come.

    After a long outage ``next_nudge_at`` may be weeks old; the learner is owed
    this week's nudge (if still within the grace period), not a stale one.
    """
    return max(profile.next_nudge_at, latest_slot(profile, now))


def local_week_start(moment: datetime, profile: Profile) -> date:
    """Monday of the learner's local ISO week that ``moment`` falls in."""
    local_day = moment.astimezone(profile.zone).date()
    return local_day - timedelta(days=local_day.weekday())
