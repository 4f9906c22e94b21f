"""Privacy and audit benchmark: the audit page over many entries, retention, one erasure.

Builds the schema in a dedicated PostgreSQL database (dropped and rebuilt each run;
--url, default ambassador_bench_privacy on 127.0.0.1), writes --entries audit entries
(set-based SQL) and --responses responses from one customer in four over five years,
then times, through the test client as an admin (median of --runs after a warm-up):
`/admin/audit` unfiltered, filtered by actor, by action prefix, by object, by date range,
and a deep page; then `privacy retention` (3 years) over the responses, and erasing
one promoter who has answers, a testimonial and forum posts. Prints milliseconds and
counts; asserts nothing.

    python bench/privacy_bench.py [--url URL] [--entries 200000] [--responses 200000] [--runs 9]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_privacy"
PASSWORD = "bench-password-123"


def make_app(url: str):
    import config
    from ambassador import create_app

    class BenchConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def recreate(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def load(db, entries: int, responses: int) -> None:
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO audit_entries (created_at, actor_email, action, target_type, target_id,
                                       before, after)
            SELECT now() - (g || ' minutes')::interval,
                   'staff' || (g % 40) || '@example.com',
                   (ARRAY['user.role_changed', 'testimonial.approve', 'offer.updated',
                          'forum.post_hidden', 'responses.exported', 'widget.updated'])[1 + g % 6],
                   (ARRAY['users', 'testimonials', 'offers', 'forum_posts', '',
                          'widgets'])[1 + g % 6],
                   (g % 5000)::text, '{"status": "pending"}', '{"status": "approved"}'
            FROM generate_series(1, :n) AS g"""), {"n": entries})
        customers = max(1, responses // 4)
        conn.execute(text("""
            INSERT INTO customers (email, name, company, status, latest_score, created_at)
            SELECT 'c' || g || '@example.com', 'Name ' || g, 'Co ' || (g % 300), 'none', 8, now()
            FROM generate_series(1, :n) AS g"""), {"n": customers})
        conn.execute(text("""
            INSERT INTO responses (customer_id, score, comment, responded_at, source,
                                   dedupe_key, created_at)
            SELECT c.id, (g % 11), 'comment ' || g,
                   now() - ((g % 1825) || ' days')::interval, 'import', md5(g::text), now()
            FROM generate_series(1, :n) AS g
            JOIN customers c ON c.email = 'c' || (1 + g % :c) || '@example.com'"""),
                     {"n": responses, "c": customers})
        conn.execute(text("""
            UPDATE customers c SET latest_response_at = m.at FROM (
              SELECT customer_id, max(responded_at) AS at FROM responses GROUP BY customer_id) m
            WHERE m.customer_id = c.id"""))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(client, url: str, runs: int) -> tuple[float, int]:
    client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    recreate(args.url)
    app = make_app(args.url)
    from flask_migrate import upgrade

    from ambassador.auth import services as accounts
    from ambassador.extensions import db

    with app.app_context():
        upgrade()
        started = time.perf_counter()
        load(db, args.entries, args.responses)
        print(f"loaded {args.entries:,} audit entries and {args.responses:,} responses "
              f"in {time.perf_counter() - started:.1f} s")
        admin = accounts.create_user("bench-admin@example.com", "admin", "Bench",
                                     password=PASSWORD)
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        for label, url in [
            ("audit, newest page", "/admin/audit"),
            ("audit, by actor", "/admin/audit?actor=staff7@"),
            ("audit, by action prefix", "/admin/audit?action=testimonial"),
            ("audit, one object", "/admin/audit?type=offers&object=42"),
            ("audit, one week", "/admin/audit?from=2026-01-01&to=2026-01-07"),
            ("audit, page 2000", "/admin/audit?page=2000"),
        ]:
            ms, status = timed(client, url, args.runs)
            print(f"{label:28} {ms:8.1f} ms  ({status})")
        start = time.perf_counter()
        response = client.get("/admin/audit/export.csv")
        size = len(response.get_data())
        print(f"{'audit export.csv':28} {(time.perf_counter() - start) * 1000:8.1f} ms  "
              f"({size / 2**20:.1f} MiB)")

        import ambassador.privacy.erasure  # noqa: F401
        from ambassador.privacy import services
        from ambassador.utils import utcnow
        start = time.perf_counter()
        count = services.apply_retention(3, utcnow())
        db.session.commit()
        print(f"{'retention (3 years)':28} {(time.perf_counter() - start) * 1000:8.1f} ms  "
              f"(anonymised {count:,} responses)")
        from ambassador.nps.services import record_response

        answer = record_response({"email": "erase-me@example.com", "score": 10,
                                  "comment": "Great"}, "import")
        db.session.commit()
        customer = db.session.get(type(answer.customer), answer.customer_id)
        start = time.perf_counter()
        services.erase_customer(customer, admin, customer.email)
        db.session.commit()
        print(f"{'erase one customer':28} {(time.perf_counter() - start) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
