"""Check-ins benchmark: `checkins send-due` with 100,000 due ambassadors on PostgreSQL.

Creates (or reuses) the database, builds the schema with the migrations, loads 100,000
active ambassadors whose latest answer is 120 days old (a third of them with an account,
a third French or Turkish) with set-based SQL, empties the check-ins, the outbox and the
contact budget, then runs `flask --app ambassador checkins send-due` as a child process
and prints its wall time and peak memory (the child's maximum resident set size), and
a second run (nothing due: the idempotent path). Prints figures; asserts nothing.

    python bench/checkins_bench.py [--url URL] [--people 100000]
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import config  # noqa: E402
from ambassador import create_app  # noqa: E402
from ambassador.extensions import db  # noqa: E402
from ambassador.nps.models import Customer  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_checkins"


def make_config(url: str):
    """A config pointing at the benchmark database."""

    class BenchConfig(config.Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "benchmark-secret-key"
        MAIL_URL = "memory://"
        MAIL_ECHO = False
        JOBS_IMMEDIATE = True

    return BenchConfig


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist yet."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (parsed.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def load(people: int) -> None:
    """`people` active ambassadors, latest answer 120 days ago; a third with an account."""
    db.session.execute(text("TRUNCATE customers, users, responses, quarter_scores, "
                            "quarter_tallies CASCADE"))
    db.session.execute(text("""
        INSERT INTO customers (email, name, company, language, status, latest_score,
                               latest_response_at, created_at)
        SELECT 'person' || n || '@example.com', 'Person ' || n, 'Company ' || (n % 500),
               (ARRAY['en', 'fr', 'tr'])[1 + n % 3], 'active', 9 + n % 2,
               now() - interval '120 days' - (n % 1000) * interval '1 minute', now()
        FROM generate_series(1, :people) AS n"""), {"people": people})
    db.session.execute(text("""
        INSERT INTO users (email, name, role, password_hash, disabled, language,
                           session_token, customer_id, created_at)
        SELECT c.email, c.name, 'promoter', NULL, false, NULL, md5(c.email), c.id, now()
        FROM customers c WHERE c.id % 3 = 0"""))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE customers"))
        conn.execute(text("VACUUM ANALYZE users"))


def reset_round() -> None:
    """Forget every check-in, queued mail and budget use, so everyone is due again."""
    db.session.execute(text("TRUNCATE checkins, outbox, contact_budgets, unsubscribes"))
    db.session.commit()


def run_send_due(url: str) -> tuple[float, float, float, str]:
    """Run the command in a child process: (seconds, CPU seconds and peak MB of the child,
    its output). The CPU time tells the work apart from waiting on a busy machine."""
    env = {**os.environ, "DATABASE_URL": url, "AMBASSADOR_ENV": "development",
           "SECRET_KEY": "benchmark-secret-key", "MAIL_URL": "memory://",
           "OUTBOX_DELIVER_ON_COMMIT": "false"}
    flask = Path(sys.executable).parent / "flask"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run([str(flask), "--app", "ambassador", "checkins", "send-due"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu
    return seconds, cpu, max(usage.ru_maxrss, before) / 1024, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    ensure_database(args.url)
    app = create_app(make_config(args.url))
    with app.app_context():
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Customer)) != args.people:
            started = time.perf_counter()
            load(args.people)
            print(f"loaded {args.people:,} ambassadors in {time.perf_counter() - started:.1f} s")
        reset_round()
    print(f"load average before the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    seconds, cpu, peak, output = run_send_due(args.url)
    print(f"send-due, {args.people:,} due: {seconds:.1f} s wall, {cpu:.1f} s CPU in the "
          f"command, peak memory {peak:.0f} MB ({args.people / seconds:,.0f} people/s)"
          f" -> {output}")
    seconds, cpu, _peak, output = run_send_due(args.url)
    print(f"send-due again, nothing due: {seconds:.1f} s wall, {cpu:.1f} s CPU -> {output}")
    with app.app_context():
        queued = db.session.scalar(text("SELECT count(*) FROM outbox"))
        size = db.session.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('outbox'))"))
        print(f"outbox: {queued:,} messages, {size}")


if __name__ == "__main__":
    main()
