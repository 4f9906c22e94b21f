"""Search by words in thread titles and posts: one function, each database's own engine.

The index is the `forum_search` table, built and kept current by database triggers on
forum_posts and forum_threads (migration a7c3e1f0b2d4), so every way a post is written
or edited is searchable at once:

- PostgreSQL: a tsvector per post (the thread's title weighted above the text) under
  the text search configuration of the post's language, `forum_search_config(lang)`:
  french for fr, turkish for tr (simple when the server has no turkish dictionary),
  english otherwise; a GIN index; the query is parsed by websearch_to_tsquery.
- SQLite: an FTS5 table (unicode61, diacritics removed) whose rowid is the post id.

Only posts the reader may see are found: visible categories and threads, not hidden,
not deleted.
"""

import re
from dataclasses import dataclass

from sqlalchemy import Float, case, column, func, literal, or_, select, table, text

from ambassador.extensions import db
from ambassador.forum.models import Category, Post, Thread
from ambassador.forum.services import visible_threads
from ambassador.sanitize import plain_text

RESULTS_PER_PAGE = 20
MAX_QUERY = 200
EXCERPT = 220
SEARCH_LANGUAGES = ("fr", "tr")  # the rest is searched as English
_WORD = re.compile(r"\w+", re.UNICODE)

fts = table("forum_search", column("rowid"), column("rank", Float))
pg_index = table("forum_search", column("post_id"), column("language"), column("document"))


@dataclass
class Hit:
    """A post that matches, with its thread and a plain-text excerpt."""

    post: Post
    thread: Thread
    excerpt: str


@dataclass
class Results:
    """One page of hits."""

    query: str
    hits: list[Hit]
    page: int
    has_next: bool


def words(query: str | None) -> list[str]:
    """The words of a query (letters and digits of any script), at most 12."""
    return _WORD.findall((query or "")[:MAX_QUERY])[:12]


def _sqlite_match(terms: list[str]):
    expression = " ".join(f'"{term}"*' for term in terms)  # every word, as a prefix
    return fts, text("forum_search MATCH :match").bindparams(match=expression), fts.c.rank


def _postgresql_match(terms: list[str]):
    phrase = " ".join(terms)
    queries = {lang: func.websearch_to_tsquery(func.forum_search_config(literal(lang)), phrase)
               for lang in (*SEARCH_LANGUAGES, "en")}
    doc, lang = pg_index.c.document, pg_index.c.language
    condition = or_(
        *[(lang == code) & doc.op("@@")(queries[code]) for code in SEARCH_LANGUAGES],
        lang.notin_(SEARCH_LANGUAGES) & doc.op("@@")(queries["en"]))
    rank = case(*[(lang == code, func.ts_rank(doc, queries[code]))
                  for code in SEARCH_LANGUAGES], else_=func.ts_rank(doc, queries["en"]))
    return pg_index, condition, -rank


def search(user, query: str | None, page: int = 1) -> Results:
    """The posts matching every word of `query` that this person may read, best first."""
    terms = words(query)
    page = max(page, 1)
    if not terms:
        return Results(query or "", [], page, False)
    if db.engine.dialect.name == "postgresql":
        index, condition, order = _postgresql_match(terms)
        key = index.c.post_id
    else:
        index, condition, order = _sqlite_match(terms)
        key = index.c.rowid
    statement = (
        select(Post, Thread).join(index, key == Post.id)
        .join(Thread, Thread.id == Post.thread_id).join(Category, Category.id ==
                                                         Thread.category_id)
        .where(condition, Post.hidden.is_(False), Post.deleted_at.is_(None),
               *visible_threads(user))
        .order_by(order, Post.id.desc())
        .offset((page - 1) * RESULTS_PER_PAGE).limit(RESULTS_PER_PAGE + 1))
    rows = db.session.execute(statement).unique().all()
    hits = [Hit(post, thread, plain_text(post.body, EXCERPT))
            for post, thread in rows[:RESULTS_PER_PAGE]]
    return Results(" ".join(terms), hits, page, len(rows) > RESULTS_PER_PAGE)
