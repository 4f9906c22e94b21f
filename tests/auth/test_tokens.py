"""API tokens without a browser: created once, stored as a hash, revocable."""

import pytest
from sqlalchemy import select

from ambassador.auth import services, tokens
from ambassador.auth.models import ApiToken
from ambassador.extensions import db
from ambassador.utils import NotFound, ServiceError, hash_token


def test_api_token_is_stored_only_as_a_hash(app):
    token, secret = tokens.create_api_token("  Typeform  ")
    assert token.name == "Typeform"
    assert secret.startswith("amb_") and len(secret) > 40
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(secret)
    assert secret not in (row.name, row.prefix, row.token_hash) and secret[:8] == row.prefix
    assert tokens.authenticate_api_token(secret) is token
    assert token.last_used_at is not None


@pytest.mark.parametrize("raw", [None, "", "amb_wrong", "x" * 10_000])
def test_unknown_api_tokens_are_refused(app, raw):
    tokens.create_api_token("Typeform")
    assert tokens.authenticate_api_token(raw) is None


def test_revoked_api_token_is_refused(app):
    token, secret = tokens.create_api_token("Typeform")
    tokens.revoke_api_token(token.id)
    assert token.revoked_at is not None
    assert tokens.authenticate_api_token(secret) is None
    tokens.revoke_api_token(token.id)  # twice is harmless
    with pytest.raises(NotFound):
        tokens.revoke_api_token(token.id + 1)


@pytest.mark.parametrize("name, message", [
    ("", "Give the token a name"),
    ("   ", "Give the token a name"),
    ("x" * 101, "at most 100 characters"),
])
def test_api_token_needs_a_sensible_name(app, name, message):
    with pytest.raises(ServiceError, match=message):
        tokens.create_api_token(name)


def test_api_token_names_are_unique_among_live_tokens(app):
    token, _ = tokens.create_api_token("Typeform")
    db.session.commit()
    with pytest.raises(services.Conflict, match="already a live token"):
        tokens.create_api_token("Typeform")
    db.session.rollback()  # as every caller does after a ServiceError
    tokens.revoke_api_token(token.id)
    db.session.flush()
    tokens.create_api_token("Typeform")
    assert [t.name for t in tokens.list_api_tokens()] == ["Typeform", "Typeform"]
