"""`demo load` shows referrals at every stage, from a link visit to a redeemed reward."""

from sqlalchemy import func, select

from ambassador.extensions import db
from ambassador.referrals.models import LinkVisit, Referral, ReferralLink, RewardEntry


def test_the_demo_has_referrals_at_every_stage(runner, client, login):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output

    assert db.session.scalar(select(func.count()).select_from(ReferralLink)) >= 2
    assert db.session.scalar(select(func.count()).select_from(LinkVisit)) > 100
    statuses = set(db.session.scalars(select(Referral.status)))
    assert {"signed_up", "review", "ineligible"} <= statuses
    assert db.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.converted_at.is_not(None))) >= 4
    states = set(db.session.scalars(select(RewardEntry.state)))
    assert states == {"pending", "earned", "redeemed", "reversed"}
