"""The one Markdown → safe HTML function, used by every feature that shows people's text.

Markdown is rendered by markdown-it (CommonMark, raw HTML escaped, not passed through),
then cleaned by bleach against an explicit allow-list, so that even a bug in the
renderer cannot let a script, a style or an event handler through. Links get
`rel="nofollow noopener ugc"`; images from other sites are dropped unless the
MARKDOWN_REMOTE_IMAGES setting allows them. Features that store the rendered HTML
keep `ALLOWLIST_VERSION` beside it and re-render when it changes.
"""

import hashlib
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from flask import current_app, has_app_context
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
IMAGE_TAGS = frozenset({"img"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"],
                      "img": ["src", "alt", "title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
MAX_SOURCE = 100_000  # characters of Markdown rendered; the forms set lower limits

ALLOWLIST_VERSION = hashlib.sha256(repr((
    sorted(ALLOWED_TAGS), sorted(IMAGE_TAGS), sorted(ALLOWED_ATTRIBUTES.items()),
    sorted(ALLOWED_PROTOCOLS), LINK_REL,
)).encode()).hexdigest()[:12]


def _set_rel(attrs: dict, new: bool = False) -> dict:
    """Every link: no referrer credit, no window.opener, marked as user content."""
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


def _markdown(images: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    if not images:
        md.disable("image")
    # Headings inside user text start at h3: the page owns h1 and h2.
    md.add_render_rule("heading_open", _heading(True))
    md.add_render_rule("heading_close", _heading(False))
    return md


def _heading(opening: bool):
    def render(self, tokens, idx, options, env):
        level = min(6, int(tokens[idx].tag[1]) + 2)
        return f"<h{level}>" if opening else f"</h{level}>\n"
    return render


def _remote_images_allowed() -> bool:
    return has_app_context() and bool(current_app.config.get("MARKDOWN_REMOTE_IMAGES"))


def render_markdown(text: str | None) -> str:
    """Return safe HTML for Markdown written by a person (empty string for nothing)."""
    if not text:
        return ""
    images = _remote_images_allowed()
    html = _markdown(images).render(text[:MAX_SOURCE])
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS | (IMAGE_TAGS if images else frozenset()),
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"},
                         parse_email=False)],
    )
    return cleaner.clean(html).strip()


def plain_text(text: str | None, limit: int | None = None) -> str:
    """The words of some Markdown without any markup (for excerpts and mail previews)."""
    html = render_markdown(text)
    # List items would otherwise run into each other and into the sentence before them.
    html = html.replace("<li>", "<li> · ")
    words = " ".join(bleach.clean(html, tags=set(), strip=True).split())
    if limit is not None and len(words) > limit:
        words = words[: max(0, limit - 1)].rstrip() + "…"
    return words
