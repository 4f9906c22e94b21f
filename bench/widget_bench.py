"""Widget benchmark: the public widget JSON under load, against a bare Flask hello-world.

    python bench/widget_bench.py [--url URL] [--testimonials 20] [--runs 5] [--duration 10]
                                 [--connections 32] [--workers 2] [--skip-setup]

Resets the database (--url, default ambassador_bench_widgets on 127.0.0.1; created when
missing), builds the schema with the migrations, runs `demo load`, adds approved
testimonials (copies of the demo's) until there are --testimonials of them, and creates
the widget `bench` showing that many. Starts two gunicorns with the same settings
(`-w 2`, the default sync worker, production settings, this project's gunicorn.conf.py):
the real app (`wsgi:app`) and a bare Flask hello-world, each on a free port. Then runs
wrk (`apt-get install wrk`) with --connections connections on each, alternately in the
same run (hello, widget, hello, widget, …), --runs times, and prints requests per second
of each run, the medians, the ratio widget/hello pair by pair and its median (the goal
is at least 0.8x), and wrk's latency percentiles. Then the same for a revalidation
(`If-None-Match` with the current ETag: a 304), `GET /widget.js` and
`GET /widgets/bench/snippet.html`, and the gzipped size of widget.js.
Asserts nothing; quote the figures with the load average it prints.
"""

import argparse
import gzip
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench_widgets"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def hello_app():
    """The baseline: a bare Flask hello-world, served by gunicorn exactly like the app."""
    from flask import Flask

    app = Flask("hello")

    @app.route("/")
    def hello():
        return "Hello, World!"

    return app


def prepare(url: str, testimonials: int) -> None:
    """Fresh schema, the demo data, `testimonials` approved ones and the widget `bench`."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    import config
    from ambassador import create_app
    from ambassador.demo import load_demo
    from ambassador.extensions import db
    from ambassador.widgets.models import MAX_SHOWN
    from ambassador.widgets.services import create_widget

    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()

    class SetupConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MAIL_URL = "memory://"

    app = create_app(SetupConfig)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        load_demo()
        db.session.commit()
        approved = "status = 'approved' AND consent_text"
        have = db.session.scalar(text(f"SELECT count(*) FROM testimonials WHERE {approved}"))
        columns = [c for c in db.session.execute(text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'testimonials' AND column_name <> 'id' "
            "ORDER BY ordinal_position")).scalars()]
        listed = ", ".join(columns)
        while have < testimonials:
            db.session.execute(text(
                f"INSERT INTO testimonials ({listed}) SELECT {listed} FROM testimonials "
                f"WHERE {approved} ORDER BY id LIMIT :n"), {"n": testimonials - have})
            have = db.session.scalar(text(f"SELECT count(*) FROM testimonials WHERE {approved}"))
        shown = min(testimonials, MAX_SHOWN)
        create_widget({"name": "Benchmark wall", "enabled": True, "selection": "all",
                       "tags": [], "min_rating": 1, "languages": [], "picked": [],
                       "shown": shown, "layout": "grid", "theme": "light",
                       "accent": "#4f46e5", "radius": 12, "font": "system",
                       "show_photo": True, "show_rating": True, "show_date": True,
                       "show_verified": True, "language": "en", "allowed_domains": [],
                       "product_name": "Ambassador", "product_type": "SoftwareApplication"},
                      key="bench")
        db.session.commit()
        print(f"database: {target.database}: {have} approved testimonials, "
              f"widget `bench` shows {shown}")
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, url: str, workers: int, probe: str) -> tuple[subprocess.Popen, str]:
    """gunicorn serving `app` on a free port (production settings); waits for `probe`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=url, AMBASSADOR_ENV="production",
               SECRET_KEY=secrets.token_hex(32), BASE_URL=base)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "--pythonpath", "bench",
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "error", app],
        env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + probe, timeout=2).close()
            return server, base
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn {app} did not start")


def wrk(url: str, connections: int, duration: int, headers: tuple[str, ...] = ()) -> dict:
    """One wrk run: requests/s, latency percentiles (ms), errors and non-2xx/3xx answers."""
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "75", "90", "99"):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        result[f"p{pct}"] = float(value) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result["non2xx"] = int(bad.group(1)) if bad else 0
    result["errors"] = errors.group(1).strip() if errors else ""
    return result


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min), {os.cpu_count()} CPUs"


def latency(results: list[dict]) -> str:
    return "  ".join(f"p{p} {statistics.median(r[f'p{p}'] for r in results):6.2f} ms"
                     for p in ("50", "75", "90", "99"))


def compare(label: str, target: str, hello: str, args, headers: tuple[str, ...] = ()) -> None:
    """Alternate wrk on the hello-world and on `target`; print each run and the medians."""
    wrk(hello, args.connections, 2)
    wrk(target, args.connections, 2, headers)  # warm both: imports, caches, connections
    pairs = []
    for n in range(args.runs):
        base = wrk(hello, args.connections, args.duration)
        mine = wrk(target, args.connections, args.duration, headers)
        pairs.append((base, mine))
        problems = "".join(f", {r['non2xx']} non-2xx/3xx" if r["non2xx"] else ""
                           for r in (base, mine))
        print(f"  run {n + 1}: hello {base['rps']:8.1f} req/s   {label} {mine['rps']:8.1f} req/s"
              f"   ratio {mine['rps'] / base['rps']:.2f}x{problems}"
              + (f" errors: {mine['errors']}" if mine["errors"] else ""))
    ratios = [m["rps"] / b["rps"] for b, m in pairs]
    print(f"  median: hello {statistics.median(b['rps'] for b, _ in pairs):8.1f} req/s   "
          f"{label} {statistics.median(m['rps'] for _, m in pairs):8.1f} req/s   "
          f"ratio {statistics.median(ratios):.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})")
    print(f"  latency hello:  {latency([b for b, _ in pairs])}")
    print(f"  latency {label}: {latency([m for _, m in pairs])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--testimonials", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database as it is")
    parser.add_argument("--only-json", action="store_true", help="only the widget JSON")
    args = parser.parse_args()

    if not args.skip_setup:
        prepare(args.url, args.testimonials)
    script = (ROOT / "static" / "js" / "widget.js").read_bytes()
    print(f"widget.js: {len(script):,} bytes, {len(gzip.compress(script, 9)):,} bytes gzipped")
    app, app_base = start_gunicorn("wsgi:app", args.url, args.workers, "/widget.js")
    hello, hello_base = start_gunicorn("widget_bench:hello_app()", args.url, args.workers, "/")
    try:
        api = f"{app_base}/api/v1/widgets/bench"
        with urllib.request.urlopen(api) as answer:
            body, etag = answer.read(), answer.headers["ETag"]
        print(f"GET /api/v1/widgets/bench: {len(body):,} bytes, ETag {etag}")
        print(f"gunicorn -w {args.workers} (sync workers) for both; wrk -t 2 -c {args.connections}"
              f" -d {args.duration}s, {args.runs} runs each, alternately; {load()}")
        print("GET /api/v1/widgets/bench (200, from the per-process cache):")
        compare("widget", api, hello_base + "/", args)
        if not args.only_json:
            print("GET /api/v1/widgets/bench with If-None-Match (304):")
            compare("304", api, hello_base + "/", args, (f"If-None-Match: {etag}",))
            print("GET /widget.js:")
            compare("widget.js", app_base + "/widget.js", hello_base + "/", args)
            print("GET /widgets/bench/snippet.html:")
            compare("snippet", app_base + "/widgets/bench/snippet.html", hello_base + "/", args)
        print(f"after: {load()}")
    finally:
        for server in (app, hello):
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
