"""Outbox benchmark: how fast 1, 2, 4 … workers empty the outbox into a real SMTP server.

Builds the schema in a dedicated database (a SQLite file by default, or --url, e.g. a
PostgreSQL database that may be emptied), queues --messages mails, starts aiosmtpd in its
own process (writing a Maildir) and lets W worker processes (each with its own app,
session and SMTP connection, like W `outbox deliver` processes; --threads runs them as
threads of one process instead) deliver them. Prints messages per second and how many
arrived more than once (always 0). Asserts nothing.

    python bench/outbox_bench.py [--url URL] [--messages 2000] [--workers 1 2] [--batch 20]

aiosmtpd is a pure-Python server (a few ms per message) on the same machine, so read the
figures as a floor, not as production rates.
"""

import argparse
import mailbox
import multiprocessing
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ambassador import create_app  # noqa: E402
from ambassador.extensions import db  # noqa: E402
from ambassador.mail.delivery import deliver_due  # noqa: E402
from ambassador.mail.models import OutboxMessage  # noqa: E402
from config import TestingConfig  # noqa: E402
from tests.smtp import free_port  # noqa: E402


def start_server(maildir: Path) -> tuple[subprocess.Popen, int]:
    """aiosmtpd in its own process, storing what it receives in `maildir`."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def run(url: str, messages: int, workers: int, tmp: Path, batch: int = 20,
        threaded: bool = False) -> None:
    """Queue `messages` mails, deliver them with `workers` threads, print the figures."""
    maildir = tmp / f"maildir-{workers}"
    server, port = start_server(maildir)

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MAIL_URL = f"smtp://127.0.0.1:{port}"

    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(
            OutboxMessage(to_addr=f"p{n}@example.com", subject=f"message {n}",
                          body_text=f"Bonjour Hélène {n}\nhttps://example.com/r/{n}",
                          body_html=f"<p>Bonjour Hélène {n}</p>")
            for n in range(messages)
        )
        db.session.commit()
    if threaded:
        start, sent = threading.Barrier(workers), []

        def worker():
            with app.app_context():
                start.wait()
                sent.append(deliver_due(batch=batch).sent)

        runners = [threading.Thread(target=worker) for _ in range(workers)]
    else:
        context = multiprocessing.get_context("fork")
        start, sent = context.Barrier(workers + 1), context.Queue()
        with app.app_context():
            db.engine.dispose()  # each process opens its own connections

        def worker():
            with app.app_context():
                start.wait()
                sent.put(deliver_due(batch=batch).sent)

        runners = [context.Process(target=worker) for _ in range(workers)]
    for runner in runners:
        runner.start()
    if not threaded:
        start.wait()
    began = time.perf_counter()
    for runner in runners:
        runner.join()
    elapsed = time.perf_counter() - began
    if not threaded:
        sent = [sent.get() for _ in range(workers)]
    server.terminate()
    server.wait()
    counts = Counter(m["Subject"] for m in mailbox.Maildir(maildir, create=False))
    duplicates = sum(c - 1 for c in counts.values())
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    print(f"workers={workers} batch={batch} messages={messages} seconds={elapsed:.2f} "
          f"rate={messages / elapsed:.0f}/s per_worker={sorted(sent)} "
          f"received={sum(counts.values())} duplicates={duplicates}")


def main() -> None:
    """Parse the options and run one round per worker count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=20, help="messages claimed at once")
    parser.add_argument("--threads", action="store_true", help="workers as threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/outbox-bench.db"
        print(f"database {url.split('@')[-1]}")
        for workers in args.workers:
            run(url, args.messages, workers, Path(tmp), args.batch, args.threads)


if __name__ == "__main__":
    main()
