"""`demo load` shows offers of every kind, already claimed by the demo ambassadors."""

from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.offers.models import Offer, Redemption
from ambassador.referrals.models import Referral


def test_the_demo_has_three_kinds_of_offer_with_claims(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output

    offers = db.session.scalars(select(Offer).order_by(Offer.id)).all()
    assert [o.code_mode for o in offers] == ["shared", "pool", "generated"]
    assert all(o.claimed > 0 for o in offers)
    assert offers[1].codes_total == 30 and offers[1].remaining == 27
    friends = db.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.code.is_not(None)))  # referred friends' codes count against the limit too
    assert db.session.scalar(select(func.count()).select_from(Redemption)) + friends == sum(
        o.claimed for o in offers)
