"""A process killed (SIGKILL) at a random point of an import loses nothing and doubles
nothing: running it again ends with every row stored exactly once.

The import runs in a real subprocess on a database file (SQLite) or the test database
(PostgreSQL); the test watches the rows arrive and kills the process at a random count
or a random moment, then runs it again. A failure names its seed: CRASH_SEED=N replays it.
"""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ambassador.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("CRASH_SEED", random.SystemRandom().randrange(1_000_000)))


@pytest.fixture
def database(app, make_app, tmp_path):
    """(url, app on it): the PostgreSQL test database, or a migrated SQLite file."""
    from flask_migrate import upgrade

    if db.engine.dialect.name == "postgresql":
        url = db.engine.url.render_as_string(hide_password=False)
        return url, make_app(SQLALCHEMY_DATABASE_URI=url)
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    other = make_app(SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        upgrade()
    return url, other


def _csv(path: Path, rows: int, undated_every: int = 0) -> Path:
    """A survey export: `rows` people, one answer each; every n-th answer has no date."""
    lines = ["email,score,responded_at,name,comment"]
    for i in range(rows):
        date = "" if undated_every and i % undated_every == 0 else (
            f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}T{i % 24:02d}:{i % 60:02d}:00Z")
        lines.append(f"p{i}@example.com,{i % 11},{date},Person {i},said {i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "AMBASSADOR_ENV": "development",
           "JOBS_IMMEDIATE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    return env


def _counts(engine) -> tuple[int, int, int]:
    """(responses, distinct people answering, customers)."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT (SELECT count(*) FROM responses),"
            " (SELECT count(DISTINCT customer_id) FROM responses),"
            " (SELECT count(*) FROM customers)")).one())


def _run_and_kill(command: list[str], url: str, engine, rng, total: int) -> str:
    """Start `command`, SIGKILL it at a random row count or moment; say which happened."""
    target = rng.randrange(1, total)
    deadline = time.monotonic() + rng.uniform(0.5, 20.0)
    process = subprocess.Popen(command, cwd=ROOT, env=_env(url), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            if _counts(engine)[0] >= target or time.monotonic() > deadline:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return f"killed at {_counts(engine)[0]} rows"
            time.sleep(0.02)
        return f"finished before the kill (exit {process.returncode})"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _assert_each_row_once(engine, total: int) -> None:
    responses, people, customers = _counts(engine)
    assert (responses, people, customers) == (total, total, total), (
        f"seed {SEED}: {responses} responses from {people} people, {customers} customers")


def _flask(*args) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "ambassador", *args]


def test_a_killed_cli_import_run_again_loses_nothing_and_doubles_nothing(database, tmp_path):
    url, _app = database
    rng = random.Random(SEED)
    total = 30_000  # beyond the CLI's first 25,000-row commit
    path = _csv(tmp_path / "export.csv", total)
    engine = create_engine(url)
    try:
        story = [_run_and_kill(_flask("nps", "import", str(path)), url, engine, rng, total)]
        done = subprocess.run(_flask("nps", "import", str(path)), cwd=ROOT, env=_env(url),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        imported, duplicates = _numbers(done.stdout)
        assert imported + duplicates == total, (story, done.stdout, f"seed {SEED}")
        _assert_each_row_once(engine, total)
    finally:
        engine.dispose()


def _numbers(output: str) -> tuple[int, int]:
    """(imported, duplicates) from the summary line `imported N, duplicates M, rejected K`."""
    import re

    found = re.search(r"imported ([\d,]+), duplicates ([\d,]+)", output)
    assert found, output
    return tuple(int(group.replace(",", "")) for group in found.groups())


WORKER = """
import sys
from ambassador import create_app
from ambassador.imports.runs import run_import
app = create_app()
with app.app_context():
    run_import(int(sys.argv[1]))
"""


def test_a_killed_web_import_job_run_again_loses_nothing_and_doubles_nothing(
        database, tmp_path, make_user):
    """The worker dies mid-job; the sweep marks the run failed, Run again finishes it.
    A fifth of the rows have no date: they get the first run's time, so they too come
    back as duplicates, not twice."""
    from ambassador.imports import runs
    from ambassador.imports.importer import ParseOptions, inspect_file
    from ambassador.imports.models import ImportRun
    from ambassador.utils import utcnow

    url, other = database
    rng = random.Random(SEED)
    total = 12_000  # beyond two of the job's 5,000-row commits
    data = _csv(tmp_path / "web.csv", total, undated_every=5).read_bytes()
    with other.app_context():
        marketer = make_user("marketer")
        stored, _dropped = runs.store_upload(marketer.id, "web.csv", data)
        run = runs.queue_run(stored, ParseOptions(), inspect_file(data), marketer.id)
        db.session.commit()
        run_id = run.id
    engine = create_engine(url)
    command = [sys.executable, "-c", WORKER, str(run_id)]
    try:
        story = []
        for attempt in range(2):
            story.append(_run_and_kill(command, url, engine, rng, total))
            with other.app_context():
                state = db.session.get(ImportRun, run_id).state
                if state == "done":
                    break
                if state == "running":  # the worker died: the sweep notices, Run again
                    runs.sweep(now=utcnow() + timedelta(minutes=11 * (attempt + 1)))
                    db.session.commit()
                    runs.retry_run(run_id)
                    db.session.commit()
        finished = subprocess.run(command, cwd=ROOT, env=_env(url), capture_output=True,
                                  text=True, timeout=600)
        assert finished.returncode == 0, finished.stderr[-2000:]
        with other.app_context():
            run = db.session.get(ImportRun, run_id)
            assert run.state == "done", (run.state, run.failure, story, f"seed {SEED}")
            assert run.imported + run.duplicates == total
        _assert_each_row_once(engine, total)
    finally:
        engine.dispose()
