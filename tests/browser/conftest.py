import os

import pytest

from tests import tiers

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _browser_tier():
    missing = tiers.missing_browser()
    if missing:
        tiers.unavailable("browser", "; ".join(missing))


@pytest.fixture(scope="session")
def playwright(django_db_blocker):
    """pytest-playwright's fixture, closing Django's connections on each side of it.

    Playwright's sync API moves the test code into a greenlet, and Django keeps connections
    per context: a connection opened on one side would be invisible from the other, stay open
    past the session, and keep the test database from being dropped.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with django_db_blocker.unblock():
        connections.close_all()
    driver = sync_playwright().start()
    yield driver
    with django_db_blocker.unblock():
        connections.close_all()
    driver.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded one, with its calls home switched off."""
    return {
        **browser_type_launch_args,
        "executable_path": tiers.CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture
def tasks_in_this_process(monkeypatch):
    """The live server runs in this process: its on-commit tasks (channel documents, import
    jobs) run here after commit, on every tier, as in the embedded default. tests/services
    proves the path through Redis to a real worker."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
