"""Fixtures of the API tests: a live token, and posting with it."""

import json

import pytest

from ambassador.auth.tokens import create_api_token
from ambassador.extensions import db
from tests.api.data import URL


@pytest.fixture
def token():
    """A live API token's secret."""
    _, secret = create_api_token("Typeform")
    db.session.commit()
    return secret


@pytest.fixture
def post(client, token):
    """post(body, raw=False, content_type=…): POST JSON (or raw bytes) with the token."""

    def send(body, raw=False, content_type="application/json"):
        return client.post(URL, data=body if raw else json.dumps(body),
                           headers={"Authorization": f"Bearer {token}"}, content_type=content_type)

    return send
