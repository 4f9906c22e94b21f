"""Browser fixtures: the app served by a real HTTP server, and headless Chromium.

The live server is a second application (TestingConfig with CSRF on) on its own
database: a SQLite file in a temporary folder, or TEST_DATABASE_URL, with the schema
built by the migrations. BASE_URL is the server's own address, so mailed links work.
Without Chromium or Playwright the tests are skipped, except under CI=true where they
fail: a CI run must not pass by testing nothing.
"""

import os
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

import config
from ambassador import create_app
from ambassador.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    message = f"browser tests need {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: refusing to skip)", pytrace=False)
    pytest.skip(message)


class LiveServer:
    """A werkzeug server running the app in a thread; `.url` is its address."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The application behind a real HTTP server on 127.0.0.1 (a free port)."""
    database = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('live') / 'ambassador.db'}")

    class LiveConfig(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = database
        WTF_CSRF_ENABLED = True  # the real forms, tokens included

    app = create_app(LiveConfig)
    server = LiveServer(app)
    app.config["BASE_URL"] = server.url
    with app.app_context():
        upgrade()
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_app(live_server):
    """The live server's app, its context pushed; its tables are emptied after the test."""
    app = live_server.app
    with app.app_context():
        yield app
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    app.config["MAIL_URL"] = config.TestingConfig.MAIL_URL


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the distribution, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the tests save screenshots ($SCREENSHOT_DIR, or a temporary folder)."""
    chosen = os.environ.get("SCREENSHOT_DIR")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser, live_app):
    """A fresh browser tab (its own cookies) with a 10-second default timeout."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
