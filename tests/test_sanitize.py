"""The one Markdown sanitiser: what people write can format text, never run or track."""

from html.parser import HTMLParser

import pytest

from ambassador.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWLIST_VERSION,
    plain_text,
    render_markdown,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="https://x.test" onclick="alert(1)">x</a>',
    "<style>body{display:none}</style>",
    "<iframe src=https://evil.test></iframe>",
    '[x](https://ok.test "a\\" onmouseover=\\"alert(1)")',
    "<svg onload=alert(1)>",
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_no_markup_that_runs_survives(text):
    for tag, attrs in elements(render_markdown(text)):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= set(ALLOWED_ATTRIBUTES.get(tag, ())), attrs
        if "href" in attrs:
            assert attrs["href"].split(":")[0].lower() in ("http", "https", "mailto")


def test_formatting_people_expect_is_kept():
    html = render_markdown("**bold** _it_ `code`\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>code</code>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html


def test_links_are_marked_as_user_content():
    html = render_markdown("[site](https://example.com) and https://example.org")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert 'href="https://example.org"' in html


def test_headings_start_below_the_page_headings():
    assert render_markdown("# Title").startswith("<h3>")


def test_remote_images_only_when_allowed(app, monkeypatch):
    with app.app_context():
        assert "<img" not in render_markdown("![logo](https://cdn.test/logo.png)")
        monkeypatch.setitem(app.config, "MARKDOWN_REMOTE_IMAGES", True)
        assert '<img src="https://cdn.test/logo.png" alt="logo"' in render_markdown(
            "![logo](https://cdn.test/logo.png)")


def test_empty_and_plain_text():
    assert render_markdown("") == render_markdown(None) == ""
    assert plain_text("# Hello *world* [link](https://a.test)") == "Hello world link"
    assert plain_text("a " * 50, limit=10) == "a a a a a…"
    assert plain_text("Two things:\n\n- a code\n- a session") == "Two things: · a code · a session"


def test_the_allowlist_has_a_version_for_stored_html():
    assert len(ALLOWLIST_VERSION) == 12
