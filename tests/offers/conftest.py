"""Offer factories: make_offer(mode, codes=…, **fields) builds an offer ready to claim."""

from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.offers import codes as offer_codes
from ambassador.offers import services
from ambassador.utils import utcnow


@pytest.fixture
def make_offer(make_user):
    """Factory: make_offer(mode="shared", codes=None, **fields) -> Offer (committed)."""

    def make(mode="shared", codes=None, **fields):
        author = make_user("marketer")
        values = {"title": f"{mode.title()} offer", "description": "A thank-you gift.",
                  "terms": "One per ambassador.", "code_mode": mode,
                  "starts_at": utcnow() - timedelta(days=1), "ends_at": None,
                  "shared_code": "MERCI-2026" if mode == "shared" else None}
        values.update(fields)
        offer = services.create_offer(author, values)
        if codes is not None:
            offer_codes.add_codes(offer, offer_codes.lines_of_text("\n".join(codes)))
        db.session.commit()
        return offer

    return make


@pytest.fixture
def make_lapsed(make_promoter, make_response):
    """Factory: a promoter whose latest answer is a 6 (a lapsed ambassador)."""

    def make():
        user = make_promoter(score=10)
        make_response(score=6, email=user.email)
        db.session.refresh(user)
        return user

    return make
