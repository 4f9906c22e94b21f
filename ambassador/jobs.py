"""The background task queue: queued jobs, periodic jobs and the `worker` command.

The queue is huey: its storage is a SQLite file in instance/ by default, Redis when
REDIS_URL is set, and in memory with jobs run at once when JOBS_IMMEDIATE is on (the
tests). Features declare their work in their own package and never import the queue's
internals:

    from ambassador.jobs import daily, periodic, task

    @task
    def import_upload(run_id: int): ...          # queued with enqueue(import_upload, 7)

    @periodic(daily(hour=4))                       # one line adds a periodic job
    def purge_outbox(): ...

Each job runs in its own app context and database session, which is committed when the
job returns and rolled back when it raises. Every periodic job must be safe to run twice
at the same moment (several workers each run the schedule). The module of a feature's
jobs is imported once in `create_app` (`register_jobs`).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

from ambassador.extensions import db

_TASKS: dict[str, Callable] = {}
_PERIODIC: dict[str, tuple[Callable, Callable]] = {}


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def task(fn: Callable) -> Callable:
    """Declare `fn` a job that `enqueue(fn, *args)` runs on a worker (args: JSON-like values)."""
    _TASKS[_name(fn)] = fn
    return fn


def periodic(schedule: Callable) -> Callable[[Callable], Callable]:
    """Declare a function run by the workers on `schedule` (every_minute(), daily(...), ...)."""
    def decorator(fn: Callable) -> Callable:
        _PERIODIC[_name(fn)] = (schedule, fn)
        return fn
    return decorator


def every_minute() -> Callable:
    """The schedule of work that runs all the time (huey's schedules have minute steps)."""
    return crontab()


def every_minutes(n: int) -> Callable:
    """Every `n` minutes (n divides 60)."""
    return crontab(minute=f"*/{n}")


def hourly(minute: int = 0) -> Callable:
    """Once an hour, at `minute` past (UTC)."""
    return crontab(minute=str(minute))


def daily(hour: int, minute: int = 0) -> Callable:
    """Once a day at hour:minute UTC."""
    return crontab(minute=str(minute), hour=str(hour))


def weekly(weekday: int, hour: int, minute: int = 0) -> Callable:
    """Once a week on `weekday` (0 Sunday, 1 Monday … 6 Saturday) at hour:minute UTC."""
    return crontab(minute=str(minute), hour=str(hour), day_of_week=str(weekday))


@dataclass
class Jobs:
    """One app's queue: the huey instance and the callable of each declared job."""

    huey: object
    tasks: dict[str, Callable] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)


def _in_app_context(app: Flask, fn: Callable) -> Callable:
    @wraps(fn)
    def run(*args, **kwargs):
        with app.app_context():  # its own session, also when run at once inside a request
            try:
                fn(*args, **kwargs)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
    return run


def _storage(app: Flask):
    name = app.config["JOBS_NAME"]
    if app.config["JOBS_IMMEDIATE"]:
        return MemoryHuey(name, immediate=True, results=False)
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"], results=False)
    path = Path(app.config["JOBS_SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def init_app(app: Flask) -> None:
    """Build this app's queue and register every declared job on it."""
    huey = _storage(app)
    jobs = Jobs(huey=huey)
    for name, fn in _TASKS.items():
        jobs.tasks[name] = huey.task(name=fn.__qualname__)(_in_app_context(app, fn))
    for schedule, fn in _PERIODIC.values():
        huey.periodic_task(schedule, name=fn.__qualname__)(_in_app_context(app, fn))
    app.extensions["jobs"] = jobs


def enqueue(fn: Callable, *args) -> None:
    """Queue the job `fn(*args)` (run at once under JOBS_IMMEDIATE); call after committing."""
    current_app.extensions["jobs"].tasks[_name(fn)](*args)


def stopping() -> bool:
    """True once the worker was asked to stop: long periodic jobs end their loop early."""
    return current_app.extensions["jobs"].stop.is_set()


def periodic_names(app: Flask) -> list[str]:
    """The names of the periodic jobs this app's workers run."""
    huey = app.extensions["jobs"].huey
    return sorted(f"{task.__module__}.{task.name}" for task in huey._registry.periodic_tasks)


@click.command("worker")
@click.option("--threads", default=4, show_default=True,
              help="Jobs run at the same time by this worker.")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also run the periodic jobs (mail delivery, invitations, sweeps).")
@with_appcontext
def worker_command(threads: int, periodic: bool) -> None:
    """Run the background worker: queued jobs (web imports) and the periodic jobs."""
    app = current_app._get_current_object()
    jobs = app.extensions["jobs"]
    if jobs.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: jobs run at once, no worker is needed.")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("huey").addHandler(handler)
    logging.getLogger("huey").setLevel(logging.INFO)
    consumer = jobs.huey.create_consumer(workers=threads, periodic=periodic, max_delay=1.0,
                                         worker_type="thread")
    jobs.stop = consumer.stop_flag
    where = "Redis" if app.config.get("REDIS_URL") else app.config["JOBS_SQLITE_PATH"]
    click.echo(f"worker: {threads} threads, queue {where}, periodic jobs"
               f" {', '.join(periodic_names(app)) if periodic else 'off'}")
    consumer.run()
