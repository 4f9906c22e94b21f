"""Web imports as jobs: queued once, progress, failure mid-file, re-run, uploads swept."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ambassador.extensions import db
from ambassador.imports import importer, runs
from ambassador.imports import views as import_views
from ambassador.imports.models import STALE_AFTER, ImportRun, ImportUpload
from ambassador.nps.models import Customer, QuarterScore, Response
from ambassador.utils import utcnow
from tests.imports.data import TEMPLATE, csv_bytes
from tests.imports.pages import count, preview_of, submit, upload


@pytest.fixture
def queued(monkeypatch):
    """Keep jobs queued instead of running them at once: returns the queued run ids."""
    calls = []
    monkeypatch.setattr(import_views, "enqueue", lambda fn, run_id: calls.append(run_id))
    return calls


def big_file(rows: int) -> bytes:
    """`rows` answers, every third undated and without an id (stamped at import time)."""
    lines = [["email", "score", "responded_at", "comment"]]
    for n in range(rows):
        when = "" if n % 3 == 0 else f"2026-0{1 + n % 9}-1{n % 10}T10:{n % 60:02d}:00Z"
        lines.append([f"person{n}@example.com", str(n % 11), when, f"Comment {n}"])
    return csv_bytes(lines)


def press_import(client, data: bytes) -> str:
    url, html = preview_of(client, data)
    response = submit(client, url, html)
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return response.headers["Location"]


def the_run() -> ImportRun:
    db.session.expire_all()
    return db.session.scalar(select(ImportRun))


def test_pressing_import_queues_a_job_whose_page_shows_progress(client, marketer, queued):
    location = press_import(client, TEMPLATE)
    run = the_run()
    assert queued == [run.id] and run.state == "queued" and run.rows_total == 3
    page = client.get(location).get_data(as_text=True)
    assert "Waiting for a worker" in page and "<progress" in page
    assert "js/import_progress.js" in page and "<script>" not in page  # no inline script
    status = client.get(f"/import/runs/{run.id}/status")
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    assert status.json == {"id": run.id, "state": "queued", "failure": None, "rows_total": 3,
                           "rows_read": 0, "imported": 0, "duplicates": 0, "rejected": 0,
                           "skipped": 0}
    assert "queued" in client.get("/import/").get_data(as_text=True)
    assert count(Response) == 0

    runs.run_import(run.id)
    assert client.get(f"/import/runs/{run.id}/status").json["state"] == "done"
    result = client.get(location).get_data(as_text=True)
    assert ">3</span><span>imported" in result and "<progress" not in result
    assert count(Response) == 3 and count(ImportUpload) == 0


def test_two_presses_of_import_queue_one_job(client, marketer, queued):
    url, html = preview_of(client, TEMPLATE)
    first = submit(client, url, html)
    second = submit(client, url, html)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(ImportRun) == 1 and len(queued) == 1
    runs.run_import(queued[0])
    runs.run_import(queued[0])  # the same job delivered twice does nothing more
    assert count(Response) == 3 and the_run().imported == 3


def test_a_job_that_dies_mid_file_is_failed_and_a_rerun_doubles_nothing(
        client, marketer, queued, monkeypatch):
    data = big_file(7_000)
    location = press_import(client, data)
    real, calls = importer.record_responses, []

    def dies_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost its database connection")
        return real(*args, **kwargs)

    real_copy = importer.record_staged_chunk

    def copy_dies_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost its database connection")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(runs, "PROGRESS_EVERY", importer.BATCH)
    monkeypatch.setattr(importer, "record_responses", dies_on_the_second_chunk)
    monkeypatch.setattr(importer, "record_staged_chunk", copy_dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        runs.run_import(queued[0])
    run = the_run()
    assert run.state == "failed" and "stopped before the end" in run.failure
    assert run.imported == importer.BATCH == count(Response)  # the first chunk is kept
    assert run.upload_id is not None
    page = client.get(location).get_data(as_text=True)
    assert "This import failed." in page and "Run it again" in page

    monkeypatch.setattr(importer, "record_responses", real)
    monkeypatch.setattr(importer, "record_staged_chunk", real_copy)
    again = client.post(f"/import/runs/{run.id}/retry")
    assert again.status_code == 303 and queued == [run.id, run.id]
    twice = client.post(f"/import/runs/{run.id}/retry")  # a second press
    assert twice.status_code == 303 and len(queued) == 2
    runs.run_import(run.id)
    run = the_run()
    assert run.state == "done" and run.upload_id is None
    assert (run.imported, run.duplicates) == (7_000 - importer.BATCH, importer.BATCH)
    # Undated rows kept the first run's stamp, so none was added twice.
    assert count(Response) == 7_000 == count(Customer)
    assert db.session.scalar(select(func.count()).select_from(QuarterScore)) == 7_000


def test_a_running_import_whose_worker_went_silent_shows_failed_and_is_swept(
        client, marketer, queued):
    press_import(client, TEMPLATE)
    run = the_run()
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    db.session.execute(update(ImportRun).values(state="running", updated_at=long_ago))
    db.session.commit()
    assert client.get(f"/import/runs/{run.id}/status").json["state"] == "failed"
    assert runs.sweep() == (0, 1)
    db.session.commit()
    assert the_run().state == "failed" and the_run().upload_id is not None
    client.post(f"/import/runs/{run.id}/retry")
    runs.run_import(run.id)
    assert the_run().state == "done" and count(Response) == 3


def test_uploads_are_capped_per_user(app, client, marketer, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOADS_PER_USER", 3)
    for _ in range(3):
        assert upload(client, TEMPLATE).status_code == 303
    fourth = upload(client, TEMPLATE)
    assert count(ImportUpload) == 3
    page = client.get(fourth.headers["Location"]).get_data(as_text=True)
    assert "oldest waiting upload was removed" in page


def test_uploads_are_swept_after_a_day_unless_being_imported(client, marketer, queued):
    press_import(client, TEMPLATE)       # queued: its upload stays
    upload(client, TEMPLATE)             # waiting for a preview
    db.session.execute(update(ImportUpload).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    removed, _failed = runs.sweep()
    db.session.commit()
    assert removed == 1 and count(ImportUpload) == 1
    assert the_run().upload_id is not None


def test_a_run_queued_for_a_day_without_a_worker_fails_and_frees_its_upload(
        client, marketer, queued):
    press_import(client, TEMPLATE)
    db.session.execute(update(ImportRun).values(updated_at=utcnow() - timedelta(hours=25)))
    db.session.execute(update(ImportUpload).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert runs.sweep() == (1, 1)
    db.session.commit()
    run = the_run()
    assert run.state == "failed" and "No worker" in run.failure and run.upload_id is None
    page = client.get(f"/import/runs/{run.id}").get_data(as_text=True)
    assert "No worker" in page and "Run it again" not in page
    retry = client.post(f"/import/runs/{run.id}/retry", follow_redirects=True)
    assert "upload it again" in retry.get_data(as_text=True)


def test_run_pages_are_for_staff_only(client, make_user, login):
    run = ImportRun(filename="x.csv", state="queued")
    db.session.add(run)
    db.session.commit()
    anonymous = client.get(f"/import/runs/{run.id}/status")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(make_user("promoter"))
    assert client.get(f"/import/runs/{run.id}/status").status_code == 403
    assert client.post(f"/import/runs/{run.id}/retry").status_code == 403
    assert client.get("/import/runs/999999/status").status_code in (302, 403)


def test_unknown_runs_are_404(client, marketer):
    assert client.get("/import/runs/999999/status").status_code == 404
    assert client.post("/import/runs/999999/retry").status_code == 404
    assert client.get("/import/runs/99999999999/status").status_code == 404
