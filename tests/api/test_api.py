"""POST /api/v1/responses: token auth, validation (all-or-nothing), sizes, dates, status."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ambassador.auth.models import ApiToken
from ambassador.auth.tokens import revoke_api_token
from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.utils import utcnow
from tests.api.data import URL, count, customer, stored
from tests.conftest import utc

# --- authentication --------------------------------------------------------------------

@pytest.mark.parametrize("header, invalid", [
    (None, False), ("Bearer", False), ("Basic dXNlcjpwYXNz", False), ("amb_x", False),
    ("Bearer wrong-token", True), ("Bearer {token}x", True),
])
def test_missing_or_wrong_token_is_401_with_a_bearer_challenge(client, token, header, invalid):
    headers = {"Authorization": header.format(token=token)} if header else {}
    response = client.post(URL, json={"email": "a@example.com", "score": 9}, headers=headers)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is invalid
    assert response.get_json()["error"]
    assert count() == 0


def test_revoked_token_is_401(post):
    token = db.session.scalar(select(ApiToken))
    revoke_api_token(token.id)
    db.session.commit()
    response = post({"email": "a@example.com", "score": 9})
    assert response.status_code == 401
    assert count() == 0


def test_good_token_stores_and_records_its_use(client, token):
    response = client.post(URL, json={"email": "a@example.com", "score": 9},
                           headers={"Authorization": f"bearer  {token}"})
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_get_is_405_json(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert "error" in response.get_json()


# --- storing ---------------------------------------------------------------------------

def test_single_object_is_stored_with_every_field(post):
    response = post({
        "email": " Ayse@Example.COM ", "score": 10, "responded_at": "2026-03-01T12:00:00Z",
        "comment": "Çok iyi, très bien", "name": "Ayşe Yılmaz", "company": "İstanbul Şirketi",
        "external_id": "tf-1", "touchpoint": "relational", "contact_ref": "crm-7",
        "language": "tr",
    })
    assert response.status_code == 201
    body = response.get_json()
    (row,) = stored("ayse@example.com")
    assert body == {"created": 1, "duplicates": 0, "ids": [row.id],
                    "items": [{"index": 0, "id": row.id, "status": "created"}]}
    assert (row.score, row.source, row.comment, row.external_id, row.touchpoint,
            row.contact_ref, row.language) == (
        10, "api", "Çok iyi, très bien", "tf-1", "relational", "crm-7", "tr")
    assert row.responded_at == utc(2026, 3, 1, 12)
    assert (row.customer.name, row.customer.company) == ("Ayşe Yılmaz", "İstanbul Şirketi")


def test_list_is_stored_and_answered_in_order(post):
    response = post([{"email": "luc@example.fr", "score": 7, "name": "François Crémieux"},
                     {"email": "zoe@example.fr", "score": "9"}])
    assert response.status_code == 201
    body = response.get_json()
    assert (body["created"], body["duplicates"]) == (2, 0)
    assert [i["index"] for i in body["items"]] == [0, 1]
    assert body["ids"] == [i["id"] for i in body["items"]]
    assert customer("luc@example.fr").name == "François Crémieux"
    assert stored("zoe@example.fr")[0].score == 9


def test_sending_again_is_200_all_duplicates(post):
    items = [{"email": "a@example.com", "score": 9, "responded_at": "2026-01-05"},
             {"email": "b@example.com", "score": 3, "external_id": "x-1"}]
    first = post(items).get_json()
    response = post(items)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["duplicates"], body["ids"]) == (0, 2, [])
    assert [i["id"] for i in body["items"]] == first["ids"]
    assert {i["status"] for i in body["items"]} == {"duplicate"}
    assert count() == 2


def test_some_new_some_known_is_201(post):
    post({"email": "a@example.com", "score": 9, "external_id": "x-1"})
    response = post([{"email": "a@example.com", "score": 9, "external_id": "x-1"},
                     {"email": "a@example.com", "score": 10, "external_id": "x-2"}])
    assert response.status_code == 201
    body = response.get_json()
    assert (body["created"], body["duplicates"]) == (1, 1)
    assert [i["status"] for i in body["items"]] == ["duplicate", "created"]


def test_the_same_item_twice_in_one_request_is_stored_once(post):
    item = {"email": "a@example.com", "score": 9, "external_id": 12345}
    body = post([item, item]).get_json()
    assert (body["created"], body["duplicates"]) == (1, 1)
    assert [i["status"] for i in body["items"]] == ["created", "duplicate"]
    assert body["items"][0]["id"] == body["items"][1]["id"]
    assert stored("a@example.com")[0].external_id == "12345"


def test_status_follows_the_latest_answer(post):
    post({"email": "a@example.com", "score": 10, "responded_at": "2026-01-05T10:00:00"})
    assert customer("a@example.com").status == "active"
    post({"email": "a@example.com", "score": 5, "responded_at": "2026-02-05T10:00:00"})
    assert (customer("a@example.com").status, customer("a@example.com").latest_score) == (
        "lapsed", 5)


def test_html_in_a_comment_is_stored_as_text(post):
    comment = '<script>alert("x")</script> <b>great</b> & more'
    post({"email": "a@example.com", "score": 9, "comment": comment})
    assert stored("a@example.com")[0].comment == comment


def test_nul_characters_are_dropped_and_blank_optionals_are_absent(post):
    response = post({"email": "a@example.com", "score": 9, "comment": "ok\x00 fine",
                     "name": "  ", "company": None, "touchpoint": "", "responded_at": ""})
    assert response.status_code == 201
    row = stored("a@example.com")[0]
    assert (row.comment, row.customer.name, row.customer.company, row.touchpoint) == (
        "ok fine", None, None, None)


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("2026-03-01T02:30:00+03:00", utc(2026, 2, 28, 23, 30)),
    ("2026-03-01T02:30:00-05:00", utc(2026, 3, 1, 7, 30)),
    ("2026-03-01T02:30:00Z", utc(2026, 3, 1, 2, 30)),
    ("2026-03-01T02:30:00", utc(2026, 3, 1, 2, 30)),
    ("2026-03-01 02:30", utc(2026, 3, 1, 2, 30)),
    ("2026-03-01T02:30:00.250+0100", utc(2026, 3, 1, 1, 30, 0, 250000)),
    ("2026-03-01", utc(2026, 3, 1)),
])
def test_responded_at_is_stored_in_utc(post, raw, expected):
    assert post({"email": "a@example.com", "score": 9, "responded_at": raw}).status_code == 201
    assert stored("a@example.com")[0].responded_at == expected


def test_responded_at_defaults_to_now(post):
    before = utcnow()
    post({"email": "a@example.com", "score": 9})
    assert before - timedelta(seconds=1) <= stored("a@example.com")[0].responded_at <= utcnow()


@pytest.mark.parametrize("raw", ["24/11/2026", "2026-02-30", "2026-11-24T25:00", "yesterday",
                                 "2099-01-01", "2026-11-24T10:00:00+3", 1764000000])
def test_bad_dates_are_400(post, raw):
    response = post({"email": "a@example.com", "score": 9, "responded_at": raw})
    assert response.status_code == 400
    (error,) = response.get_json()["errors"]
    assert error["field"] == "responded_at"


# --- validation ------------------------------------------------------------------------

@pytest.mark.parametrize("score", [0, 10, "9", "10", 9.0])
def test_accepted_scores(post, score):
    assert post({"email": "a@example.com", "score": score}).status_code == 201


@pytest.mark.parametrize("score", [9.5, True, False, None, -1, 11, "abc", "9.5", " 9", "",
                                   [9], {"value": 9}, 10**30])
def test_rejected_scores(post, score):
    response = post({"email": "a@example.com", "score": score})
    assert response.status_code == 400
    (error,) = response.get_json()["errors"]
    assert (error["index"], error["field"]) == (0, "score")
    assert "score" in error["message"]
    assert count() == 0


def test_a_score_too_large_for_a_float_is_an_item_error(post):
    response = post(b'{"email": "a@example.com", "score": 1e400}', raw=True)
    assert response.status_code == 400
    assert [e["field"] for e in response.get_json()["errors"]] == ["score"]


def test_one_bad_item_stores_nothing_and_lists_every_problem(post):
    response = post([
        {"email": "good@example.com", "score": 9},
        {"email": "not-an-email", "score": 11},
        {"email": "fine@example.com", "score": 8, "scroe": 8},
        "just a string",
    ])
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "3 of 4 items are invalid; nothing was stored."
    problems = {(e["index"], e["field"]) for e in body["errors"]}
    assert problems == {(1, "email"), (1, "score"), (2, "scroe"), (3, None)}
    typo = next(e for e in body["errors"] if e["field"] == "scroe")
    assert '"score"' in typo["message"]
    assert count() == 0 and count(Customer) == 0


@pytest.mark.parametrize("item, field", [
    ({"score": 9}, "email"),
    ({"email": "a@example.com"}, "score"),
    ({"email": 42, "score": 9}, "email"),
    ({"email": "a@example.com\n", "score": 9}, None),  # trailing whitespace is trimmed
    ({"email": "a\x01b@example.com", "score": 9}, "email"),
    ({"email": "x" * 250 + "@example.com", "score": 9}, "email"),
    ({"email": "a@example.com", "score": 9, "comment": "x" * 10_001}, "comment"),
    ({"email": "a@example.com", "score": 9, "name": "x" * 256}, "name"),
    ({"email": "a@example.com", "score": 9, "company": ["Acme"]}, "company"),
    ({"email": "a@example.com", "score": 9, "language": "x" * 36}, "language"),
    ({"email": "a@example.com", "score": 9, "touchpoint": "Relational"}, "touchpoint"),
    ({"email": "a@example.com", "score": 9, "external_id": 1.5}, "external_id"),
    ({"email": "a@example.com", "score": 9, "external_id": 2**64}, "external_id"),
    ({"email": "a@example.com", "score": 9, "contact_ref": {"id": [{"x": None}]}}, "contact_ref"),
    ({"email": "a@example.com", "score": 9, "comment": "\ud800"}, "comment"),
])
def test_item_problems(post, item, field):
    response = post(item)
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert count() == 0


def test_longest_allowed_strings_are_stored(post):
    response = post({"email": "a@example.com", "score": 9, "comment": "é" * 10_000,
                     "name": "ş" * 255, "language": "x" * 35})
    assert response.status_code == 201
    assert len(stored("a@example.com")[0].comment) == 10_000


def test_many_unknown_fields_are_summarised(post):
    item = {"email": "a@example.com", "score": 9, **{f"extra{i}": i for i in range(50)}}
    errors = post(item).get_json()["errors"]
    assert len(errors) == 11 and errors[-1]["field"] is None
    assert "40 more" in errors[-1]["message"]


def test_error_list_is_capped(post):
    response = post([{"score": "x", "email": None}] * 600)
    body = response.get_json()
    assert response.status_code == 400 and len(body["errors"]) == 1000
    assert "first 1,000 of 1,200 problems" in body["error"]


@pytest.mark.parametrize("raw, message", [
    ("0001-01-01", "responded_at is before 2000"),
    ("1999-12-31T23:59:59Z", "responded_at is before 2000"),
    ((utcnow() + timedelta(days=2)).date().isoformat(), "responded_at is in the future"),
])
def test_responded_at_runs_from_2000_to_one_day_ahead(post, raw, message):
    response = post({"email": "a@example.com", "score": 9, "responded_at": raw})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["message"].startswith(message)
    assert post({"email": "a@example.com", "score": 9,
                 "responded_at": "2000-01-01"}).status_code == 201


@pytest.mark.parametrize("email", ["a\u200b@example.com", "\u212aate@example.com",
                                   "bob\u202e@example.com"])
def test_emails_with_hidden_or_folding_characters_are_400(post, email):
    response = post({"email": email, "score": 9})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "email"
