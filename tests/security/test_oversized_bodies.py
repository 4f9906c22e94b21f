"""Oversized bodies: a request larger than the server accepts is a 413 (a page for people,
JSON for the API), read no further, and nothing of it is stored."""

import io

import pytest
from sqlalchemy import func, select

from ambassador.extensions import db
from tests.test_route_access import _checksums as _all_checksums

LIMIT = 64 * 1024


def _checksums() -> dict:
    """Every table but api_tokens (a refused API call still marks its token as used)."""
    sums = _all_checksums()
    sums.pop("api_tokens")
    return sums


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)
    return LIMIT


def _no_leak(response) -> None:
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "RequestEntityTooLarge" not in body


def test_a_form_over_the_limit_is_a_413_page_in_the_readers_language(client, small_limit):
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * LIMIT},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 413
    assert 'lang="fr"' in response.get_data(as_text=True)
    _no_leak(response)


def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(client, make_user, login,
                                                            small_limit):
    from ambassador.imports.models import ImportUpload

    login(make_user("marketer"))
    big = io.BytesIO(b"email,score\n" + b"someone@example.com,10\n" * (LIMIT // 20))
    response = client.post("/import/", data={"file": (big, "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    _no_leak(response)
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


def test_a_body_without_content_length_is_cut_at_the_limit(client, make_user, login,
                                                          small_limit):
    """Chunked transfer: no Content-Length to refuse early, the stream is capped instead."""
    login(make_user("marketer"))
    before = _checksums()
    body = b"title=x&body=" + b"y" * (LIMIT * 2)
    response = client.post("/forum/moderation/categories", input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_base={"wsgi.input_terminated": True})  # as gunicorn does
    assert response.status_code == 413
    assert _checksums() == before


def test_the_api_refuses_a_body_over_its_limit_with_json(client, app):
    from ambassador.auth.tokens import create_api_token

    raw = create_api_token("Survey tool")[1]
    db.session.commit()
    limit = app.config["API_MAX_BODY"]
    item = '{"email": "c@example.com", "score": 9, "comment": "' + "x" * 900 + '"}'
    body = "[" + ",".join([item] * (limit // len(item) + 2)) + "]"
    before = _checksums()
    response = client.post("/api/v1/responses", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 413
    assert response.is_json and "error" in response.get_json()
    assert _checksums() == before


def test_the_api_refuses_more_than_1000_items(client):
    from ambassador.auth.tokens import create_api_token

    raw = create_api_token("Survey tool")[1]
    db.session.commit()
    items = [{"email": f"c{i}@example.com", "score": 9} for i in range(1001)]
    before = _checksums()
    response = client.post("/api/v1/responses", json=items,
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 413
    assert _checksums() == before


def test_a_huge_field_under_the_body_limit_is_a_clear_400(client, make_promoter, make_user,
                                                          login):
    from ambassador.forum import moderation

    general = moderation.save_category(make_user("marketer"), None, "General")
    db.session.commit()
    login(make_promoter())
    before = _checksums()
    response = client.post(f"/forum/c/{general.id}/new",
                           data={"title": "t" * 5000, "body": "b" * 2_000_000})
    assert response.status_code == 400
    _no_leak(response)
    assert _checksums() == before
