"""Referrals benchmark: the friend's landing page and the conversion API, in one process.

Builds the schema in a fresh database (--url: a PostgreSQL URL, dropped and rebuilt;
default a SQLite file in a temporary folder), makes one ambassador with a link, one
shareable offer with a reward, and --friends referrals. Then, through the WSGI app with
the test client (no network, one thread), it times --pages GET /r/CODE and one
POST /api/v1/conversions per referral, then the same conversions again (all answered
"already converted"). Prints requests per second and latency percentiles, and what the
database holds afterwards (one reward per referral; a line starting with "DOUBLE" would
be a bug). Asserts nothing.

    python bench/referrals_bench.py [--url URL] [--pages 2000] [--friends 2000]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(url: str):
    import config
    from ambassador import create_app

    class BenchConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        RATELIMIT_ENABLED = False
        API_RATE_LIMIT = "1000000 per minute"

    app = create_app(BenchConfig)
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import text

        from ambassador.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def timed(fn, count: int) -> list[float]:
    times = []
    for i in range(count):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    print(f"{label}: {len(ms)} requests, {len(ms) / (sum(ms) / 1000):.0f} per second, "
          f"median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, "
          f"max {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--friends", type=int, default=2000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/referrals-bench.db"
    os.environ.setdefault("AMBASSADOR_ENV", "testing")
    app = build(url)
    with app.app_context():
        from datetime import timedelta

        from sqlalchemy import func, select

        from ambassador.auth import services as accounts
        from ambassador.auth.tokens import create_api_token
        from ambassador.extensions import db
        from ambassador.nps.services import record_response
        from ambassador.offers import services as offers
        from ambassador.referrals import rewards, services
        from ambassador.referrals.models import Referral, RewardEntry
        from ambassador.utils import utcnow

        response = record_response({"email": "ayse@example.com", "score": 10,
                                    "name": "Ayşe Yılmaz"}, "import")
        user = accounts.create_user("ayse@example.com", "promoter", "Ayşe Yılmaz",
                                    customer_id=response.customer_id)
        offer = offers.create_offer(None, {
            "title": "15 % off", "code_mode": "shared", "shared_code": "FRIEND15",
            "shareable": True, "description": "For **friends**.",
            "starts_at": utcnow() - timedelta(days=1)})
        rewards.set_offer_reward(offer.id, "points", "100")
        link = services.ensure_link(user)
        ids = []
        for i in range(args.friends):
            referral = services.sign_up(link, {"name": f"Friend {i}", "consent": True,
                                               "email": f"friend{i}@example.org"},
                                        f"198.51.{i // 250}.{i % 250}", "en")
            ids.append(referral.referral.id)
        _, secret = create_api_token("Bench")
        db.session.commit()
        code = link.code
        dialect = db.engine.dialect.name
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    print(f"database: {dialect}; {args.friends:,} referrals")
    client.get(f"/r/{code}")
    report("GET /r/CODE", timed(lambda _i: client.get(f"/r/{code}"), args.pages))
    report("POST /api/v1/conversions (new)", timed(
        lambda i: client.post("/api/v1/conversions", json={"referral_id": ids[i]},
                              headers=headers), len(ids)))
    report("POST /api/v1/conversions (again)", timed(
        lambda i: client.post("/api/v1/conversions", json={"email": f"friend{i}@example.org"},
                              headers=headers), len(ids)))
    with app.app_context():
        converted = db.session.scalar(select(func.count()).select_from(Referral).where(
            Referral.converted_at.is_not(None)))
        entries = db.session.scalar(select(func.count()).select_from(RewardEntry))
        doubles = db.session.scalar(select(func.count()).select_from(
            select(RewardEntry.referral_id).group_by(RewardEntry.referral_id)
            .having(func.count() > 1).subquery()))
        print(f"converted {converted:,}, reward entries {entries:,}")
        if doubles:
            print(f"DOUBLE rewards for {doubles} referrals")


if __name__ == "__main__":
    main()
