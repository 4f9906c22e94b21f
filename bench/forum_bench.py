"""Forum benchmark: 10,000 threads and 200,000 posts on PostgreSQL.

Creates (or reuses) the database, builds the schema with the migrations, loads the data
with set-based SQL (the search index is filled by the migration's triggers, as in
production), then times the forum pages through the test client, logged in as a
promoter. Prints figures; asserts nothing. See bench/README.md.

    python bench/forum_bench.py [--url URL] [--reload] [--runs 15]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import config  # noqa: E402
from ambassador import create_app  # noqa: E402
from ambassador.auth import services as accounts  # noqa: E402
from ambassador.auth.models import User  # noqa: E402
from ambassador.extensions import db  # noqa: E402
from ambassador.forum.models import Post, Thread  # noqa: E402
from ambassador.sanitize import ALLOWLIST_VERSION  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_forum"
THREADS = 10_000
POSTS = 200_000
MEMBERS = 2_000
CATEGORIES = 10  # the last one holds ideas
BIG_THREAD_POSTS = 3_000  # one very long thread (120 pages)
READER = "bench-reader@example.com"
PASSWORD = "bench-password-123"

SENTENCES = [
    ("en", "We export the **weekly report** every Monday and share it with the team."),
    ("en", "Has anyone tried the new dashboard filters? They save me a lot of time."),
    ("fr", "Nous préparons une présentation pour nos collègues : *merci* pour les astuces."),
    ("fr", "L'export PDF serait vraiment utile pour la direction."),
    ("tr", "Mobil uygulamayı sahada her gün kullanıyoruz, çok memnunuz."),
    ("tr", "Türkçe e-posta şablonları müşterilerimiz için harika olurdu."),
]


def make_config(url: str):
    """A config pointing at the benchmark database (no CSRF or rate limit for the client)."""

    class BenchConfig(config.Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "benchmark-secret-key"
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        RATELIMIT_STORAGE_URI = "memory://"
        MAIL_URL = "memory://"
        MAIL_ECHO = False
        JOBS_IMMEDIATE = True

    return BenchConfig


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist yet."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (parsed.database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
            print(f"created database {parsed.database}")


def _values(rows) -> str:
    return ", ".join("(" + ", ".join(f"'{v}'" for v in row) + ")" for row in rows)


LOAD = [
    # people: the reader is made through the service (a real password) before this runs
    f"""INSERT INTO users (email, name, role, password_hash, disabled, session_token, created_at)
        SELECT 'member' || i || '@example.com', 'Member ' || i, 'promoter',
               (SELECT password_hash FROM users WHERE email = '{READER}'), false,
               md5(i::text), now() FROM generate_series(1, {MEMBERS}) i""",
    f"""INSERT INTO forum_categories (name, description, position, kind, staff_only, on_home,
                                      created_at)
        SELECT 'Category ' || i, 'Talk about topic ' || i, i,
               CASE WHEN i = {CATEGORIES} THEN 'ideas' ELSE 'discussion' END, false, false,
               now() FROM generate_series(1, {CATEGORIES}) i""",
    f"""INSERT INTO forum_threads (category_id, author_id, title, pinned, locked, hidden,
                                   idea_status, post_count, vote_count, last_post_at, created_at)
        SELECT c.id, u.id, 'Thread ' || i || ': how do you use feature ' || (i % 97),
               i % 500 = 0, false, i % 1000 = 7,
               CASE WHEN c.kind = 'ideas' THEN 'under_review' END, 0, 0,
               now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
        FROM generate_series(1, {THREADS}) i
        JOIN forum_categories c ON c.position = 1 + i % {CATEGORIES}
        JOIN users u ON u.email = 'member' || (1 + i % {MEMBERS}) || '@example.com'""",
    # posts: every thread's first post, one long thread, the rest spread at random
    """CREATE TEMP TABLE bench_sentences (n int, language text, body text)""",
    f"""INSERT INTO bench_sentences VALUES {_values(
        (i, lang, body.replace("'", "''")) for i, (lang, body) in enumerate(SENTENCES))}""",
    f"""CREATE TEMP TABLE bench_posts AS
        SELECT t.id AS thread_id, t.created_at AS at, true AS is_first, t.id AS seed
        FROM forum_threads t
        UNION ALL
        SELECT (SELECT min(id) FROM forum_threads), now() - (i || ' seconds')::interval,
               false, i FROM generate_series(1, {BIG_THREAD_POSTS}) i
        UNION ALL
        SELECT (SELECT min(id) FROM forum_threads) + floor(random() * {THREADS})::int,
               now() - (floor(random() * 600000) || ' seconds')::interval, false, i
        FROM generate_series(1, {POSTS - THREADS - BIG_THREAD_POSTS}) i""",
    f"""INSERT INTO forum_posts (thread_id, author_id, is_first, body, body_html, html_version,
                                 language, created_at, hidden)
        SELECT p.thread_id, (SELECT min(id) FROM users) + (p.seed * 7919) % {MEMBERS},
               p.is_first, s.body || ' (' || p.seed || ')',
               '<p>' || s.body || ' (' || p.seed || ')</p>', '{ALLOWLIST_VERSION}',
               s.language, p.at, p.seed % 997 = 0
        FROM bench_posts p JOIN bench_sentences s ON s.n = p.seed % {len(SENTENCES)}
        ORDER BY p.thread_id, p.is_first DESC, p.at""",
    """UPDATE forum_threads t SET post_count = s.n, last_post_id = s.last_id,
                                  last_post_at = s.last_at
       FROM (SELECT thread_id, count(*) AS n, max(id) AS last_id, max(created_at) AS last_at
             FROM forum_posts GROUP BY thread_id) s
       WHERE s.thread_id = t.id""",
    f"""INSERT INTO forum_reactions (post_id, user_id, kind, created_at)
        SELECT DISTINCT p, u, 'helpful', now() FROM (
            SELECT (SELECT min(id) FROM forum_posts) + floor(random() * {POSTS})::int AS p,
                   (SELECT min(id) FROM users) + floor(random() * {MEMBERS})::int AS u
            FROM generate_series(1, 60000)) r""",
    f"""INSERT INTO forum_votes (thread_id, user_id, created_at)
        SELECT DISTINCT t.id, (SELECT min(id) FROM users) + floor(random() * {MEMBERS})::int,
               now()
        FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
             AND c.kind = 'ideas', generate_series(1, 20)""",
    """UPDATE forum_threads t SET vote_count = v.n
       FROM (SELECT thread_id, count(*) AS n FROM forum_votes GROUP BY thread_id) v
       WHERE v.thread_id = t.id""",
    # the reader has seen part of the busiest threads: "new" markers to compute
    f"""INSERT INTO forum_visits (user_id, thread_id, last_post_id, seen_at)
        SELECT (SELECT id FROM users WHERE email = '{READER}'), id, last_post_id - 3, now()
        FROM forum_threads ORDER BY post_count DESC LIMIT 500""",
]


def load(app) -> None:
    """Empty the forum and load the benchmark data with set-based SQL."""
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(text(
            "TRUNCATE forum_categories, forum_threads, forum_posts, forum_reactions, "
            "forum_votes, forum_visits, forum_reports, forum_notifications, forum_members, "
            "users CASCADE"))
        accounts.create_user(READER, "promoter", "Bench Reader", password=PASSWORD)
        db.session.commit()
        for statement in LOAD:
            step = time.perf_counter()
            db.session.execute(text(statement))
            db.session.commit()
            first_line = " ".join(statement.split())[:60]
            print(f"  {time.perf_counter() - step:6.1f} s  {first_line}…")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        print(f"loaded in {time.perf_counter() - started:.0f} s")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Thread)),
                db.session.scalar(select(func.count()).select_from(Post)))


def time_pages(app, runs: int) -> None:
    """GET each page `runs` times (after 2 warm-ups) and print the figures."""
    with app.app_context():
        big = db.session.scalar(select(Thread.id).order_by(Thread.post_count.desc()).limit(1))
        big_pages = -(-db.session.get(Thread, big).post_count // 25)
        typical = db.session.scalar(select(Thread.id).where(Thread.post_count.between(15, 25),
                                                            Thread.hidden.is_(False)).limit(1))
        busiest = db.session.scalar(select(Thread.category_id).group_by(Thread.category_id)
                                    .order_by(func.count().desc()).limit(1))
        ideas = db.session.scalar(text("SELECT id FROM forum_categories WHERE kind = 'ideas'"))
        reader = db.session.scalar(select(User).where(User.email == READER))
        reader_id = reader.id
    pages = [
        ("thread, typical (~20 posts)", f"/forum/t/{typical}"),
        (f"thread, {BIG_THREAD_POSTS:,}+ posts, page 1", f"/forum/t/{big}"),
        (f"thread, {BIG_THREAD_POSTS:,}+ posts, last page", f"/forum/t/{big}?page={big_pages}"),
        ("category, page 1 (1,000 threads)", f"/forum/c/{busiest}"),
        ("category, page 20", f"/forum/c/{busiest}?page=20"),
        ("ideas by votes, page 1", f"/forum/c/{ideas}"),
        ("forum front page", "/forum"),
        ("search a rare word (1 post)", "/forum/search?q=123457"),
        ("search 'présentation collègues' (33k)", "/forum/search?q=présentation+collègues"),
        ("search 'export' (67k posts match)", "/forum/search?q=export"),
    ]
    client = app.test_client()
    response = client.post("/login", data={"email": READER, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    statements: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append(time.perf_counter() - conn.info.pop("started"))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    print(f"\nreader id {reader_id}; {runs} runs per page after 2 warm-ups\n")
    print(f"{'page':<40} {'median':>8} {'min':>8} {'max':>8} {'SQL':>5} {'SQL ms':>7} {'KB':>6}")
    for label, url in pages:
        times = []
        for i in range(runs + 2):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if i >= 2:
                times.append(elapsed)
        print(f"{label:<40} {statistics.median(times):7.1f}ms {min(times):7.1f}ms "
              f"{max(times):7.1f}ms {len(statements):5d} {sum(statements) * 1000:6.1f}"
              f" {len(response.data) / 1024:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_database(args.url)
    app = create_app(make_config(args.url))
    with app.app_context():
        upgrade()
    if args.reload or counts(app) != (THREADS, POSTS):
        load(app)
    threads, posts = counts(app)
    print(f"{threads:,} threads, {posts:,} posts")
    time_pages(app, args.runs)


if __name__ == "__main__":
    main()
