"""In Chromium: a 100,000-row web import runs on a real worker behind a live progress bar."""

import csv
import re
import uuid

import pytest
from sqlalchemy import func, select

from ambassador import jobs
from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.models import Response
from tests.conftest import PASSWORD
from tests.worker import running_worker

ROWS = 100_000


@pytest.fixture
def queue_on_a_worker(live_app, tmp_path):
    """The live server queues jobs in a SQLite file that a real worker process consumes."""
    saved = {k: live_app.config[k] for k in ("JOBS_IMMEDIATE", "JOBS_SQLITE_PATH", "JOBS_NAME")}
    settings = {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"),
                "JOBS_NAME": f"browser-{uuid.uuid4().hex[:8]}"}
    live_app.config.update(JOBS_IMMEDIATE=False, **settings)
    jobs.init_app(live_app)
    try:
        with running_worker(live_app.config["SQLALCHEMY_DATABASE_URI"],
                            tmp_path / "worker.log", **settings):
            yield
    finally:
        live_app.config.update(saved)
        jobs.init_app(live_app)


def _export(path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["Timestamp", "Email Address", "How likely are you to recommend us?"])
        for i in range(rows):
            out.writerow([f"2026-{1 + i % 9:02d}-{1 + i % 28:02d} 10:{i % 60:02d}:00",
                          f"person{i}@example.com", str(i % 11)])


def test_a_big_web_import_shows_a_moving_progress_bar_then_the_result(
        page, live_server, live_app, queue_on_a_worker, tmp_path, screenshots):
    from playwright.sync_api import expect

    accounts.create_user("margaux@example.com", "marketer", "Margaux Lefèvre",
                         password=PASSWORD)
    db.session.commit()
    export = tmp_path / "yearly-export.csv"
    _export(export, ROWS)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("margaux@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/import/")
    page.set_input_files("input[type=file]", str(export))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("button", name="Import 100,000 rows")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Import 100,000 rows").click()

    expect(page).to_have_url(re.compile(r"/import/runs/\d+$"))
    run_url = page.url
    bar = page.locator("progress.import-progress-bar")
    expect(bar).to_be_visible()
    page.wait_for_function(
        "() => { const b = document.querySelector('progress');"
        " return b && b.value > 0 && b.value < b.max; }", timeout=60_000)
    assert page.url == run_url  # the bar moved without a page load
    page.screenshot(path=screenshots / "import-progress.png", full_page=True)
    read = int(page.locator('[data-field="rows_read"]').inner_text().replace(",", ""))
    assert 0 < read < ROWS

    expect(page.get_by_role("heading", name=re.compile("Import of"))).to_be_visible(
        timeout=180_000)
    expect(page.locator(".import-count-ok .import-count-n")).to_have_text("100,000")
    page.screenshot(path=screenshots / "import-result.png", full_page=True)
    assert db.session.scalar(select(func.count()).select_from(Response)) == ROWS

    page.goto(f"{live_server.url}/import/")
    expect(page.locator(".import-state-done")).to_have_text("done")
