"""Logging filters: secrets out of every line, and the cache outage as one warning.

Secrets that travel in URLs or headers end up in log lines by many roads:
Django's "Not Found: /calendar/<token>.ics", gunicorn's access line, a
traceback whose exception message quotes the URL, a debug print of a request's
headers. Redacting at the logging layer catches all of them, whoever logged.

What is redacted (the shape stays, so a line still says which page was asked):
- the calendar feed token in ``/calendar/<token>.ics`` (and its ``webcal://`` twin);
- the nudge unsubscribe token in ``/nudges/unsubscribe/<token>/``;
- password-reset links ``/password-reset/<uid>/<token>/`` and allauth's reset and
  e-mail confirmation keys (``/key/<key>/``, ``/confirm-email/<key>/``);
- ``Authorization`` header values and ``Token <key>`` credentials;
- JSON or query-string values of ``password``, ``token``, ``key`` and the like.

The filter formats the message with its arguments and the traceback once,
redacts the text, and leaves nothing unformatted behind (``args`` emptied,
``exc_info`` replaced by the redacted ``exc_text``), so no later formatter can
bring the secret back.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # The feed URL: anything between /calendar/ and .ics is the secret.
    (re.compile(r"(/calendar/)[^\s\"'<>]+?(\.ics)"), rf"\g<1>{REDACTED}\g<2>"),
    (re.compile(r"(/nudges/unsubscribe/)[^\s/\"'<>?]+"), rf"\g<1>{REDACTED}"),
    # Django's reset link: /password-reset/<uidb64>/<token>/ (not /sent/ or /done/).
    (re.compile(r"(/password-reset/)(?!sent/|done/)[^\s/\"'<>?]+/[^\s/\"'<>?]+"), rf"\g<1>{REDACTED}"),
    # allauth's links: /accounts/password/reset/key/<uid>-<key>/, /accounts/confirm-email/<key>/.
    (re.compile(r"(/(?:key|confirm-email|verify-email)/)[^\s/\"'<>?]+"), rf"\g<1>{REDACTED}"),
    # Header values, as a dict entry, a WSGI key or a raw header line.
    (
        re.compile(r"((?:HTTP_)?AUTHORIZATION[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+", re.IGNORECASE),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"\b(Token|Bearer|Basic)\s+[A-Za-z0-9+/=._~-]{16,}"), rf"\g<1> {REDACTED}"),
    # Secret fields in JSON bodies, Python reprs and query strings: a quoted value whole.
    (
        re.compile(
            r"([\"']?\b(?:password\w*|\w*_password|token|key|secret|feed_url|webcal_url)[\"']?\s*[:=]\s*)"
            r"(?:\"[^\"]*\"|'[^']*'|[^\"'&\s,}]+)",
            re.IGNORECASE,
        ),
        rf"\g<1>'{REDACTED}'",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Attach to every handler (LOGGING in config/settings.py does): it never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, still redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            record.exc_text = record.exc_text or self._formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class CacheOutageWarning(logging.Filter):
    """django-redis logs each cache call it gave up on as an error with a traceback;
    while Redis is down that is every request. The service carries on without the
    cache by design, so this makes it one warning line that names the cause."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "cache_outage", False):
            return True  # already rewritten (a logging set up twice holds this filter twice)
        cause = record.exc_info[1] if record.exc_info else None
        while cause is not None and cause.__cause__ is not None:
            cause = cause.__cause__
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.msg = "Cache unreachable, going on without it (throttles fail open): %s"
        record.args = (f"{type(cause).__name__}: {cause}" if cause else "unknown error",)
        record.exc_info, record.exc_text, record.cache_outage = None, None, True
        return True
