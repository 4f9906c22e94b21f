"""What closing the loop adds to a 200,000-row import on PostgreSQL.

    python bench/followups_bench.py [--rows 200000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_loop]

Resets the database, builds the schema with the migrations, writes a realistic file in
our import template (bench/import_bench.py's generator: ~60,000 people, a quarter of the
answers 0-6) and runs `nps import FILE` in this process, timing the whole import and,
separately, the time spent in the follow-up receiver of `responses_recorded`
(`followups.handle_batch`: tasks opened or joined, lapses, welcome-backs, webhooks).
Then imports a second file of the same size by the same people (most open tasks are
joined, not opened). Prints, for each import: total seconds, seconds in the receiver,
its share, tasks opened, and the receiver's SQL statements.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import generate, reset_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_loop"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    reset_database(args.url)

    import os

    os.environ["DATABASE_URL"] = args.url
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from ambassador import create_app
    from ambassador.checkins import followups
    from ambassador.checkins.followup_models import FollowUp
    from ambassador.extensions import db

    app = create_app("development")
    spent = {"seconds": 0.0, "statements": 0, "batches": 0}
    original = followups.handle_batch
    inside = {"on": False}

    def timed(*a, **kw):
        began = time.perf_counter()
        inside["on"] = True
        try:
            return original(*a, **kw)
        finally:
            inside["on"] = False
            spent["seconds"] += time.perf_counter() - began
            spent["batches"] += 1

    followups.handle_batch = timed
    with app.app_context():
        upgrade()

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            if inside["on"]:
                spent["statements"] += 1

        runner = app.test_cli_runner()
        with tempfile.TemporaryDirectory() as tmp:
            for label, seed in (("first import", 2026), ("second import, same people", 7)):
                path = Path(tmp) / f"{seed}.csv"
                generate(path, args.rows, seed=seed)
                spent.update(seconds=0.0, statements=0, batches=0)
                before = db.session.scalar(select(func.count()).select_from(FollowUp))
                began = time.perf_counter()
                result = runner.invoke(args=["nps", "import", str(path)])
                total = time.perf_counter() - began
                db.session.remove()
                after = db.session.scalar(select(func.count()).select_from(FollowUp))
                open_now = db.session.scalar(select(func.count()).select_from(FollowUp).where(
                    FollowUp.open_customer_id.is_not(None)))
                print(f"{label}: {args.rows:,} rows, {result.output.strip().splitlines()[-1]}")
                print(f"  import {total:.1f} s, of which closing the loop "
                      f"{spent['seconds']:.2f} s ({100 * spent['seconds'] / total:.1f} %) in "
                      f"{spent['batches']} batches, {spent['statements']} statements")
                print(f"  tasks opened {after - before:,}, open now {open_now:,}")


if __name__ == "__main__":
    main()
