"""No secret reaches a log line: the filter every handler in LOGGING carries (config/log_filters.py)."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings

from config.log_filters import RedactSecrets

FEED_TOKEN = "q3JzT0kq_7hT1xVbB9s8l0dJ2mQ4rN6uW5yZ-abcDEF"


@pytest.fixture
def log():
    """A logger whose one handler carries the filter, as LOGGING sets it up; yields (logger, stream)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"Not Found: /calendar/{FEED_TOKEN}.ics", FEED_TOKEN),
        (f'127.0.0.1 - - "GET /calendar/{FEED_TOKEN}.ics HTTP/1.1" 200 812', FEED_TOKEN),
        (f"feed at webcal://planner.example.org/calendar/{FEED_TOKEN}.ics", FEED_TOKEN),
        ("GET /nudges/unsubscribe/MTI:1tY2Xb:unsub-secret-value/ 200", "unsub-secret-value"),
        ("GET /password-reset/MTI/c4d2k1-0123456789abcdef0123456789abcdef/ 302", "0123456789abcdef0123456789abcdef"),
        ("GET /accounts/confirm-email/MTI:1tY2Xb:verify-secret-key/ 200", "verify-secret-key"),
        ("GET /accounts/password/reset/key/1-c4d2k1-resetsecretkey42/ 200", "resetsecretkey42"),
        ("headers: {'Authorization': 'Token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b'}", "9f86d081884c7d659a2f"),
        ("HTTP_AUTHORIZATION=Bearer abc.def.ghi-jkl", "abc.def.ghi-jkl"),
        ('body {"key": "MTI:1tY2Xb:verify-secret-key"}', "verify-secret-key"),
        ('body {"current_password": "eight   spaces", "new_password": "hunter2hunter2"}', "hunter2hunter2"),
        ('body {"current_password": "eight   spaces"}', "eight   spaces"),
    ],
)
def test_a_secret_in_a_log_line_is_redacted(log, line, secret):
    logger, stream = log

    logger.warning(line)

    assert secret not in stream.getvalue()
    assert "[redacted]" in stream.getvalue()


def test_a_secret_in_the_arguments_of_a_message_is_redacted(log):
    logger, stream = log

    logger.warning("Not Found: %s", f"/calendar/{FEED_TOKEN}.ics")

    assert stream.getvalue() == "WARNING Not Found: /calendar/[redacted].ics\n"


def test_a_secret_in_a_traceback_is_redacted(log):
    logger, stream = log
    try:
        raise RuntimeError(f"could not build https://planner.example.org/calendar/{FEED_TOKEN}.ics")
    except RuntimeError:
        logger.exception("Internal Server Error: /calendar/%s.ics", FEED_TOKEN)

    text = stream.getvalue()
    assert FEED_TOKEN not in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: could not build https://planner.example.org/calendar/[redacted].ics" in text


def test_gunicorn_style_access_records_with_a_dict_of_atoms_are_redacted(log):
    logger, stream = log

    logger.info('%(h)s "%(r)s" %(s)s', {"h": "127.0.0.1", "r": f"GET /calendar/{FEED_TOKEN}.ics HTTP/1.1", "s": "200"})

    assert stream.getvalue() == 'INFO 127.0.0.1 "GET /calendar/[redacted].ics HTTP/1.1" 200\n'


def test_lines_without_secrets_are_left_alone(log):
    logger, stream = log

    logger.info("GET /api/roadmaps/12/tasks/?page=2 200; queued 3 stalled calendar exports again")

    assert stream.getvalue() == "INFO GET /api/roadmaps/12/tasks/?page=2 200; queued 3 stalled calendar exports again\n"


def test_every_handler_and_every_logger_with_handlers_of_its_own_redact():
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact_secrets" in handler["filters"] for handler in handlers.values())
    for name in ("django", "django.server", "gunicorn.error", "gunicorn.access"):
        assert settings.LOGGING["loggers"][name] == {**settings.LOGGING["loggers"][name], "handlers": []}
        assert settings.LOGGING["loggers"][name]["propagate"] is True
    redacting = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecrets) for f in h.filters)]
    assert redacting
