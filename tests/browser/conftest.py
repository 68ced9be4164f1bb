"""Playwright driving Debian's Chromium against pytest-django's live server.

No browser download: Playwright launches /usr/bin/chromium. Each failing test
leaves a screenshot in test-artifacts/<test name>.png for CI to keep.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # ORM calls are still plain synchronous code, so Django's guard is lifted
    # while (and only while) the browser is up.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def site(live_server, transactional_db, settings):
    """The live server, with links in pages and feeds pointing at it."""
    settings.SITE_URL = live_server.url
    settings.CSRF_TRUSTED_ORIGINS = [live_server.url]
    return live_server


@pytest.fixture
def catalog(site):
    """The curated catalog from fixtures/: the journey uses real roles and tracks."""
    from roadmaps.catalog.loader import load_catalog

    load_catalog()


def _open_page(browser, request, site, **context_options):
    context = browser.new_context(base_url=site.url, locale="en-GB", timezone_id="Europe/Paris", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message.text),
    )
    return context, page


def _screenshot_on_failure(request, page) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def page(browser, request, site):
    context, page = _open_page(browser, request, site, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    yield page
    _screenshot_on_failure(request, page)
    context.close()


@pytest.fixture
def phone_page(browser, request, site):
    context, page = _open_page(
        browser,
        request,
        site,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    _screenshot_on_failure(request, page)
    context.close()


def log_in(page, site, user) -> None:
    """Put a fresh session for ``user`` into the browser, as a login would."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site.url, "httpOnly": True}])
