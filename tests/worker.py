"""A real `flask --app ambassador worker` process for end-to-end tests of the task queue."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_worker(database_url: str, log_path: Path, **settings: str):
    """Run a worker (no periodic jobs) on `database_url`; `settings` are more env variables."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "JOBS_IMMEDIATE", "TEST_DATABASE_URL", "MAIL_URL")}
    env.update(AMBASSADOR_ENV="development", DATABASE_URL=database_url,
               MAIL_URL="file://" + str(log_path.parent / "mail"), **settings)
    flask = Path(sys.executable).parent / "flask"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [str(flask), "--app", "ambassador", "worker", "--threads", "2", "--no-periodic"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield worker
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)
