"""Rate limits of the sign-in, sign-up and password-reset paths: per client address and per account.

A limit per address stops one client from trying many accounts; a limit per
account (the e-mail address typed in, hashed before it becomes a cache key)
stops many addresses from trying one account. Both live in the cache, so they
fail open when Redis is down (README, "Accounts"); the lockout after repeated
wrong passwords (django-axes) is kept in the database and does not.
"""

from __future__ import annotations

import hashlib
import math
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
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


class LoginAddressThrottle(AddressThrottle):
    scope = "login"


class LoginAccountThrottle(AccountThrottle):
    """The API sends ``email``; the log-in pages (ours and the admin's) send ``username``."""

    scope = "login_account"

    def get_cache_key(self, request, view) -> str | None:
        self.field = "email" if submitted_value(request, "email") else "username"
        return super().get_cache_key(request, view)


class RegisterAddressThrottle(AddressThrottle):
    scope = "register"


class RegisterAccountThrottle(AccountThrottle):
    scope = "register_account"


class VerifyAddressThrottle(AddressThrottle):
    """Verification keys are signed; this only stops a client from hammering the endpoint."""

    scope = "verify"


SIGN_IN = (LoginAddressThrottle, LoginAccountThrottle)
SIGN_UP = (RegisterAddressThrottle, RegisterAccountThrottle)
PASSWORD_RESET = (PasswordResetAddressThrottle, PasswordResetEmailThrottle)


def seconds_to_wait(request, throttle_classes) -> int | None:
    """None when every throttle lets ``request`` through (each counts it); else the longest wait."""
    waits = []
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return math.ceil(max(waits)) if waits else None


def throttle_posts(*throttle_classes, template: str = "accounts/throttled.html"):
    """For the web pages (Django views): a POST over any of the limits gets a 429 page with Retry-After."""

    def decorator(view):
        @wraps(view)
        def throttled_view(request, *args, **kwargs):
            if request.method == "POST":
                wait = seconds_to_wait(request, throttle_classes)
                if wait is not None:
                    return too_many_attempts(request, wait, template)
            return view(request, *args, **kwargs)

        return throttled_view

    return decorator


def too_many_attempts(request, wait: int, template: str = "accounts/throttled.html") -> HttpResponse:
    response = render(request, template, {"wait_minutes": math.ceil(wait / 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once an account is locked for this address (AXES_LOCKOUT_CALLABLE)."""
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": _("Too many failed sign-ins for this account from here; try again later.")})
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response
    return too_many_attempts(request, wait)
