"""HTML -> Markdown-like text with the page boilerplate stripped (BeautifulSoup, stdlib parser).

What is kept: the `<main>` element, else the largest `<article>`, else `<body>`. What is
dropped: scripts, styles, forms, navigation, asides, page headers and footers (those inside
`<main>`/`<article>` stay: they usually hold the title), hidden elements, ARIA landmark roles
for navigation/banners, and elements whose class or id names typical chrome (cookie banners,
menus, sidebars, share buttons). Headings become `#` lines, list items `- ` lines, `<pre>`
fenced code, table rows `a | b` lines, so the Markdown chunker sees the structure.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

from runtime.rag.documents import ExtractedDocument

_DROP_ALWAYS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
                "nav", "aside", "form", "button", "select", "input", "textarea", "dialog")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
_CHROME = re.compile(r"(^|[-_ ])(cookies?|consent|banner|breadcrumbs?|sidebar|menu|navbar|advert|ads|social|"
                     r"share|newsletter|popup|modal|skip-link|subscribe)([-_ ]|$)", re.IGNORECASE)
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "figure", "figcaption", "dl", "dt", "dd",
           "ul", "ol", "table", "thead", "tbody", "tfoot", "header", "footer", "address", "details", "summary",
           "hr", "body", "html"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACES = re.compile(r"\s+")


def extract_html(html: str) -> ExtractedDocument:
    """Strip boilerplate from an HTML page and return its content as Markdown-like text."""
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _SPACES.sub(" ", title_tag.get_text()).strip() if title_tag else None
    root = _content_root(soup)
    _drop_boilerplate(root)
    renderer = _Renderer()
    renderer.render(root)
    text = "\n\n".join(renderer.finish())
    if not title:
        first = re.search(r"^#{1,6} (.+)$", text, re.MULTILINE)
        title = first.group(1) if first else None
    return ExtractedDocument(text=text, format="html", title=title or None)


def _content_root(soup: BeautifulSoup) -> Tag:
    main = soup.find("main") or soup.find(True, attrs={"role": "main"})
    if isinstance(main, Tag):
        return main
    articles = [a for a in soup.find_all("article") if isinstance(a, Tag)]
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup


def _is_chrome(tag: Tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if str(tag.get("role") or "").lower() in _DROP_ROLES:
        return True
    names = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
    return bool(names.strip()) and bool(_CHROME.search(names))


def _drop_boilerplate(root: Tag) -> None:
    for tag in root.find_all(_DROP_ALWAYS):
        tag.decompose()
    if root.name not in ("main", "article"):  # no content landmark: headers/footers are page chrome
        for tag in root.find_all(["header", "footer"]):
            tag.decompose()
    for tag in list(root.find_all(True)):
        if not tag.decomposed and tag is not root and _is_chrome(tag):
            tag.decompose()


class _Renderer:
    """Walks the tree collecting Markdown blocks; inline text is collapsed to single spaces."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._inline: list[str] = []

    def finish(self) -> list[str]:
        self._flush()
        return [b for b in self.blocks if b]

    def _flush(self, prefix: str = "") -> None:
        text = _SPACES.sub(" ", "".join(self._inline)).strip()
        self._inline = []
        if text:
            self.blocks.append(prefix + text)

    def render(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._render_tag(child)

    def _render_tag(self, tag: Tag) -> None:
        name = tag.name
        if name in _HEADINGS:
            self._flush()
            self._inline.append(tag.get_text(" "))
            self._flush("#" * _HEADINGS[name] + " ")
        elif name == "pre":
            self._flush()
            self.blocks.append("```\n" + tag.get_text().strip("\n") + "\n```")
        elif name == "br":
            self._flush()
        elif name == "li":
            self._flush()
            self.render(tag)
            self._flush("- ")
        elif name == "tr":
            self._flush()
            cells = [_SPACES.sub(" ", c.get_text(" ")).strip() for c in tag.find_all(["td", "th"])]
            if any(cells):
                self.blocks.append(" | ".join(cells))
        elif name in _BLOCKS:
            self._flush()
            self.render(tag)
            self._flush()
        else:
            self.render(tag)
