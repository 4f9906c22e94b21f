"""Referral factories: a shareable offer with a reward, an ambassador's link, a friend's sign-up."""

from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.offers import codes as offer_codes
from ambassador.offers import services as offers
from ambassador.referrals import rewards, services
from ambassador.utils import utcnow


@pytest.fixture
def make_shareable(make_user):
    """Factory: make_shareable(mode="shared", reward=("points", "100"), **fields) -> Offer."""

    def make(mode="shared", reward=("points", "100"), codes=None, **fields):
        values = {"title": "Welcome gift", "description": "A **gift** for friends.",
                  "terms": "New customers only.", "code_mode": mode, "shareable": True,
                  "starts_at": utcnow() - timedelta(days=1), "ends_at": None,
                  "shared_code": "FRIEND-15" if mode == "shared" else None}
        values.update(fields)
        offer = offers.create_offer(make_user("marketer"), values)
        if codes:
            offer_codes.add_codes(offer, offer_codes.lines_of_text("\n".join(codes)))
        if reward:
            rewards.set_offer_reward(offer.id, *reward)
        db.session.commit()
        return offer

    return make


@pytest.fixture
def make_link(make_promoter):
    """Factory: make_link(user=None) -> the ReferralLink of an active ambassador."""

    def make(user=None, name="Ayşe Yılmaz", **kw):
        if user is None:
            user = make_promoter(**kw)
            user.name = name
        link = services.ensure_link(user)
        db.session.commit()
        return link

    return make


@pytest.fixture
def make_referral(make_link):
    """Factory: make_referral(link=None, email=None, offer=None, address=...) -> Referral."""
    counter = iter(range(1, 10_000))

    def make(link=None, email=None, offer=None, address="203.0.113.7", name="Luc Martin"):
        link = link or make_link()
        result = services.sign_up(link, {"name": name, "consent": True,
                                         "email": email or f"friend{next(counter)}@example.org",
                                         "offer_id": offer.id if offer else None},
                                  address, "en")
        db.session.commit()
        return result.referral

    return make
