"""`checkins send-due` killed (SIGKILL) at a random point, then run again: every due
person ends with exactly one check-in and exactly one check-in mail, none lost, none twice.

A chunk's claims and its mail commit together; the test holds the command to that. A
failure names its seed: CRASH_SEED=N replays it.
"""

import random
import subprocess
import time
from datetime import timedelta

from sqlalchemy import create_engine, text

from ambassador.extensions import db
from ambassador.nps.services import record_responses
from tests.conftest import utc
from tests.faults.test_crash_safety import ROOT, SEED, _env, _flask, database  # noqa: F401

NOW = utc(2026, 11, 10, 9, 0)
PEOPLE = 4_000  # four of send-due's 1,000-person chunks


def _counts(engine) -> tuple[int, int, int]:
    """(check-ins, check-in mails, people with more than one check-in mail)."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT (SELECT count(*) FROM checkins),"
            " (SELECT count(*) FROM outbox WHERE kind LIKE 'checkin%'),"
            " (SELECT count(*) FROM (SELECT to_addr FROM outbox WHERE kind LIKE 'checkin%'"
            "  GROUP BY to_addr HAVING count(*) > 1) AS twice)")).one())


def test_a_killed_send_due_run_again_loses_nothing_and_doubles_nothing(database):  # noqa: F811
    url, other = database
    rng = random.Random(SEED)
    with other.app_context():
        other.config["COMPANY_NAME"] = "Acme"
        record_responses([{"email": f"p{i}@example.com", "score": 10,
                           "responded_at": NOW - timedelta(days=120)} for i in range(PEOPLE)],
                         "import")
        db.session.commit()
    engine = create_engine(url)
    command = _flask("checkins", "send-due", "--now", NOW.isoformat())
    env = {**_env(url), "COMPANY_NAME": "Acme"}
    try:
        target = rng.randrange(1, PEOPLE)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            while process.poll() is None and _counts(engine)[0] < target:
                time.sleep(0.02)
        finally:
            process.kill()
            process.wait()
        story = f"killed at {_counts(engine)} (target {target}), seed {SEED}"
        checkins, mails, twice = _counts(engine)
        assert checkins == mails and twice == 0, story  # what committed, committed whole
        print(story)
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert _counts(engine) == (PEOPLE, PEOPLE, 0), (story, done.stdout)
        again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=600)
        assert "queued 0 check-ins" in again.stdout, again.stdout
    finally:
        engine.dispose()
