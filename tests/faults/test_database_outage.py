"""The database going away: a 503 page in the reader's language (JSON under /api/), no
stack trace, and the first request after it is back works again."""

import socket

import pytest
from sqlalchemy import event, text

from ambassador.extensions import db

LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlite3", "sqlalchemy", "SELECT ")


def _closed_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request, make_app):
    """An app whose database cannot be reached: PostgreSQL on a closed port, or a SQLite
    file in a folder that does not exist."""
    if request.param == "postgresql":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/ambassador"
    else:
        url = "sqlite:////nonexistent-folder/ambassador.db"
    return make_app(SQLALCHEMY_DATABASE_URI=url,
                    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                               "connect_args": _connect_args(url)})


def _connect_args(url: str) -> dict:
    return {"connect_timeout": 2} if url.startswith("postgresql") else {}


def _assert_no_leak(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body


def test_a_page_gets_a_translated_503_without_a_stack_trace(unreachable):
    client = unreachable.test_client()
    response = client.get("/widgets/demo/embed", headers={"Accept-Language": "fr"})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "Momentanément indisponible" in body
    _assert_no_leak(body)


def test_a_login_attempt_gets_the_503_page_too(unreachable):
    response = unreachable.test_client().post(
        "/login", data={"email": "ada@example.com", "password": "whatever-it-is"},
        headers={"Accept-Language": "tr"})
    assert response.status_code == 503
    assert "Kısa süreliğine kullanılamıyor" in response.get_data(as_text=True)
    _assert_no_leak(response.get_data(as_text=True))


def test_the_api_gets_a_json_503(unreachable):
    client = unreachable.test_client()
    widget = client.get("/api/v1/widgets/demo")
    posted = client.post("/api/v1/responses", json={"email": "a@example.com", "score": 9},
                         headers={"Authorization": "Bearer not-checked-yet"})
    for response in (widget, posted):
        assert response.status_code == 503
        assert response.is_json and set(response.get_json()) == {"error"}
        _assert_no_leak(response.get_data(as_text=True))


class _FailOnce:
    """Make the database fail at the N-th statement of the next request, once."""

    def __init__(self, engine, after: int, fail):
        self.left, self.fail, self.engine = after, fail, engine
        self.failed = False
        event.listen(engine, "before_cursor_execute", self)

    def __call__(self, conn, cursor, statement, *args):
        if self.failed or statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            return
        self.left -= 1
        if self.left <= 0:
            self.failed = True
            self.fail(conn)

    def remove(self):
        event.remove(self.engine, "before_cursor_execute", self)


def _terminate_backend(conn) -> None:
    """Really cut this connection from the server side, as a PostgreSQL restart does."""
    pid = conn.connection.dbapi_connection.info.backend_pid
    with db.engine.dialect.loaded_dbapi.connect(
            db.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""),
            autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _raise_disconnect(conn) -> None:
    """Fail the statement with the driver's own "connection lost" error."""
    raise db.engine.dialect.loaded_dbapi.OperationalError(
        "server closed the connection unexpectedly")


def test_the_database_failing_mid_request_is_a_503_and_the_next_request_works(
        app, client, make_promoter, login):
    promoter = login(make_promoter())
    assert client.get("/portal").status_code == 200
    kill = _terminate_backend if db.engine.dialect.name == "postgresql" else None
    failing = _FailOnce(db.engine, after=2, fail=kill or _raise_disconnect)
    try:
        broken = client.get("/portal", headers={"Accept-Language": "fr"})
    finally:
        failing.remove()
    assert failing.failed
    assert broken.status_code == 503
    _assert_no_leak(broken.get_data(as_text=True))
    # The next request gets a fresh connection and the person is still logged in.
    again = client.get("/portal")
    assert again.status_code == 200
    assert promoter.name in again.get_data(as_text=True)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_a_lost_connection_during_a_post_saves_nothing_and_a_retry_saves_once(
        app, client, make_promoter, make_user, login):
    from ambassador.forum import moderation
    from ambassador.forum.models import Thread

    login(make_promoter())
    general = moderation.save_category(make_user("marketer"), None, "General")
    db.session.commit()
    url = f"/forum/c/{general.id}/new"
    form = {"title": "Our first meetup", "body": "Who is coming?"}
    failing = _FailOnce(db.engine, after=6, fail=_raise_disconnect)
    try:
        broken = client.post(url, data=form)
    finally:
        failing.remove()
    assert broken.status_code == 503
    assert db.session.query(Thread).count() == 0
    assert client.post(url, data=form).status_code in (302, 303)
    assert db.session.query(Thread).count() == 1
