"""Cache hits answered in front of Flask: the same answer as the app's, nothing else run."""

import re

import pytest

from ambassador.extensions import db
from ambassador.widgets import services

NONCE = re.compile(r"'nonce-[\w-]+'")


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WIDGET_CACHE_SECONDS", 60)


@pytest.fixture
def flask_runs(app):
    """How many requests reached Flask's before_request since the fixture started."""
    calls = []
    app.before_request_funcs.setdefault(None, []).append(lambda: calls.append(1) and None)
    yield calls
    app.before_request_funcs[None].pop()


def same_headers(response) -> dict:
    """The headers, with the request's own nonce and date taken out."""
    headers = {name: value for name, value in response.headers.items() if name != "Date"}
    headers["Content-Security-Policy"] = NONCE.sub("NONCE", headers["Content-Security-Policy"])
    return headers


def test_a_cache_hit_is_the_apps_own_answer_without_running_flask(
        cache_on, client, publish, make_widget, flask_runs):
    publish()
    make_widget(key="demo")
    first = client.get("/api/v1/widgets/demo")
    etag = first.headers["ETag"]
    first_304 = client.get("/api/v1/widgets/demo", headers={"If-None-Match": etag})
    assert len(flask_runs) == 2
    again = client.get("/api/v1/widgets/demo")
    again_304 = client.get("/api/v1/widgets/demo", headers={"If-None-Match": etag})
    assert len(flask_runs) == 2  # both replayed
    assert again.data == first.data and again.status_code == 200
    assert same_headers(again) == same_headers(first)
    assert again_304.status_code == 304 and again_304.data == b""
    assert same_headers(again_304) == same_headers(first_304)
    assert "Set-Cookie" not in again.headers and again.headers["Date"]
    nonces = {NONCE.search(r.headers["Content-Security-Policy"]).group()
              for r in (first, again, client.get("/api/v1/widgets/demo"))}
    assert len(nonces) == 3  # each answer its own nonce


def test_the_script_is_replayed_with_its_headers(client, flask_runs):
    first = client.get("/widget.js")
    again = client.get("/widget.js")
    not_modified = client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.data == first.data and same_headers(again) == same_headers(first)
    assert not_modified.status_code == 304
    assert len(flask_runs) <= 2


def test_the_allow_list_is_still_checked_on_a_cache_hit(
        cache_on, client, publish, make_widget, flask_runs):
    publish()
    make_widget(key="shop", allowed_domains=["shop.example"])
    allowed = {"Origin": "https://shop.example"}
    assert client.get("/api/v1/widgets/shop", headers=allowed).status_code == 200
    assert client.get("/api/v1/widgets/shop", headers=allowed).status_code == 200
    assert len(flask_runs) == 1
    other = client.get("/api/v1/widgets/shop", headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and len(flask_runs) == 2


def test_unusual_requests_and_a_switched_off_cache_go_through_flask(
        app, client, publish, make_widget, flask_runs, monkeypatch):
    publish()
    make_widget(key="demo")
    for _ in range(2):
        client.get("/api/v1/widgets/demo")  # WIDGET_CACHE_SECONDS is 0 in tests
    assert len(flask_runs) == 2
    monkeypatch.setitem(app.config, "WIDGET_CACHE_SECONDS", 60)
    client.get("/api/v1/widgets/demo")
    for extra in ({"query_string": "x=1"}, {"headers": {"Range": "bytes=0-10"}},
                  {"headers": {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}}):
        assert client.get("/api/v1/widgets/demo", **extra).status_code == 200
    assert client.head("/api/v1/widgets/demo").status_code == 200
    assert len(flask_runs) == 7


def test_a_changed_widget_is_served_fresh_at_once_in_this_process(
        cache_on, client, publish, make_widget):
    publish()
    widget = make_widget(key="demo")
    assert client.get("/api/v1/widgets/demo").get_json()["widget"]["layout"] == "grid"
    client.get("/api/v1/widgets/demo")
    services.update_widget(widget, {**services._snapshot(widget), "layout": "list"})
    db.session.commit()
    assert client.get("/api/v1/widgets/demo").get_json()["widget"]["layout"] == "list"


def test_the_snippet_is_rendered_once_per_lifetime_without_a_query(
        cache_on, client, publish, make_widget, monkeypatch):
    from sqlalchemy import event

    from ambassador.testimonials import services as testimonials

    shown = publish(body="Words worth pasting on any page.")
    widget = make_widget(key="demo")
    assert "Words worth pasting" in client.get("/widgets/demo/snippet.html").get_data(True)
    testimonials.withdraw(shown)
    db.session.commit()
    queries = []
    listener = lambda *args: queries.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        cached = client.get("/widgets/demo/snippet.html").get_data(True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Words worth pasting" in cached and queries == []
    services.update_widget(widget, {**services._snapshot(widget), "name": "Renamed"})
    db.session.commit()  # an edit drops this process's copy at once
    assert "Words worth pasting" not in client.get("/widgets/demo/snippet.html").get_data(True)
    publish(body="Another voice, approved later.")
    clock = services.time.monotonic() + 61
    monkeypatch.setattr(services.time, "monotonic", lambda: clock)
    assert "Another voice" in client.get("/widgets/demo/snippet.html").get_data(True)
