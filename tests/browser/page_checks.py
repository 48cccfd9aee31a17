"""What every console page must satisfy in a real browser, checked on a Playwright page:

- every request answers 200 (the only exceptions are the ones a step names: the login redirect,
  the status of a page expected to answer 404, and 304 revalidations of static files);
- no JavaScript console error, page error or failed request;
- styled: the Django admin stylesheet applies (its CSS variables resolve and the header has a
  background) and, on console pages, console.css applies (its `--ac-console` marker resolves);
- nothing wider than the 1440 px viewport.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Response

ROOT = Path(__file__).resolve().parents[2]
# Under the session's own var dir (PLATFORM_VAR_DIR), so two suites never overwrite each other's.
SCREENSHOTS = Path(os.environ.get("PLATFORM_VAR_DIR") or ROOT / "var") / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}

# The widest elements of an overflowing page, for the failure message.
WIDE_ELEMENTS_JS = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && r.width > 0) {
      const id = el.id ? '#' + el.id : '';
      const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
      out.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(r.right)} width=${Math.round(r.width)}`);
    }
  }
  return out.slice(0, 12);
}"""

STYLE_JS = """() => {
  const root = getComputedStyle(document.documentElement);
  const header = document.getElementById('header');
  return {
    headerBg: root.getPropertyValue('--header-bg').trim(),
    header: header ? getComputedStyle(header).backgroundColor : null,
    console: root.getPropertyValue('--ac-console').trim(),
    consoleLinked: [...document.querySelectorAll('link[rel=stylesheet]')].some(l => l.href.includes('admin-console/console')),
    emptySheets: [...document.querySelectorAll('link[rel=stylesheet]')]
      .filter(l => { try { return !l.sheet || l.sheet.cssRules.length === 0; } catch (e) { return false; } })
      .map(l => l.href),
  };
}"""


@dataclass
class PageWatch:
    """Everything that went wrong on a page since the last `check`."""

    page: Page
    responses: list[tuple[int, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._response)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("requestfailed", self._failed)

    def _response(self, response: Response) -> None:
        self.responses.append((response.status, f"{response.request.method} {response.url}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def _failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def reset(self) -> None:
        self.responses.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self.failed_requests.clear()

    def problems(self, *, allowed: set[tuple[int, str]] = frozenset(), allowed_console: tuple[str, ...] = ()) -> list[str]:
        """Non-200 responses (minus `allowed` (status, url-substring) pairs), errors, failures."""
        out = []
        for status, what in self.responses:
            if status == 200 or (status == 304 and "/static/" in what):
                continue
            if any(status == s and part in what for s, part in allowed):
                continue
            out.append(f"HTTP {status}: {what}")
        out += [f"console error: {text}" for text in self.console_errors
                if not any(part in text for part in allowed_console)]
        out += [f"page error: {text}" for text in self.page_errors]
        out += [f"request failed: {text}" for text in self.failed_requests]
        return out


def assert_styled(page: Page, *, console_css: bool) -> None:
    style = page.evaluate(STYLE_JS)
    assert style["headerBg"], f"{page.url}: the admin stylesheet does not apply (no --header-bg)"
    assert style["header"] not in (None, "rgba(0, 0, 0, 0)", "transparent"), \
        f"{page.url}: the header has no background ({style['header']})"
    assert not style["emptySheets"], f"{page.url}: stylesheets without rules: {style['emptySheets']}"
    if console_css:
        assert style["consoleLinked"], f"{page.url}: console.css is not linked"
        assert style["console"] == "loaded", f"{page.url}: console.css does not apply"


def assert_fits(page: Page, width: int = VIEWPORT["width"]) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(WIDE_ELEMENTS_JS, width)
        raise AssertionError(f"{page.url}: content is {scroll_width} px wide (> {width}); widest: {wide}")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
