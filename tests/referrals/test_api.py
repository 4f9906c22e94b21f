"""POST /api/v1/conversions: bearer token, validation, exactly once (also with 20 calls at once)."""

import json
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db
from ambassador.referrals.models import Referral, RewardEntry
from tests.conftest import _Client
from tests.mail import IN_MEMORY_SQLITE

URL = "/api/v1/conversions"


@pytest.fixture
def secret():
    _, raw = create_api_token("Shop")
    db.session.commit()
    return raw


@pytest.fixture
def convert(client, secret):
    def send(body, raw=False, token=True, content_type="application/json"):
        headers = {"Authorization": f"Bearer {secret}"} if token else {}
        return client.post(URL, data=body if raw else json.dumps(body), headers=headers,
                           content_type=content_type)
    return send


def test_a_conversion_by_email_rewards_the_ambassador_once(convert, make_referral,
                                                           make_shareable):
    referral = make_referral(offer=make_shareable(reward=("credit", "9.90")),
                             email="luc@example.org")
    first = convert({"email": " LUC@example.org "})
    assert first.status_code == 201
    body = first.get_json()
    assert body["referral_id"] == referral.id and body["status"] == "converted"
    assert body["reward"]["kind"] == "credit" and body["reward"]["amount"] == 990
    assert body["reward"]["state"] == "pending" and body["no_reward_reason"] is None
    second = convert({"referral_id": referral.id})
    assert second.status_code == 200 and second.get_json()["status"] == "already_converted"
    assert db.session.scalar(select(func.count()).select_from(RewardEntry)) == 1


@pytest.mark.parametrize(("body", "status", "words"), [
    ({}, 400, "exactly one of email and referral_id"),
    ({"email": "a@example.org", "referral_id": 1}, 400, "exactly one"),
    ({"email": "not an email"}, 400, "email"),
    ({"referral_id": "12"}, 400, "referral_id must be a whole number"),
    ({"referral_id": 2**40}, 400, "referral_id must be a whole number"),
    ({"emial": "a@example.org"}, 400, "unknown field"),
    ([{"email": "a@example.org"}, {"email": "b@example.org"}], 400, "one conversion object"),
    ({"email": "nobody@example.org"}, 404, "No referral has this email"),
    ({"referral_id": 999999}, 404, "does not exist"),
])
def test_bad_conversions_get_a_clear_answer(convert, body, status, words):
    response = convert(body)
    assert response.status_code == status
    assert words in json.dumps(response.get_json())


def test_the_body_and_token_rules_of_the_api_apply(convert):
    assert convert({"email": "a@example.org"}, token=False).status_code == 401
    assert convert(b"{not json", raw=True).status_code == 400
    assert convert(b"email=a", raw=True, content_type="text/plain").status_code == 415


def test_an_ineligible_referral_answers_409(convert, make_link):
    from ambassador.referrals import services

    link = make_link()
    services.sign_up(link, {"name": "Me", "email": link.user.email, "consent": True},
                     "203.0.113.7", "en")
    db.session.commit()
    response = convert({"email": link.user.email})
    assert response.status_code == 409 and "not eligible" in response.get_json()["error"]


def test_the_openapi_document_describes_conversions(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operation = document["paths"]["/api/v1/conversions"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "201", "400", "401", "404", "409", "429"} <= set(operation["responses"])
    assert document["components"]["schemas"]["Conversion"]["oneOf"]


@pytest.mark.skipif(IN_MEMORY_SQLITE, reason="in-memory SQLite is one shared connection; "
                    "run with TEST_DATABASE_URL on PostgreSQL")
def test_twenty_conversion_calls_at_once_convert_and_reward_once(app, secret, make_referral,
                                                               make_shareable):
    referral_id = make_referral(offer=make_shareable(reward=("points", "100"))).id
    start, results, errors = threading.Barrier(20), [], []

    def call():
        client = _Client(app, app.response_class)
        try:
            start.wait()
            response = client.post(URL, json={"referral_id": referral_id},
                                   headers={"Authorization": f"Bearer {secret}"})
            results.append(response.status_code)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Counter(results) == {201: 1, 200: 19}
    with app.app_context():
        rewards = db.session.scalars(select(RewardEntry)).all()
        assert [(r.referral_id, r.amount, r.state) for r in rewards] == \
            [(referral_id, 100, "pending")]
        assert db.session.get(Referral, referral_id).converted_at is not None
