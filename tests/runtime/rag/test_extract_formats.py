"""Each supported format is extracted to text the chunker can use."""
from __future__ import annotations

from runtime.rag.extract import extract
from tests.runtime.rag.pdf_factory import make_pdf

ARTICLE_PAGE = b"""<!doctype html>
<html><head><title>Release notes</title><style>body{color:red}</style><script>track()</script></head>
<body>
  <header class="site"><a href="/">Home</a> | <a href="/blog">Blog</a></header>
  <nav><ul><li>Docs</li><li>Pricing</li></ul></nav>
  <div id="cookie-banner">We use cookies to improve your experience.</div>
  <main>
    <h1>Version 2.0</h1>
    <p>The new <b>scheduler</b> runs
       jobs in parallel.</p>
    <h2>Upgrading</h2>
    <ul><li>Back up the database.</li><li>Run the migrations.</li></ul>
    <pre>manage.py migrate
  --noinput</pre>
    <table><tr><th>Setting</th><th>Default</th></tr><tr><td>workers</td><td>4</td></tr></table>
    <div class="share-buttons">Share on social media</div>
  </main>
  <aside>Related posts</aside>
  <footer>Copyright 2024 Example Inc.</footer>
</body></html>"""


def test_plain_text_is_decoded_with_newlines_normalised():
    doc = extract(b"First line\r\nSecond line\rThird", content_type="text/plain", filename="notes.txt")
    assert doc.format == "text"
    assert doc.text == "First line\nSecond line\nThird"


def test_text_in_declared_charset_is_decoded():
    doc = extract("Caf\u00e9 cr\u00e8me".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1")
    assert doc.text == "Caf\u00e9 cr\u00e8me"


def test_utf8_bom_is_dropped():
    assert extract(b"\xef\xbb\xbfhello", filename="a.txt").text == "hello"


def test_markdown_keeps_headings_and_takes_title_and_front_matter_out():
    source = b"---\nauthor: Ada\n---\n# User guide\n\nIntro.\n\n## Install\n\nRun pip.\n"
    doc = extract(source, filename="guide.md")
    assert doc.format == "markdown"
    assert doc.title == "User guide"
    assert doc.text.startswith("# User guide\n")
    assert "## Install" in doc.text
    assert doc.metadata["front_matter"] == "author: Ada"
    assert "author" not in doc.text


def test_html_boilerplate_is_stripped_and_structure_kept_as_markdown():
    doc = extract(ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    assert doc.format == "html"
    assert doc.title == "Release notes"
    for boilerplate in ("Home", "Docs", "Pricing", "cookies", "track()", "color:red", "Related posts",
                        "Copyright", "Share on social"):
        assert boilerplate not in doc.text
    assert "# Version 2.0" in doc.text.splitlines()
    assert "## Upgrading" in doc.text.splitlines()
    assert "The new scheduler runs jobs in parallel." in doc.text
    assert "- Back up the database." in doc.text
    assert "```\nmanage.py migrate\n  --noinput\n```" in doc.text
    assert "workers | 4" in doc.text


def test_html_without_main_uses_the_body_minus_page_header_and_footer():
    page = b"<html><body><header>Site menu</header><p>Only content.</p><footer>Legal</footer></body></html>"
    doc = extract(page, filename="page.html")
    assert doc.text == "Only content."
    assert doc.title is None


def test_pdf_text_is_extracted_per_page_with_page_sections():
    pdf = make_pdf([["Invoices are due in 30 days."], [], ["Refunds take 5 business days."]], title="Billing FAQ")
    doc = extract(pdf, content_type="application/pdf", filename="faq.pdf")
    assert doc.format == "pdf"
    assert doc.title == "Billing FAQ"
    assert doc.metadata["pages"] == 3
    assert [s.page for s in doc.sections] == [1, 3]  # the empty page 2 has no section
    first, third = (doc.text[s.start:s.end] for s in doc.sections)
    assert first == "Invoices are due in 30 days."
    assert third == "Refunds take 5 business days."


def test_html_without_main_takes_the_largest_article():
    page = (b"<html><body><article><p>Teaser.</p></article>"
            b"<article><h1>Full story</h1><p>The long body of the real article.</p></article></body></html>")
    doc = extract(page, content_type="text/html")
    assert doc.text == "# Full story\n\nThe long body of the real article."
    assert doc.title == "Full story"


def test_html_hidden_and_aria_landmark_chrome_is_dropped():
    page = (b'<html><body><div role="main"><p>Visible.</p><p hidden>Hidden.</p>'
            b'<div aria-hidden="true">Decor.</div><div role="search">Search box</div></div></body></html>')
    assert extract(page, content_type="text/html").text == "Visible."
