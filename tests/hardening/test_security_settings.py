"""Production settings: ``check --deploy`` passes, and real responses carry the security headers.

Settings are read from the environment when Django starts, so each check runs
in a fresh process started with a production environment (DEBUG off, an https
SITE_URL, a real secret key), not under override_settings.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SITE = "planner.example.org"

# What the service sees on a production host: nothing from the developer's shell.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SITE_URL": f"https://{SITE}",
    "SECRET_KEY": secrets.token_urlsafe(64),
}

# Pages fetched in the production process: HTML, the API (DRF and its errors), plain JSON.
PAGES = ["/login/", "/api/me/", "/api/schema/", "/api/no-such-thing/", "/ping/", "/no-such-page/"]

FETCH_PAGES = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="{site}")
pages = {{}}
for path in {pages!r}:
    response = client.get(path, secure=True)
    pages[path] = {{
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {{name: dict(morsel) for name, morsel in response.cookies.items()}},
        "body": response.content.decode(errors="replace")[:2000],
    }}
plain_http = client.get("/login/")
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT"]
print(json.dumps({{
    "pages": pages,
    "plain_http": {{"status": plain_http.status_code, "location": plain_http.headers.get("Location")}},
    "settings": {{name: getattr(settings, name) for name in names}},
}}))
"""


def run_in_production(args: list[str], tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(tmp_path),
        **PRODUCTION_ENV,
        **overrides,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    # Production pages link hashed static files, so collect them first, as a deploy does.
    data_dir = tmp_path_factory.mktemp("production")
    static_root = str(data_dir / "static")
    collected = run_in_production(["manage.py", "collectstatic", "--noinput"], data_dir, STATIC_ROOT=static_root)
    assert collected.returncode == 0, collected.stderr
    script = FETCH_PAGES.format(site=SITE, pages=PAGES)
    result = run_in_production(["-c", script], data_dir, STATIC_ROOT=static_root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- manage.py check --deploy -------------------------------------------------------------------


def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path):
    result = run_in_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"SITE_URL": f"http://{SITE}"}, "security.W004"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
    ],
    ids=["debug-on", "plain-http-site", "no-hsts", "no-https-redirect"],
)
def test_the_deploy_check_fails_when_a_protection_is_turned_off(tmp_path, overrides, warning):
    """The check above can fail: each of these settings alone makes it fail."""
    result = run_in_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **overrides)

    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


# --- What production responses carry ---------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_kind_of_response_carries_the_security_headers(production, path):
    headers = production["pages"][path]["headers"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in headers


@pytest.mark.parametrize("path", PAGES)
def test_the_content_security_policy_allows_only_the_service_s_own_files(production, path):
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in production["pages"][path]["headers"]["Content-Security-Policy"].split("; ")
    }

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_pages_answer_as_expected_in_production(production):
    statuses = {path: page["status"] for path, page in production["pages"].items()}

    assert statuses == {
        "/login/": 200,
        "/api/me/": 401,
        "/api/schema/": 200,
        "/api/no-such-thing/": 404,
        "/ping/": 200,
        "/no-such-page/": 404,
    }


def test_cookies_are_secure_and_debug_is_off(production):
    assert production["pages"]["/login/"]["cookies"]["csrftoken"]["secure"] is True
    assert production["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
    }


def test_plain_http_is_sent_to_https(production):
    assert production["plain_http"] == {"status": 301, "location": f"https://{SITE}/login/"}


@pytest.mark.parametrize("path", ["/api/no-such-thing/", "/no-such-page/"])
def test_error_pages_show_no_debugging_details(production, path):
    body = production["pages"][path]["body"]

    assert "Traceback" not in body
    assert "URLconf" not in body
    assert "settings.py" not in body
