"""Fixtures of the import tests."""

import pytest


@pytest.fixture
def marketer(make_user, login):
    """A marketer, logged in on the test client."""
    return login(make_user("marketer"))
