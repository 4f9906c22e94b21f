"""A delivering process killed at a random point: rerunning sends every message, none twice.

A real `flask outbox deliver --once` process delivers to the test's SMTP server and is
killed (SIGKILL: no cleanup of any kind) after a random number of messages arrived. Once
the claims' lease has run out, a second run delivers the rest. The one message that
may have been on the wire at the kill can arrive again, with the same Message-ID (so
receivers drop it); every other message arrives exactly once, and none is lost.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from ambassador.extensions import db
from ambassador.mail.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 120
QUEUED_AT = datetime(2026, 1, 1, tzinfo=UTC)
LEASE_SECONDS = 2


def _deliver(database_url: str, mail_url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "TEST_DATABASE_URL", "OUTBOX_DELIVER_ON_COMMIT")}
    env.update(AMBASSADOR_ENV="development", DATABASE_URL=database_url, MAIL_URL=mail_url,
               OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS))
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen([str(flask), "--app", "ambassador", "outbox", "deliver", "--once"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _queue(engine) -> None:
    with engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.insert(), [
            {"to_addr": f"p{n}@example.com", "subject": f"message {n}", "body_text": f"text {n}",
             "body_html": f"<p>{n}</p>", "kind": "test", "status": "queued", "attempts": 0,
             "created_at": QUEUED_AT, "next_attempt_at": QUEUED_AT}
            for n in range(MESSAGES)])


def _kill_mid_batch(database_url: str, engine, smtp_server, rng: random.Random) -> None:
    """Start a delivery and SIGKILL it after a random number of messages arrived.

    A kill that falls in the instant between one batch's last outcome and the next claim
    leaves nothing claimed, and so tests nothing: that delivery is killed again later.
    """
    for _ in range(5):
        arrived = len(smtp_server.messages)
        kill_after = rng.randint(arrived + 1, max(arrived + 1, MESSAGES - 20))
        first = _deliver(database_url, smtp_server.url)
        deadline = time.monotonic() + 120
        while len(smtp_server.messages) < kill_after and time.monotonic() < deadline:
            assert first.poll() is None, first.stdout.read().decode()
            time.sleep(0.002)
        time.sleep(rng.random() * 0.02)  # anywhere in the next message's conversation
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        first.stdout.close()
        assert len(smtp_server.messages) < MESSAGES, "killed too late to test anything"
        with engine.connect() as conn:
            stranded = conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'sending'"))
        if stranded >= 1:  # the kill left claimed, unfinished messages behind
            return
    pytest.fail("every kill fell between two batches")


def _kill_and_rerun(database_url: str, engine, smtp_server, seed: int) -> None:
    _kill_mid_batch(database_url, engine, smtp_server, random.Random(seed))

    time.sleep(LEASE_SECONDS + 0.5)  # the recovery rule: the dead worker's lease runs out
    second = _deliver(database_url, smtp_server.url)
    output = second.communicate(timeout=180)[0].decode()
    assert second.returncode == 0, output
    assert output.startswith("sent ") and output.endswith(", retry later 0, failed 0\n"), output

    received = Counter(m["Subject"] for m in smtp_server.messages)
    assert set(received) == {f"message {n}" for n in range(MESSAGES)}  # nothing lost
    twice = [subject for subject, count in received.items() if count > 1]
    assert len(twice) <= 1 and max(received.values()) <= 2, (seed, twice)
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == MESSAGES  # a repeat carries the same Message-ID: receivers drop it
    with engine.connect() as conn:
        states = dict(conn.execute(
            text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
    assert states == {"sent": MESSAGES}


def test_sqlite_a_killed_delivery_loses_nothing_and_repeats_nothing(tmp_path, smtp_server):
    from ambassador import create_app
    from config import TestingConfig

    url = f"sqlite:///{tmp_path / 'outbox.db'}"

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    other = create_app(FileConfig)
    with other.app_context():
        db.create_all()
        db.engine.dispose()
    engine = create_engine(url)
    try:
        _queue(engine)
        _kill_and_rerun(url, engine, smtp_server, seed=random.randrange(10**6))
    finally:
        engine.dispose()


def test_postgresql_a_killed_delivery_loses_nothing_and_repeats_nothing(app, smtp_server):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs on the PostgreSQL test database (TEST_DATABASE_URL)")
    url = db.engine.url.render_as_string(hide_password=False)
    _queue(db.engine)
    db.session.remove()
    _kill_and_rerun(url, db.engine, smtp_server, seed=random.randrange(10**6))
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == MESSAGES
