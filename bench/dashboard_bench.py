"""Dashboard benchmark: 1,000,000 responses from 300,000 customers on PostgreSQL.

Creates (or reuses) the database, builds the schema with the migrations, loads the data
with set-based SQL (responses, quarter_scores and customers.latest_* consistent with
services.record_responses), then times the dashboard pages through the test client,
logged in as a marketer. Prints figures; asserts nothing. See bench/README.md.

    python bench/dashboard_bench.py [--url URL] [--reload] [--runs 15] [--export]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import config  # noqa: E402
from ambassador import create_app  # noqa: E402
from ambassador.auth import services as accounts  # noqa: E402
from ambassador.extensions import db  # noqa: E402
from ambassador.nps import scores  # noqa: E402
from ambassador.nps.models import Customer, Response  # noqa: E402
from ambassador.nps.rules import Score, previous_quarters, quarter_bounds  # noqa: E402
from ambassador.utils import utcnow  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench"
CUSTOMERS = 300_000
RESPONSES = 1_000_000
COMPANIES = 2_000
QUARTERS = 9  # the current quarter (so far) and the 8 before it
MARKETER = "bench-marketer@example.com"
PASSWORD = "bench-password-123"

COMMENTS = [
    "Great support, they went above and beyond.",
    "Onboarding was painless.",
    "Too expensive for what it does.",
    "The mobile app keeps crashing.",
    "Service impeccable, l'équipe a été réactive.",
    "Correct, sans plus. Le prix a augmenté.",
    "Harika bir deneyim, ekip çok ilgiliydi.",
    "Yeni özellikler işimizi çok kolaylaştırdı.",
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


LOAD_SQL = [
    # TRUNCATE fires no row triggers: empty the tallies too (the INSERT below refills them).
    "TRUNCATE quarter_tallies, quarter_scores, responses, customers RESTART IDENTITY CASCADE",
    "SELECT setseed(0.42)",
    # Company sizes are skewed: a few big accounts, a long tail; 5 % have no company.
    """INSERT INTO customers (id, email, name, company, language, status, created_at)
       SELECT g, 'customer' || g || '@example.com', 'Customer ' || g,
              CASE WHEN g % 20 = 0 THEN NULL
                   ELSE 'Company ' || lpad(floor(:companies * power(random(), 2))::text, 4, '0')
              END,
              (ARRAY['en', 'fr', 'tr', 'de'])[1 + g % 4], 'none', now()
       FROM generate_series(1, :customers) g""",
    # Each customer answers 3-4 times at random moments; the promoter share differs by
    # customer and improves over time.
    """INSERT INTO responses (id, customer_id, score, comment, responded_at, source,
                              touchpoint, external_id, dedupe_key, created_at)
       SELECT i, c,
              CASE WHEN r < p THEN 9 + (random() < 0.5)::int
                   WHEN r < p + 0.3 THEN 7 + (random() < 0.5)::int
                   ELSE floor(random() * 7)::int END,
              CASE WHEN random() < 0.3
                   THEN (CAST(:comments AS text[]))[1 + floor(random() * 8)::int] END,
              :start + t * (:end - :start), 'import',
              CASE WHEN tp < 0.45 THEN 'relational' WHEN tp < 0.9 THEN 'transactional' END,
              'bench-' || i, md5('bench' || i) || md5('dedupe' || i), now()
       FROM (SELECT i, 1 + (i - 1) % :customers AS c, random() AS r, random() AS t,
                    random() AS tp
             FROM generate_series(1, :responses) i) g,
            LATERAL (SELECT 0.28 + 0.2 * (c % 7) / 6.0 + 0.12 * t AS p) pr""",
    """INSERT INTO quarter_scores (quarter, touchpoint, customer_id, score, responded_at,
                                   response_id)
       SELECT DISTINCT ON (q, customer_id) q, '', customer_id, score, responded_at, id
       FROM (SELECT to_char(responded_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS q, *
             FROM responses) r
       ORDER BY q, customer_id, responded_at DESC, id DESC""",
    """INSERT INTO quarter_scores (quarter, touchpoint, customer_id, score, responded_at,
                                   response_id)
       SELECT DISTINCT ON (q, touchpoint, customer_id) q, touchpoint, customer_id, score,
              responded_at, id
       FROM (SELECT to_char(responded_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS q, *
             FROM responses WHERE touchpoint IS NOT NULL) r
       ORDER BY q, touchpoint, customer_id, responded_at DESC, id DESC""",
    """UPDATE customers c
       SET latest_score = l.score, latest_response_at = l.responded_at,
           status = CASE WHEN l.score >= 9 THEN 'active' ELSE 'lapsed' END
       FROM (SELECT DISTINCT ON (customer_id) customer_id, score, responded_at
             FROM responses ORDER BY customer_id, responded_at DESC, id DESC) l
       WHERE c.id = l.customer_id""",
    "SELECT setval(pg_get_serial_sequence('customers', 'id'), :customers)",
    "SELECT setval(pg_get_serial_sequence('responses', 'id'), :responses)",
]


LOADED_TABLES = ("customers", "responses", "quarter_scores")


def load(url: str) -> None:
    """Fill the database with set-based SQL (secondary indexes rebuilt after), then ANALYZE."""
    start, _ = quarter_bounds(previous_quarters(scores.current_quarter(), QUARTERS)[0])
    params = {"customers": CUSTOMERS, "responses": RESPONSES, "companies": COMPANIES,
              "comments": COMMENTS, "start": start, "end": utcnow()}
    began = time.perf_counter()
    with db.engine.begin() as conn:
        indexes = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename IN :tables AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).bindparams(bindparam("tables", expanding=True)),
            {"tables": list(LOADED_TABLES)}).all()
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        for statement in LOAD_SQL:
            t0 = time.perf_counter()
            conn.execute(text(statement),
                         {k: v for k, v in params.items() if f":{k}" in statement})
            print(f"  {time.perf_counter() - t0:6.1f} s  {' '.join(statement.split())[:70]}")
        t0 = time.perf_counter()
        for _name, definition in indexes:
            conn.execute(text(definition))
        print(f"  {time.perf_counter() - t0:6.1f} s  rebuilt {len(indexes)} indexes")
    parsed = make_url(url).set(drivername="postgresql")
    with psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute("VACUUM (ANALYZE) customers, responses, quarter_scores, quarter_tallies")
    print(f"loaded in {time.perf_counter() - began:.0f} s")


def check_consistency(quarter: str) -> None:
    """Compare the dashboard's figure (from the tallies) with scans of the source tables."""
    start, end = quarter_bounds(quarter)
    counts = db.session.execute(text(
        "SELECT count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score IN (7, 8)), "
        "count(*) FILTER (WHERE score <= 6) FROM ("
        "  SELECT DISTINCT ON (customer_id) score FROM responses"
        "  WHERE responded_at >= :start AND responded_at < :end"
        "  ORDER BY customer_id, responded_at DESC, id DESC) latest"),
        {"start": start, "end": end}).one()
    fast = scores.quarter_score(quarter)
    verdict = "consistent" if fast == Score(*counts) else f"MISMATCH {Score(*counts)}"
    tallies = db.session.execute(text(
        "SELECT count(*) FROM (SELECT quarter, touchpoint, score, count(*) AS n "
        "FROM quarter_scores GROUP BY 1, 2, 3) c FULL JOIN quarter_tallies t "
        "USING (quarter, touchpoint, score) WHERE c.n IS DISTINCT FROM t.answers "
        "AND coalesce(t.answers, 0) <> 0")).scalar()
    print(f"{quarter}: {fast.line()}\n  latest answers scanned from responses: {verdict}; "
          f"tallies differing from quarter_scores: {tallies}")


class QueryStats:
    """Counts the SQL statements of a request and their time, and keeps the slowest."""

    def __init__(self, engine):
        self.reset()
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, *_args):
        conn.info["bench_t0"] = time.perf_counter()

    def after(self, conn, _cursor, statement, *_args):
        seconds = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        self.count += 1
        self.seconds += seconds
        self.statements.append((seconds, " ".join(statement.split())))

    def reset(self):
        self.count, self.seconds, self.statements = 0, 0.0, []

    def slowest(self, limit: int = 2) -> list[str]:
        return [f"{seconds * 1000:8.1f}ms  {sql[:90]}"
                for seconds, sql in sorted(self.statements, reverse=True)[:limit]]


def time_pages(app, stats: QueryStats, cases: list[tuple[str, str]], runs: int,
               verbose: bool = False) -> None:
    """GET each page `runs` times after a warm-up; print median, min and max."""
    client = app.test_client()
    login = client.post("/login", data={"email": MARKETER, "password": PASSWORD})
    if login.status_code != 302:
        print("login failed:", login.status_code)
        return
    print(f"\n{'page':<58} {'median':>8} {'min':>8} {'max':>8}   size  queries  SQL "
          "(last run)")
    for label, url in cases:
        for _ in range(2):
            client.get(url).get_data()
        times = []
        for _ in range(runs):
            stats.reset()
            t0 = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            times.append((time.perf_counter() - t0) * 1000)
        status = "" if response.status_code == 200 else f"  HTTP {response.status_code}!"
        print(f"{label:<58} {statistics.median(times):6.1f}ms {min(times):6.1f}ms "
              f"{max(times):6.1f}ms {len(body) / 1024:5.0f}KB {stats.count:5d}  "
              f"{stats.seconds * 1000:5.1f}ms{status}")
        if verbose:
            for line in stats.slowest():
                print(f"{'':4}{line}")


def _peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process (VmHWM), in MB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def time_export(url: str) -> None:
    """Run `nps export --all` in a child process; print rows per second and peak memory."""
    env = dict(os.environ, DATABASE_URL=url)
    command = [sys.executable, "-m", "flask", "--app", "ambassador", "nps", "export", "--all"]
    t0 = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    size = lines = 0
    peak = 0.0
    for chunk in iter(lambda: child.stdout.read(1 << 20), b""):
        size += len(chunk)
        lines += chunk.count(b"\n")
        peak = max(peak, _peak_rss_mb(child.pid))
    child.wait()
    seconds = time.perf_counter() - t0
    print(f"\nnps export --all: {lines - 1:,} rows, {size / 2**20:.0f} MB in {seconds:.1f} s "
          f"({(lines - 1) / seconds:,.0f} rows/s), child peak RSS {peak:.0f} MB, "
          f"exit {child.returncode}")


def main() -> None:
    """Parse options, load when needed, time the pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--export", action="store_true", help="also time nps export --all")
    parser.add_argument("--queries", action="store_true",
                        help="show the two slowest SQL statements of each page")
    args = parser.parse_args()

    ensure_database(args.url)
    app = create_app(make_config(args.url))
    with app.app_context():
        upgrade()
        customers = db.session.scalar(select(func.count()).select_from(Customer))
        responses = db.session.scalar(select(func.count()).select_from(Response))
        if args.reload or (customers, responses) != (CUSTOMERS, RESPONSES):
            print(f"loading {RESPONSES:,} responses from {CUSTOMERS:,} customers…")
            db.session.remove()
            load(args.url)
        else:
            print(f"reusing {responses:,} responses from {customers:,} customers "
                  "(--reload to load again)")
        if accounts.get_user_by_email(MARKETER) is None:
            accounts.create_user(MARKETER, "marketer", "Bench Marketer", password=PASSWORD)
            db.session.commit()
        current = scores.current_quarter()
        previous = previous_quarters(current, 2)[0]
        check_consistency(previous)
        biggest = db.session.execute(
            select(Customer.company, func.count()).where(Customer.company.is_not(None))
            .group_by(Customer.company).order_by(func.count().desc()).limit(1)).one()
        typical = scores.companies()[COMPANIES // 2]
        stats = QueryStats(db.engine)
        db.session.remove()

    cases = [
        (f"/dashboard ({current})", "/dashboard"),
        (f"/dashboard?quarter={previous}", f"/dashboard?quarter={previous}"),
        (f"/dashboard?company=biggest ({biggest[1]:,} people)",
         f"/dashboard?company={biggest[0]}"),
        ("/dashboard?company=typical", f"/dashboard?company={typical}"),
        ("/dashboard?touchpoint=relational", "/dashboard?touchpoint=relational"),
        ("/dashboard/accounts (all time)", "/dashboard/accounts"),
        (f"/dashboard/accounts?quarter={previous}", f"/dashboard/accounts?quarter={previous}"),
    ]
    time_pages(app, stats, cases, args.runs, args.queries)
    if args.export:
        time_export(args.url)


if __name__ == "__main__":
    main()
