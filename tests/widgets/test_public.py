"""What websites load: the widget JSON contract, caching, consent, CORS, embed and snippet."""

import pytest
from sqlalchemy import event

from ambassador.extensions import db
from ambassador.testimonials import services as testimonials
from ambassador.widgets import services

CONTRACT_ITEM = {"id", "body", "rating", "author_name", "author_title", "photo_url", "date",
                 "verified_promoter"}


def test_the_json_follows_the_contract(client, publish, make_widget):
    publish(body="Honest advice, every single time.", rating=4)
    publish(body="Fast answers from people who care.", rating=5)
    make_widget(key="demo")
    response = client.get("/api/v1/widgets/demo")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert {"key", "layout", "theme"} <= set(data["widget"]) and data["widget"]["key"] == "demo"
    assert [set(t) >= CONTRACT_ITEM for t in data["testimonials"]] == [True, True]
    assert data["aggregate"] == {"count": 2, "average_rating": 4.5}
    assert data["testimonials"][0]["verified_promoter"] is True


def test_any_origin_no_cookie_cached_publicly(client, publish, make_widget, make_user, login):
    publish()
    make_widget(key="demo")
    login(make_user("marketer"))  # even with a session cookie in the jar
    response = client.get("/api/v1/widgets/demo", headers={"Origin": "https://shop.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60"


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WIDGET_CACHE_SECONDS", 60)


def test_etag_and_304(client, publish, make_widget):
    publish()
    make_widget(key="demo")
    first = client.get("/api/v1/widgets/demo")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/widgets/demo", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_etag_changes_when_what_is_shown_changes(client, publish, make_widget):
    shown = publish()
    make_widget(key="demo")
    before = client.get("/api/v1/widgets/demo").headers["ETag"]
    testimonials.withdraw(shown)
    db.session.commit()
    after = client.get("/api/v1/widgets/demo")
    assert after.headers["ETag"] != before and after.get_json()["testimonials"] == []


def test_unknown_and_switched_off_keys_are_404_json(client, publish, make_widget):
    make_widget(key="off", enabled=False)
    for key in ("nope", "off", "DEMO", "d%C3%A9mo", "x" * 300):
        response = client.get(f"/api/v1/widgets/{key}")
        assert response.status_code == 404 and "error" in response.get_json()
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_only_approved_and_only_what_was_consented(client, publish, make_widget):
    publish(body="Pending words, not yet approved.", status="pending")
    publish(body="Rejected words, never to be shown.", status="rejected")
    publish(body="Published without my name, please.",
            consents={"name": False, "company": False, "photo": False})
    make_widget(key="demo")
    data = client.get("/api/v1/widgets/demo").get_json()
    assert [t["body"] for t in data["testimonials"]] == ["Published without my name, please."]
    item = data["testimonials"][0]
    assert item["author_name"] is None and item["author_title"] is None
    assert item["photo_url"] is None
    assert "Author" not in client.get("/api/v1/widgets/demo").get_data(as_text=True)


def test_hidden_fields_are_not_sent(client, publish, make_widget):
    publish()
    make_widget(key="demo", show_rating=False, show_date=False, show_verified=False)
    item = client.get("/api/v1/widgets/demo").get_json()["testimonials"][0]
    assert (item["rating"], item["date"], item["verified_promoter"]) == (None, None, False)


def test_the_domain_allow_list_is_checked_on_origin_and_referer(client, publish, make_widget):
    publish()
    make_widget(key="demo", allowed_domains=["shop.example", "*.acme.example"])
    ok = {"Origin": "https://shop.example"}
    assert client.get("/api/v1/widgets/demo", headers=ok).status_code == 200
    assert client.get("/api/v1/widgets/demo",
                      headers={"Referer": "https://www.acme.example/page"}).status_code == 200
    refused = client.get("/api/v1/widgets/demo", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert client.get("/api/v1/widgets/demo").status_code == 200  # no Origin: a courtesy


def test_a_cache_hit_runs_no_query_and_withdrawal_shows_after_the_lifetime(
        cache_on, client, publish, make_widget, monkeypatch):
    shown = publish()
    make_widget(key="demo")
    assert len(client.get("/api/v1/widgets/demo").get_json()["testimonials"]) == 1
    testimonials.withdraw(shown)
    db.session.commit()
    queries = []
    listener = lambda *args: queries.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        cached = client.get("/api/v1/widgets/demo").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(cached["testimonials"]) == 1 and queries == []  # within the minute: cached
    clock = services.time.monotonic() + 61
    monkeypatch.setattr(services.time, "monotonic", lambda: clock)
    assert client.get("/api/v1/widgets/demo").get_json()["testimonials"] == []


def test_the_script_is_served_cacheable(client):
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["ETag"] and "max-age=86400" in response.headers["Cache-Control"]
    assert b"attachShadow" in response.data and b"innerHTML" not in response.data


def test_only_the_embed_page_may_be_framed(client, publish, make_widget):
    publish()
    make_widget(key="demo")
    make_widget(key="shop", allowed_domains=["shop.example"])
    embed = client.get("/widgets/demo/embed")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    listed = client.get("/widgets/shop/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example http://shop.example" in listed
    assert "frame-ancestors 'none'" in client.get("/login").headers["Content-Security-Policy"]
    assert client.get("/widgets/nope/embed").status_code == 404


def test_the_snippet_shows_markup_as_text(client, publish, make_widget):
    publish(body="<img src=x onerror=alert(1)> great service")
    make_widget(key="demo")
    html = client.get("/widgets/demo/snippet.html").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; great service" in html and "<img src=x" not in html
    assert "application/ld+json" not in html


@pytest.mark.parametrize("product_type", ["Product", "SoftwareApplication"])
def test_structured_data_only_for_a_named_product(client, publish, make_widget, product_type):
    publish(rating=4)
    make_widget(key="demo", product_type=product_type, product_name="Ambassador Cloud")
    html = client.get("/widgets/demo/snippet.html").get_data(as_text=True)
    assert "application/ld+json" in html and f'"@type": "{product_type}"' in html
    assert '"AggregateRating"' in html and '"ratingValue": 4.0' in html
