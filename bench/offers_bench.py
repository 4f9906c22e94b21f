"""Offers benchmark: 50 ambassadors press "Claim" at the same moment, through gunicorn.

Builds the schema in a dedicated PostgreSQL database (dropped and rebuilt each run;
--url, default ambassador_bench_offers on 127.0.0.1), creates --claims active
ambassadors with accounts, starts gunicorn (the real app in production settings,
CSRF on, rate limits off so the set-up logins pass) and logs each ambassador in through
the login form. Then, per round, it opens a new offer whose pool holds --pool codes
(fewer than the claimers, so some are told it is exhausted), releases every claimer at
once with a barrier and times the claims (one POST each, the 303 is not followed).
Prints claims per second, latencies, and what the database holds afterwards: each
code handed out at most once, one redemption per person, the counter equal to the
redemptions. Asserts nothing; a line starting with "DOUBLE" would be a bug.

    python bench/offers_bench.py [--url URL] [--claims 50] [--pool 40] [--rounds 3]
                                 [--workers 4] [--threads 8]
"""

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_offers"
PASSWORD = "bench-password-123"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def bench_app():
    """The app gunicorn serves: production settings, without the login rate limit."""
    import config
    from ambassador import create_app

    class BenchConfig(config.ProductionConfig):
        SQLALCHEMY_DATABASE_URI = os.environ["BENCH_DATABASE_URL"]
        RATELIMIT_ENABLED = False
        MAIL_URL = "memory://"

    return create_app(BenchConfig)


def prepare(url: str, claimers: int) -> list[str]:
    """Create the database and schema, and `claimers` active ambassadors; return emails."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from werkzeug.security import generate_password_hash

    import config
    from ambassador import create_app
    from ambassador.auth.models import User
    from ambassador.extensions import db
    from ambassador.nps.services import record_responses
    from ambassador.utils import new_token

    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()

    class SetupConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(SetupConfig)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        emails = [f"fan{n:03d}@bench.example" for n in range(claimers)]
        record_responses([{"email": e, "score": 10, "name": f"Fan {n}"}
                          for n, e in enumerate(emails)], "import")
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        customers = dict(db.session.execute(text("SELECT email, id FROM customers")).all())
        db.session.add_all(User(email=e, name=f"Fan {n}", role="promoter",
                                password_hash=hashed, session_token=new_token(16),
                                customer_id=customers[e]) for n, e in enumerate(emails))
        db.session.commit()
    return emails


def new_offer(url: str, pool: int, round_no: int) -> int:
    """An open offer with a pool of `pool` codes; returns its id."""
    import config
    from ambassador import create_app
    from ambassador.extensions import db
    from ambassador.offers import codes, services
    from ambassador.utils import utcnow

    class SetupConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(SetupConfig)
    with app.app_context():
        offer = services.create_offer(None, {"title": f"Round {round_no}", "code_mode": "pool",
                                             "starts_at": utcnow()})
        codes.add_codes(offer, codes.lines_of_text(
            "\n".join(f"R{round_no}-{n:04d}" for n in range(pool))))
        db.session.commit()
        offer_id = offer.id
        db.engine.dispose()
    return offer_id


def check(url: str, offer_id: int) -> str:
    """What the database holds for the offer: claims, doubles, counter."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url))
    with engine.connect() as conn:
        redemptions = conn.scalar(text("SELECT count(*) FROM redemptions WHERE offer_id=:o"),
                                  {"o": offer_id})
        distinct = conn.scalar(text("SELECT count(DISTINCT code) FROM redemptions "
                                    "WHERE offer_id=:o"), {"o": offer_id})
        people = conn.scalar(text("SELECT count(DISTINCT user_id) FROM redemptions "
                                  "WHERE offer_id=:o"), {"o": offer_id})
        taken = conn.scalar(text("SELECT count(*) FROM offer_codes WHERE offer_id=:o "
                                 "AND claimed_at IS NOT NULL"), {"o": offer_id})
        counter = conn.scalar(text("SELECT claimed FROM offers WHERE id=:o"), {"o": offer_id})
    engine.dispose()
    doubles = redemptions - distinct
    line = (f"database: {redemptions} redemptions, {distinct} distinct codes, {people} people, "
            f"{taken} pool codes taken, counter {counter}")
    if doubles or people != redemptions or taken != redemptions or counter != redemptions:
        line = f"DOUBLE or mismatch! {line}"
    return line


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Claimer:
    """One ambassador's browser: cookies, the login form, the claim button."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.email = email
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                                  NoRedirect)

    def _open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self) -> None:
        _status, page = self._open("/login")
        token = TOKEN_RE.search(page).group(1)
        status, _page = self._open("/login", {"csrf_token": token, "email": self.email,
                                              "password": PASSWORD})
        assert status == 302, f"login of {self.email}: {status}"

    def open_offer(self, offer_id: int) -> str:
        status, page = self._open(f"/offers/{offer_id}")
        assert status == 200, status
        return TOKEN_RE.search(page).group(1)

    def claim(self, offer_id: int, token: str) -> int:
        status, _page = self._open(f"/offers/{offer_id}/claim", {"csrf_token": token})
        return status


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, BENCH_DATABASE_URL=url, AMBASSADOR_ENV="production",
               SECRET_KEY=secrets.token_hex(32), BASE_URL=f"http://127.0.0.1:{port}")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "--pythonpath", "bench",
         "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "offers_bench:bench_app()"],
        env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).close()
            return server, base
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def run_round(claimers: list[Claimer], offer_id: int) -> tuple[float, list[float], list[int]]:
    tokens = [c.open_offer(offer_id) for c in claimers]
    start = threading.Barrier(len(claimers) + 1)
    latencies, statuses, lock = [], [], threading.Lock()

    def go(claimer, token):
        start.wait()
        began = time.perf_counter()
        status = claimer.claim(offer_id, token)
        with lock:
            latencies.append(time.perf_counter() - began)
            statuses.append(status)

    threads = [threading.Thread(target=go, args=(c, t)) for c, t in zip(claimers, tokens,
                                                                       strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=120)
    return time.perf_counter() - began, latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--pool", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("this benchmark runs on PostgreSQL: pass --url postgresql+psycopg://…")

    emails = prepare(args.url, args.claims)
    server, base = start_gunicorn(args.url, args.workers, args.threads)
    try:
        claimers = [Claimer(base, email) for email in emails]
        for claimer in claimers:
            claimer.login()
        print(f"gunicorn: {args.workers} workers × {args.threads} threads; {args.claims} "
              f"ambassadors claim at once from a pool of {args.pool} codes; "
              f"{os.cpu_count()} CPUs")
        for round_no in range(1, args.rounds + 1):
            offer_id = new_offer(args.url, args.pool, round_no)
            wall, latencies, statuses = run_round(claimers, offer_id)
            got = statuses.count(303)
            exhausted = statuses.count(409)
            other = len(statuses) - got - exhausted
            latencies.sort()
            p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
            print(f"round {round_no}: {len(statuses)} claims in {wall:.3f} s = "
                  f"{len(statuses) / wall:.0f} claims/s; {got} got a code, {exhausted} told "
                  f"exhausted, {other} other; latency median "
                  f"{statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                  f"max {latencies[-1] * 1000:.0f} ms")
            print(f"  {check(args.url, offer_id)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
