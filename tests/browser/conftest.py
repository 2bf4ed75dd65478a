"""Fixtures of the browser tests: one Chromium per session, a context per test.

The tests drive the pages through pytest-django's live server, which also
serves the static files, so Bootstrap and the formset script load as they do
for a person using the site.
"""

import importlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect, sync_playwright

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM = "Chromium not installed: apt-get install chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    """Launch the system's Chromium once for the whole session."""
    if not CHROMIUM.exists():
        if os.environ.get("FLEET_REQUIRE_BROWSER") == "1":
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)

    # Playwright's sync API keeps an event loop running in this thread, so
    # Django would take every ORM call of the test code for async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hash the test users' passwords cheaply; the real hasher takes ~1s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def office_staff_group(transactional_db):
    """Make the "Office staff" group again: each test starts from a flush.

    The data migration that makes it ran once, before the first flush, so
    its own function is called rather than a copy of what it grants.
    """
    migration = importlib.import_module("garage.migrations.0002_office_staff_group")
    migration.create_office_staff_group(apps, SimpleNamespace(connection=connection))


@pytest.fixture
def staff_user(office_staff_group):
    """A member of the "Office staff" group, with password "pw"."""
    return make_user("clerk", staff_group=True)


@pytest.fixture
def superuser(transactional_db):
    """An administrator, with password "pw"."""
    return make_user("boss", superuser=True)


@pytest.fixture
def new_context(browser, live_server):
    """Return a function opening a fresh browser context on the live server."""
    contexts = []

    def new_context():
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh browser context, logged in as nobody."""
    return new_context().new_page()


@pytest.fixture
def log_in(live_server):
    """Return a function giving a browser context the session of a user.

    Only the first journey logs in through the form; the others skip it.
    """

    def log_in(context, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def screenshot(tmp_path):
    """Return a function saving a full-page screenshot of a page.

    The images go to tests/browser/screenshots/ with FLEET_SCREENSHOTS=1, and
    to a temporary directory otherwise, so that a test run leaves the
    committed images alone.
    """
    keep = os.environ.get("FLEET_SCREENSHOTS") == "1"

    def screenshot(page, name):
        path = tmp_path / name
        page.screenshot(path=path, full_page=True)
        if keep:
            SCREENSHOTS.mkdir(exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / name)
        return path

    return screenshot
