"""Referral rewards on the worker: pending rewards past their clawback window become earned."""

from ambassador.jobs import hourly, periodic
from ambassador.referrals.rewards import earn_due


@periodic(hourly(minute=17))
def earn_rewards() -> None:
    """Make earned the pending rewards whose clawback window passed (confirmed referrals)."""
    earn_due()  # the job's session is committed when it returns
