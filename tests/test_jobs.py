"""The task queue: declared jobs, immediate mode, and a real worker on SQLite and on Redis."""

import os
import time
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

import config
from ambassador import create_app, jobs
from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.imports.models import ImportRun
from ambassador.nps.models import Response
from tests.conftest import PASSWORD
from tests.imports.data import csv_bytes
from tests.imports.pages import form_values, upload
from tests.worker import running_worker

ROWS = 20_000


def test_the_workers_run_the_periodic_jobs(app):
    assert jobs.periodic_names(app) == [
        "ambassador.checkins.loop_tasks.deliver_webhooks",
        "ambassador.checkins.loop_tasks.send_weekly_digest",
        "ambassador.checkins.tasks.send_due_checkins",
        "ambassador.forum.tasks.send_daily_digest",
        "ambassador.imports.tasks.sweep_uploads",
        "ambassador.mail.tasks.deliver_outbox",
        "ambassador.mail.tasks.purge_delivered_mail",
        "ambassador.portal.tasks.send_daily_invitations",
        "ambassador.privacy.tasks.response_retention",
        "ambassador.programs.tasks.remind_events",
        "ambassador.referrals.tasks.earn_rewards",
    ]


def test_a_job_runs_at_once_in_its_own_committed_session(app, make_response):
    from ambassador.imports.tasks import import_upload

    run = ImportRun(filename="x.csv", state="queued")
    db.session.add(run)
    db.session.commit()
    jobs.enqueue(import_upload, run.id)   # its upload is missing: it fails, and says so
    db.session.expire_all()
    assert run.state == "failed" and "upload it again" in run.failure


def test_the_worker_refuses_to_start_in_immediate_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1 and "JOBS_IMMEDIATE is on" in result.output


def _rows(n: int) -> bytes:
    lines = [["email", "score", "responded_at", "external_id"]]
    lines += [[f"p{i}@example.com", str(i % 11), f"2026-03-{1 + i % 28:02d}", f"R{i}"]
              for i in range(n)]
    lines.append(["broken", "12", "", ""])
    return csv_bytes(lines)


def _import_through_the_web(app, tmp_path, **settings):
    """Upload and press Import on `app`; a real worker imports; returns statuses seen."""
    client = app.test_client()
    with app.app_context():
        accounts.create_user("worker-test@example.com", "marketer", "W", password=PASSWORD)
        db.session.commit()
    assert client.post("/login", data={"email": "worker-test@example.com",
                                       "password": PASSWORD}).status_code == 302
    uploaded = upload(client, _rows(ROWS), "big.csv")
    preview = uploaded.headers["Location"]
    html = client.get(preview).get_data(as_text=True)
    pressed = client.post(preview, data=form_values(html, action="import"))
    run_url = pressed.headers["Location"]
    assert "Waiting for a worker" in client.get(run_url).get_data(as_text=True)
    seen = []
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    with running_worker(database, tmp_path / "worker.log", **settings):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = client.get(run_url + "/status").json
            seen.append(status)
            if status["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert seen[-1]["state"] == "done", log
    return client, run_url, seen


def _worker_app(tmp_path, **overrides):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'app.db'}"

    class WorkerConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        JOBS_IMMEDIATE = False
        JOBS_SQLITE_PATH = str(tmp_path / "jobs.db")
        REDIS_URL = ""

    for key, value in overrides.items():
        setattr(WorkerConfig, key, value)
    app = create_app(WorkerConfig)
    if url.startswith("sqlite"):
        with app.app_context():
            upgrade()
    return app


def _check(app, client, run_url, seen):
    moving = [s for s in seen if 0 < s["rows_read"] < s["rows_total"]]
    assert moving, "the progress never showed a partly read file"
    final = seen[-1]
    assert (final["rows_read"], final["imported"], final["rejected"]) == (ROWS + 1, ROWS, 1)
    assert ">20,000</span><span>imported" in client.get(run_url).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == ROWS
        db.session.remove()
        db.engine.dispose()


def test_a_real_worker_on_sqlite_storage_imports_a_web_upload(tmp_path):
    app = _worker_app(tmp_path)
    client, run_url, seen = _import_through_the_web(
        app, tmp_path, JOBS_SQLITE_PATH=str(tmp_path / "jobs.db"), JOBS_NAME="ambassador-test")
    _check(app, client, run_url, seen)


def _redis_url() -> str | None:
    import redis

    url = "redis://127.0.0.1:6379/15"  # a database of its own; keys prefixed per run
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379 (CI=true: refusing to skip)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url


def test_a_real_worker_on_redis_imports_a_web_upload(tmp_path):
    url, name = _redis_url(), f"ambassador-test-{uuid.uuid4().hex[:12]}"
    app = _worker_app(tmp_path, REDIS_URL=url, JOBS_NAME=name)
    try:
        client, run_url, seen = _import_through_the_web(app, tmp_path, REDIS_URL=url,
                                                        JOBS_NAME=name)
        _check(app, client, run_url, seen)
    finally:
        app.extensions["jobs"].huey.storage.flush_all()
