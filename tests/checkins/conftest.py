"""Fixtures for check-ins: ambassadors whose latest answer is a given number of days old."""

import re
from datetime import timedelta

import pytest

from ambassador.checkins import services
from ambassador.extensions import db
from tests.conftest import utc

NOW = utc(2026, 11, 10, 9, 0)
LINK_RE = re.compile(r"http://ambassador\.test/c/([^/\s]+)/(\d+)")


@pytest.fixture(autouse=True)
def _company(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_NAME", "Acme")


@pytest.fixture
def make_ambassador(make_response, make_user):
    """make_ambassador(days=90, score=10, account=False, language=None, now=NOW) -> Customer."""

    def make(days=90, score=10, account=False, language=None, now=NOW, **kw):
        response = make_response(score=score, responded_at=now - timedelta(days=days),
                                 language=language, **kw)
        customer = response.customer
        if account:
            make_user("promoter", email=customer.email, customer_id=customer.id)
        return customer

    return make


@pytest.fixture
def send_due():
    """send_due(now=NOW) -> RoundResult of a whole pass, committed chunk by chunk."""

    def run(now=NOW, chunk=services.CHUNK):
        result = services.RoundResult()
        for part in services.send_due(now, chunk=chunk):
            db.session.commit()
            result.add(part)
            result.paused = result.paused or part.paused
        return result

    return run


def links_of(message) -> dict[int, str]:
    """{score: link} of a check-in mail's plain-text part."""
    found = LINK_RE.findall(message.body_text)
    return {int(score): f"/c/{token}/{score}" for token, score in found}
