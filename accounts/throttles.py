"""Rate limits of the sign-in, sign-up and password-reset paths: per client address and per account.

A limit per address stops one client from trying many accounts; a limit per
account (the e-mail address typed in, hashed before it becomes a cache key)
stops many addresses from trying one account. Both live in the cache, so they
fail open when Redis is down (README, "Accounts"); the lockout after repeated
wrong passwords (django-axes) is kept in the database and does not.
"""

from __future__ import annotations

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class AddressThrottle(SimpleRateThrottle):
    """Per client address (``REMOTE_ADDR``, or ``X-Forwarded-For`` behind ``NUM_PROXIES`` proxies)."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AccountThrottle(SimpleRateThrottle):
    """Per account: the e-mail address in the body (JSON or form field ``field``), case-folded."""

    field = "email"

    def get_cache_key(self, request, view) -> str | None:
        email = submitted_value(request, self.field)
        if not email:
            return None  # nothing to count: the form or serializer refuses the request
        # "surrogatepass": a lone surrogate must reach the serializer, which refuses it with a 400.
        digest = hashlib.sha256(email.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def submitted_value(request, field: str) -> str:
    """The field from a DRF request's data or a Django request's POST, as text ('' if absent)."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    value = data.get(field, "") if hasattr(data, "get") else ""
    return value if isinstance(value, str) else ""


class PasswordResetAddressThrottle(AddressThrottle):
    scope = "password_reset"


class PasswordResetEmailThrottle(AccountThrottle):
    scope = "password_reset_account"
