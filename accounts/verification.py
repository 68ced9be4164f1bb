"""A verified address before any mail: django-allauth's e-mail verification machinery.

- Sign-up (API or page) stores the address unverified (allauth ``EmailAddress``)
  and sends the verification mail: the first mail the service sends anyone.
- The mail's link (``SITE_URL/verify-email/<key>/``) and ``POST /api/auth/verify/``
  take allauth's signed key (HMAC, no row per key; expires after
  ``ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS``); confirming marks the address verified.
- No weekly nudge is dispatched and no export is mailed to an unverified address
  (``verified_address`` is the filter both use).
"""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import languages
from accounts.models import User
from roadmaps.web.page_versions import learner_pages_changed

logger = logging.getLogger(__name__)


def verified_address(*, user_id: str = "user_id", email: str = "user__email") -> Exists:
    """A filter on rows that reach a user (a profile by default): that user's current
    address is verified. ``user_id`` and ``email`` name the outer query's fields."""
    return Exists(EmailAddress.objects.filter(user_id=OuterRef(user_id), verified=True, email__iexact=OuterRef(email)))


def is_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True, email__iexact=user.email).exists()


def address_record(*, user: User) -> EmailAddress:
    """The user's address as allauth keeps it (made unverified on first use)."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return address


def verification_send(*, user: User, request=None) -> bool:
    """Mail the verification link unless the address is verified; False if the mail failed
    (logged: sign-up goes on, and the learner can ask again from the settings page)."""
    address = address_record(user=user)
    if address.verified:
        return False
    try:
        EmailConfirmationHMAC(address).send(request, signup=True)
    except Exception:
        logger.exception("could not send the verification mail to user %s", user.pk)
        return False
    return True


def verification_confirm(*, key: str, request=None) -> User | None:
    """The user whose address the key verifies, or None for an unknown, expired or used key."""
    confirmation = EmailConfirmationHMAC.from_key(key)
    if confirmation is None:
        return None
    address = confirmation.confirm(request)
    if address is None:
        return None
    # The link is often followed signed out: no request of the learner's moves the version.
    learner_pages_changed(user_id=address.user_id)
    return address.user


class AccountAdapter(DefaultAccountAdapter):
    """Links from SITE_URL (mail may be sent outside a request), and our own mail templates."""

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return settings.SITE_URL + reverse("verify-email", kwargs={"key": emailconfirmation.key})

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        user = emailconfirmation.email_address.user
        context = {"user": user, "verify_url": self.get_email_confirmation_url(request, emailconfirmation)}
        # In the recipient's language, not the request's (a re-send may come from the API).
        with languages.override_for(user):
            subject = render_to_string("accounts/email/verify_subject.txt", context).strip()
            message = render_to_string("accounts/email/verify.txt", context)
        send_mail(
            subject=subject, message=message, from_email=None, recipient_list=[emailconfirmation.email_address.email]
        )
