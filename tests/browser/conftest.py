"""Browser fixtures: a real Daphne and a real platform worker on the test database, headless
Chromium from Debian's package driven by Playwright, and a logged-in console page.

Chromium is never downloaded: `.ci/run` installs Debian's `chromium` when /usr/bin/chromium is
missing, and Playwright launches that binary.
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.page_checks import VIEWPORT, PageWatch, assert_fits, assert_styled, screenshot
from tests.browser.seed import PASSWORD, Seeded, new_project, seed_console
from tests.e2e.servers import Process, start_server, start_worker
from tests.rag.embedding_server import EmbeddingServer

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "browser: drives the console in headless Chromium (Playwright)")


@dataclass
class Stack:
    base: str
    worker: Process
    logs: Path


@pytest.fixture
def stack(django_db_setup, transactional_db, tmp_path_factory) -> Iterator[Stack]:
    """Per test: after a test's flush, content types get new ids that a running server has cached."""
    logs = tmp_path_factory.mktemp("browser-logs")
    # The children keep Django's async-safety checks (see `browser`).
    server, base = start_server(logs, DJANGO_ALLOW_ASYNC_UNSAFE="")
    worker = start_worker(logs, f"browser-{uuid.uuid4().hex[:6]}", DJANGO_ALLOW_ASYNC_UNSAFE="",
                          PLATFORM_RUN_LEASE_S="5")
    yield Stack(base, worker, logs)
    worker.stop()
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, for one test module.

    Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse ORM
    calls from the test ("you cannot call this from an async context"); they are plain
    synchronous test code (and the flush after each test), so allow them while the browser is
    open. Module scope: the loop and the setting are gone before the session's other tests run;
    the servers keep the check (see `stack`)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def seeded(stack, browser) -> Iterator[Seeded]:
    """One project with one of everything, made through the API and run by the worker."""
    with EmbeddingServer() as embeddings:
        data = seed_console(stack.base, embeddings.base_url)
        try:
            yield data
        finally:
            data.client.close()


@pytest.fixture
def api_project(stack, browser) -> Iterator[Seeded]:
    """An empty project and an owner-key HTTP client of it (for tests that need little)."""
    data = new_project(stack.base)
    try:
        yield data
    finally:
        data.client.close()


class Console:
    """A logged-in console tab that checks every page it opens (see page_checks)."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.watch = PageWatch(page)
        self.visited: list[str] = []
        self.timings: list[tuple[float, str]] = []  # seconds per page (printed with -s when slow)

    def url(self, path: str) -> str:
        return self.base + path

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto(self.url("/admin/login/?next=/admin/"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("input[type=submit]")
        assert self.page.url == self.url("/admin/"), f"login failed: {self.page.url}"
        self.check("login", allowed={(302, "/admin/login/")})

    def open(self, path: str, name: str | None = None, *, status: int = 200, console_css: bool = False,
             wait_for: str | None = None, wait_ms: float = 15_000, shot: bool = False, admin: bool = True,
             full_page: bool = True) -> Page:
        """Open a page and check it: status, assets, errors, style and width."""
        self.watch.reset()
        started = time.monotonic()
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, \
            f"{path}: answered {response and response.status}, expected {status}"
        if wait_for:
            try:
                self.page.wait_for_selector(wait_for, timeout=wait_ms)
            except Exception:
                screenshot(self.page, f"failed-{name or 'page'}", full_page=False)  # what it showed instead
                raise
        self.visited.append(path)
        self.check(name or path, allowed={(status, path)} if status != 200 else set(), console_css=console_css,
                   allowed_console=(f"status of {status}",) if status != 200 else (), shot=shot, admin=admin, full_page=full_page)
        self.timings.append((round(time.monotonic() - started, 2), name or path))
        return self.page

    def check(self, name: str, *, allowed: set[tuple[int, str]] = frozenset(), console_css: bool = False,
              allowed_console: tuple[str, ...] = (), shot: bool = False, admin: bool = True,
              full_page: bool = True) -> None:
        problems = self.watch.problems(allowed=allowed, allowed_console=allowed_console)
        assert not problems, f"{name} ({self.page.url}):\n  " + "\n  ".join(problems)
        if admin:
            assert_styled(self.page, console_css=console_css)
        assert_fits(self.page)
        if shot:
            screenshot(self.page, name, full_page=full_page)
        self.watch.reset()


@pytest.fixture
def console_page(browser, stack) -> Iterator[Console]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console(page, stack.base)
    try:
        yield console
    finally:
        context.close()
        print("slowest pages:", sorted(console.timings, reverse=True)[:8])
