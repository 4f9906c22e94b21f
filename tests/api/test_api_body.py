"""POST /api/v1/responses: the body as a whole (JSON, content types, sizes) and rate limits."""

import io
import json

import pytest
from werkzeug.test import EnvironBuilder

from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db
from tests.api.data import URL, count, customer

# --- the body as a whole ---------------------------------------------------------------

@pytest.mark.parametrize("raw, words", [
    (b"", "empty"),
    (b"   ", "empty"),
    (b"null", "not null"),
    (b"42", "not a number"),
    (b'"hello"', "not a string"),
    (b"true", "not a boolean"),
    (b"[]", "No items"),
    (b'{"email": "a@example.com", "score": 9', "not valid JSON"),
    (b"{'email': 'a@example.com'}", "not valid JSON"),
    (b'{"email": "a@example.com", "score": NaN}', "NaN"),
    (b'{"email": "a@example.com", "score": 9, "score": 2}', 'the key "score" appears twice'),
    (b'[{"email": "b@example.com", "score": 9}, {"email": "a@example.com", "email": "c@x.io",'
     b' "score": 9}]', 'the key "email" appears twice'),
    (b'{"email": "a@example.com", "score": 9' + b"9" * 5000 + b"}", "too long"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"email": "a@example.com", "score": 9, "name": "\xff\xfe"}', "UTF-8"),
    (b'{"email": "a@example.com", "score": 9, "name": "Fran\xe7ois"}', "UTF-8"),
])
def test_unusable_bodies_are_400(post, raw, words):
    response = post(raw, raw=True)
    assert response.status_code == 400
    assert words in response.get_json()["error"]
    assert count() == 0


def test_utf8_bom_is_accepted(post):
    raw = "\ufeff" + json.dumps({"email": "a@example.com", "score": 9, "name": "Gülşen"})
    assert post(raw.encode(), raw=True).status_code == 201
    assert customer("a@example.com").name == "Gülşen"


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1",
])
def test_wrong_content_type_is_415(post, content_type):
    response = post({"email": "a@example.com", "score": 9}, content_type=content_type)
    assert response.status_code == 415
    assert "error" in response.get_json()
    assert count() == 0


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/vnd.api+json"])
def test_json_content_types_are_accepted(post, content_type):
    assert post({"email": "a@example.com", "score": 9},
                content_type=content_type).status_code == 201


def test_too_large_body_is_413(app, post):
    limit = app.config["API_MAX_BODY"]
    item = {"email": "a@example.com", "score": 9, "comment": "x" * (limit + 10)}
    response = post(item)
    assert response.status_code == 413
    assert "2 MiB" in response.get_json()["error"]
    assert count() == 0


def test_too_large_body_without_content_length_is_413(app, client, token):
    """A chunked body (no Content-Length) is measured while it is read."""

    def chunked(item):
        environ = EnvironBuilder(
            path=URL, method="POST", input_stream=io.BytesIO(json.dumps(item).encode()),
            content_type="application/json", headers={"Authorization": f"Bearer {token}"},
        ).get_environ()
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        return client.open(environ)

    big = "x" * app.config["API_MAX_BODY"]
    assert chunked({"email": "a@example.com", "score": 9, "comment": big}).status_code == 413
    assert chunked({"email": "a@example.com", "score": 9}).status_code == 201


def test_a_thousand_items_are_accepted_and_one_more_is_413(post):
    items = [{"email": f"c{i}@example.com", "score": i % 11} for i in range(1001)]
    response = post(items)
    assert response.status_code == 413
    assert "at most 1,000" in response.get_json()["error"]
    assert count() == 0
    response = post(items[:1000])
    assert response.status_code == 201
    assert response.get_json()["created"] == 1000 == count()


def test_rate_limit_is_keyed_by_the_tokens_id_however_the_header_is_spelt(app):
    from ambassador.api.views import _rate_key

    one, secret_one = create_api_token("one")
    _two, secret_two = create_api_token("two")
    db.session.commit()

    def key(header, address="192.0.2.1"):
        headers = {"Authorization": header} if header is not None else {}
        with app.test_request_context(URL, headers=headers,
                                      environ_base={"REMOTE_ADDR": address}):
            return _rate_key()

    spellings = [f"Bearer {secret_one}", f"bearer {secret_one}", f"Bearer  {secret_one}",
                 f"BEARER {secret_one} ", f"  Bearer {secret_one}"]
    assert {key(h) for h in spellings} == {f"api-token:{one.id}"}
    assert key(f"Bearer {secret_two}") != key(f"Bearer {secret_one}")
    assert key(f"Bearer {secret_one}", "198.51.100.7") == f"api-token:{one.id}"
    # Without a live token, requests count per address (guessing tokens is limited too).
    assert key(None) == key("Bearer amb_guess") == key("bearer amb_other") == "api-addr:192.0.2.1"


def test_changing_the_header_spelling_does_not_reset_the_count(make_app):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        _token, secret = create_api_token("Typeform")
        db.session.commit()
    client = app.test_client()
    item = {"email": "a@example.com", "score": 9, "external_id": "tf-1"}
    statuses = [client.post(URL, json=item, headers={"Authorization": header}).status_code
                for header in (f"Bearer {secret}", f"bearer {secret}", f"Bearer  {secret}",
                               f"BEARER {secret}")]
    assert statuses == [201, 200, 200, 429]
