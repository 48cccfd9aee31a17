"""Static files are collected with hashed names and served by the app itself (WhiteNoise) under a
real Daphne with DEBUG off: the admin's and the console's CSS/JS and the offline API docs."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

from tests.e2e.servers import start_server

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_ASSETS = ["admin-console/console.css", "admin-console/run-live.js"]
EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


class AssetLinks(HTMLParser):
    """Every stylesheet, script and icon a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href") and values.get("rel") in ("stylesheet", "icon", "preconnect"):
            self.urls.append(values["href"] or "")


def assets_of(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return [url for url in parser.urls if not url.startswith("data:")]  # inline: nothing to fetch


@pytest.fixture(scope="module")
def daphne(django_db_setup, django_db_blocker, tmp_path_factory):
    server, base = start_server(tmp_path_factory.mktemp("logs"), DEBUG="0")
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client
    server.stop()


def test_collected_files_have_content_hashed_names_and_gzip_copies():
    for name in [*CONSOLE_ASSETS, "admin/css/base.css"]:
        hashed = staticfiles_storage.stored_name(name)
        stem, ext = Path(name).stem, Path(name).suffix
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}{re.escape(ext)}", Path(hashed).name), hashed
        assert (Path(settings.STATIC_ROOT) / hashed).is_file()
        assert (Path(settings.STATIC_ROOT) / f"{hashed}.gz").is_file()


def test_pages_link_the_hashed_names(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert staticfiles_storage.url("admin/css/base.css") in html
    assert re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css", html)


def test_every_asset_of_the_admin_answers_200_under_daphne_with_debug_off(daphne):
    assert settings.DEBUG is False
    page = daphne.get("/admin/login/")
    assert page.status_code == 200
    urls = assets_of(page.text)
    assert any("/static/admin/css/base." in url for url in urls), urls
    urls += [staticfiles_storage.url(name) for name in CONSOLE_ASSETS]
    for url in urls:
        assert url.startswith("/static/"), f"{url} is not served by the platform"
        response = daphne.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        assert "immutable" in response.headers["cache-control"], url  # hashed names cache forever
    css = daphne.get(staticfiles_storage.url("admin-console/console.css"), headers={"Accept-Encoding": "gzip"})
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers.get("content-encoding") == "gzip"
    js = daphne.get(staticfiles_storage.url("admin-console/run-live.js"))
    assert "javascript" in js.headers["content-type"]
    assert js.text == (ROOT / "static/admin-console/run-live.js").read_text()


def test_a_missing_static_file_is_a_404_not_a_500(daphne):
    assert daphne.get("/static/admin-console/no-such-file.css").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/docs/swagger/"])
def test_api_docs_load_only_the_platforms_own_assets(daphne, path):
    page = daphne.get(path)
    assert page.status_code == 200
    assert not EXTERNAL_URL.search(page.text), "the docs page loads something from another host"
    assert "fonts.googleapis" not in page.text
    urls = assets_of(page.text)
    assert any("drf_spectacular_sidecar" in url for url in urls), urls
    for url in urls:
        assert url.startswith("/static/"), url
        assert daphne.get(url).status_code == 200, url
    assert daphne.get("/api/v1/schema/").status_code == 200


def test_no_template_or_static_file_loads_from_another_host():
    sources = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html"), *ROOT.glob("static/**/*.*")]
    assert sources
    offenders = [str(path.relative_to(ROOT)) for path in sources
                 if path.suffix in (".html", ".css", ".js") and
                 (EXTERNAL_URL.search(path.read_text()) or re.search(r"@import\s+url\(\s*['\"]?https?:", path.read_text())
                  or re.search(r"url\(\s*['\"]?https?:", path.read_text()))]
    assert offenders == []
