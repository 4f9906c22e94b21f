"""Shared fixtures: the app (schema built by the migrations), clients, factories, SMTP."""

import os
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from ambassador import create_app
from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.mail.models import OutboxMessage

PASSWORD = "correct-horse-battery"


def refuse_unless_test_database(name: str | None) -> None:
    """Stop before emptying a database whose name does not say it is for tests."""
    if "test" not in (name or "").lower():
        pytest.exit(f"TEST_DATABASE_URL names the database {name!r}: the tests empty the "
                    "database they run on (DROP SCHEMA public CASCADE), so its name must "
                    "contain 'test'.", returncode=2)


@pytest.fixture(scope="session")
def app():
    """The application, once per session, on TEST_DATABASE_URL or in-memory SQLite."""
    app = create_app("testing")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            refuse_unless_test_database(db.engine.url.database)
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    """Each test starts from empty tables, on SQLite and on PostgreSQL alike."""
    yield
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        empty_tables(conn)


def empty_tables(conn) -> None:
    """Delete every row, children first (on PostgreSQL, audit entries only allow it in a
    transaction that says it is maintenance: see the append-only migration)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL ambassador.audit_maintenance = 'on'"))
    for table in reversed(db.metadata.sorted_tables):
        conn.execute(table.delete())


class _Client(FlaskClient):
    """Each request runs in its own app context (its own `g` and db session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _Client
    return app.test_client()


@pytest.fixture
def make_app(app, monkeypatch):
    """Factory: make_app(**settings) -> another app on the test database with these settings.

    For settings read when the app is built (BASE_URL, RATELIMIT_ENABLED=True, CSRF …).
    Building an app sets the shared limiter's `enabled`; monkeypatch puts it back.
    """
    from ambassador.extensions import limiter
    from config import TestingConfig

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    made = []

    def make(**settings):
        config = type("CustomConfig", (TestingConfig,), settings)
        other = create_app(config)
        other.test_client_class = _Client
        with other.app_context():
            if db.engine.url.database in (None, "", ":memory:"):
                db.create_all()  # its own in-memory database
            if settings.get("RATELIMIT_ENABLED"):
                limiter.reset()
        made.append(other)
        return other

    yield make
    if any(other.config.get("RATELIMIT_ENABLED") for other in made):
        limiter.reset()
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user():
    """Factory: make_user(role="marketer", email=None, password=PASSWORD, **kw) -> User."""
    counter = iter(range(1, 10_000))

    def make(role="marketer", email=None, password=PASSWORD, name="", **kw):
        email = email or f"{role}{next(counter)}@example.com"
        user = accounts.create_user(email, role, name or email.split("@")[0].title(),
                                    password=password, **kw)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """login(user, password=PASSWORD): log the test client in through the real form."""

    def do_login(user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do_login


@pytest.fixture
def outbox():
    """outbox() -> the queued messages, oldest first."""

    def messages(to=None):
        query = db.select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_addr == to)
        return list(db.session.scalars(query))

    return messages


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives."""
    from tests.smtp import RecordingSMTPServer

    server = RecordingSMTPServer()
    server.start()
    yield server
    server.stop()


def utc(*args) -> datetime:
    """datetime(*args) in UTC, for tests."""
    from datetime import UTC

    return datetime(*args, tzinfo=UTC)


def pytest_collection_modifyitems(config, items):
    """Browser tests live in tests/browser and carry the `browser` marker."""
    for item in items:
        if f"{os.sep}browser{os.sep}" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def make_response():
    """Factory: make_response(score=10, email=None, responded_at=None, **fields) -> Response."""
    from ambassador.nps.services import record_response

    counter = iter(range(1, 100_000))

    def make(score=10, email=None, source="import", **fields):
        values = {"email": email or f"customer{next(counter)}@example.com", "score": score}
        values.update(fields)
        response = record_response(values, source)
        db.session.commit()
        return response

    return make


@pytest.fixture
def make_promoter(make_response, make_user):
    """Factory: make_promoter(score=10, email=None, **kw) -> a promoter User with a customer."""

    def make(score=10, email=None, **kw):
        response = make_response(score=score, email=email, **kw)
        return make_user("promoter", email=response.customer.email,
                         customer_id=response.customer_id)

    return make


@pytest.fixture
def race_app(make_app, tmp_path):
    """An app for real concurrent requests: the PostgreSQL test database, or a SQLite file.

    In-memory SQLite is one connection shared by every session, so on SQLite the races
    run on a database file instead (WAL and a busy timeout, as in production).
    """
    if db.engine.dialect.name == "postgresql":
        return make_app()
    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'race.db'}")
    with other.app_context():
        db.create_all()
    return other
