"""Redis down: the app keeps serving, and every rate limit keeps counting in memory (login
stays limited), with a logged warning."""

import logging
import socket

import pytest

from ambassador.extensions import limiter
from tests.conftest import PASSWORD


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_redis_down(app, monkeypatch):
    """make_redis_down(**settings) -> an app whose rate limits live in a Redis that does
    not answer (on the test database)."""
    from ambassador import create_app
    from ambassador.extensions import db
    from config import TestingConfig
    from tests.conftest import _Client

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    made = []

    def make(**settings):
        url = f"redis://127.0.0.1:{_closed_port()}/0"
        config = type("RedisDown", (TestingConfig,), {
            "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": url, **settings})
        other = create_app(config)
        other.test_client_class = _Client
        if db.engine.url.database in (None, "", ":memory:"):
            with other.app_context():
                db.create_all()
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    # The limiter is shared by every app of the session: give it a live storage back.
    limiter._storage_dead = False
    create_app(TestingConfig)


@pytest.fixture
def redis_down(make_redis_down):
    return make_redis_down()


def test_pages_are_served_while_redis_is_down(redis_down, make_user):
    client = redis_down.test_client()
    assert client.get("/login").status_code == 200
    with redis_down.app_context():
        email = make_user("promoter").email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_login_stays_limited_per_address_while_redis_is_down(redis_down, caplog):
    client = redis_down.test_client()
    caplog.set_level(logging.WARNING)
    statuses = [client.post("/login", data={"email": f"nobody{i}@example.com",
                                            "password": "wrong-password"}).status_code
                for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert "Rate limit storage unreachable" in caplog.text


def test_login_stays_limited_per_account_while_redis_is_down(redis_down, make_user):
    with redis_down.app_context():
        email = make_user("promoter").email
    wrong = {"email": email, "password": "wrong-password"}
    for attempt in range(10):  # each from its own address, as a spread-out attack would
        client = redis_down.test_client()
        env = {"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}
        assert client.post("/login", data=wrong, environ_base=env).status_code == 401
    client = redis_down.test_client()
    blocked = client.post("/login", data={"email": email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert blocked.status_code == 429


def test_the_api_keeps_its_limit_while_redis_is_down(make_redis_down):
    from ambassador.auth.tokens import create_api_token
    from ambassador.extensions import db

    app = make_redis_down(API_RATE_LIMIT="3 per minute")
    with app.app_context():
        raw = create_api_token("Survey tool")[1]
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    statuses = [client.post("/api/v1/responses", headers=headers,
                            json={"email": f"c{i}@example.com", "score": 9}).status_code
                for i in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_the_account_throttle_counts_in_memory_when_redis_fails_under_it(redis_down, caplog):
    """Even before the limiter has noticed the outage, failed logins keep being counted."""
    from ambassador.auth import throttle

    caplog.set_level(logging.WARNING)
    with redis_down.test_request_context("/login", method="POST"):
        limiter._storage_dead = False  # the limiter has not noticed yet
        for _ in range(10):
            throttle.record_login_failure("Target@Example.com")
        assert throttle.login_blocked("target@example.com")
        assert not throttle.login_blocked("someone-else@example.com")
        assert throttle.too_many_attempts("target@example.com")[1] == 429
    assert "counting failed logins in this process's memory" in caplog.text
