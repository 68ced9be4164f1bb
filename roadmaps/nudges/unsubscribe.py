"""The one-click unsubscribe link: a signed learner id, no login needed.

The signature (Django's ``Signer``, keyed by SECRET_KEY with its own salt) is
the credential, so the link works from any mail client for as long as the key
does, and nobody can forge one for another learner.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import Profile
from accounts.services import profile_update

SALT = "roadmaps.nudges.unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(user_id))


def user_id_from_token(token: str) -> int | None:
    """The learner id the token was signed for, or None for a bad or forged token."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def unsubscribe_url(user_id: int) -> str:
    return settings.SITE_URL + reverse("nudge-unsubscribe", args=[unsubscribe_token(user_id)])


def nudges_unsubscribe(*, profile: Profile, now: datetime) -> Profile:
    """Turn the weekly nudges off; the profile service clears ``next_nudge_at``.

    A delivery already queued is not sent either: the sender checks the
    learner's setting when it claims the row.
    """
    if not profile.nudges_enabled:
        return profile
    return profile_update(profile=profile, now=now, nudges_enabled=False)
