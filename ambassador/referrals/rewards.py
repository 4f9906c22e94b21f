"""Conversions and the rewards ledger: a friend becomes a customer once, the reward is given once.

A conversion is one conditional UPDATE (`converted_at` set only while it is empty) whose
row count decides; the reward row's unique `referral_id` is the second guard. Twenty
conversion calls at once for one referral convert it once and reward it once, on
PostgreSQL and on SQLite. A reward stays pending for the clawback window
(REFERRAL_CLAWBACK_DAYS) and while its referral waits for a review; then the periodic
job makes it earned. Marketers adjust, redeem and reverse with a reason, in the audit.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ambassador.extensions import db
from ambassador.i18n import format_number
from ambassador.referrals.models import (
    REWARD_KINDS,
    REWARD_STATES,
    OfferReward,
    Referral,
    RewardEntry,
)
from ambassador.referrals.services import earns_rewards, get_referral, reason_texts
from ambassador.text import text_problem
from ambassador.utils import NotFound, ServiceError, normalise_email, utcnow

MAX_AMOUNT = 1_000_000  # points, or cents of credit
CONFIRMED = ("signed_up", "approved")


class NotEligible(ServiceError):
    """A rejected or ineligible referral cannot convert."""

    status_code = 409


@dataclass
class Conversion:
    """What a conversion call did: the referral, whether it converted now, and its reward."""

    referral: Referral
    created: bool
    reward: RewardEntry | None


# -- the reward an offer gives -----------------------------------------------------------


def offer_reward(offer_id: int | None) -> OfferReward | None:
    """The reward set on an offer, if any."""
    return db.session.get(OfferReward, offer_id) if offer_id is not None else None


def parse_amount(kind: str, text: str | int | None) -> int:
    """An amount typed by a marketer as stored: points whole, credit in cents.

    Credit is read the way it is written in any of our languages: "12.50", "12,50",
    "1 234,50", "1.234,50", "1,234.50" (the last separator is the decimal one).
    """
    raw = re.sub(r"\s", "", str(text if text is not None else ""))
    if kind != "points" and "," in raw and "." in raw:
        point = max(raw.rfind(","), raw.rfind("."))
        raw = raw[:point].replace(",", "").replace(".", "") + "." + raw[point + 1:]
    raw = raw.replace(",", ".")
    number = re.fullmatch(r"(-?)([0-9]+)" if kind == "points"
                          else r"(-?)([0-9]*)(?:\.([0-9]{1,2}))?", raw)
    if not number or not (number.group(2) or number.group(3)):
        raise ServiceError(_("Enter the amount as a number, such as 100 points or 12.50 of "
                             "credit."))
    sign = -1 if number.group(1) else 1
    if kind == "points":
        value = sign * int(number.group(2))
    else:
        cents = (number.group(3) or "").ljust(2, "0")
        value = sign * (int(number.group(2) or "0") * 100 + int(cents))
    if not -MAX_AMOUNT <= value <= MAX_AMOUNT:
        raise ServiceError(_("That amount is too large."))
    return value


def set_offer_reward(offer_id: int, kind: str, amount_text: str | None) -> OfferReward | None:
    """Set (or clear, with an empty amount) the reward a conversion to this offer gives."""
    from ambassador.offers.services import get_offer

    get_offer(offer_id)
    reward = offer_reward(offer_id)
    if not (amount_text or "").strip():
        if reward is not None:
            db.session.delete(reward)
            db.session.flush()
        return None
    if kind not in REWARD_KINDS:
        raise ServiceError(_("Choose points or a credit amount."))
    amount = parse_amount(kind, amount_text)
    if amount <= 0:
        raise ServiceError(_("A reward is more than zero."))
    if reward is None:
        reward = OfferReward(offer_id=offer_id, kind=kind, amount=amount)
        db.session.add(reward)
    else:
        reward.kind, reward.amount = kind, amount
    db.session.flush()
    return reward


# -- converting --------------------------------------------------------------------------


def convert(referral_id: int, source: str, now: datetime | None = None) -> Conversion:
    """Mark the referral converted once and give its ambassador the offer's reward once.

    A referral already converted answers created=False and changes nothing. Raises
    NotFound, and NotEligible for a rejected or ineligible referral.
    """
    now = now or utcnow()
    referral = get_referral(referral_id)
    if referral.status in ("rejected", "ineligible"):
        raise NotEligible(_("This referral is not eligible: it cannot convert or earn a "
                            "reward (%(why)s).", why="; ".join(reason_texts(referral))
                            or _("rejected after review")))
    won = db.session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.converted_at.is_(None),
               Referral.status.notin_(("rejected", "ineligible")))
        .values(converted_at=now, conversion_source=source)
        .execution_options(synchronize_session=False))
    db.session.refresh(referral)
    if won.rowcount != 1:
        if referral.status in ("rejected", "ineligible"):
            raise NotEligible(_("This referral is not eligible: it cannot convert or earn a "
                                "reward."))
        return Conversion(referral, False, reward_of(referral.id))
    return Conversion(referral, True, _grant(referral, now))


def _grant(referral: Referral, now: datetime) -> RewardEntry | None:
    """The pending reward of a conversion just made, or None with the reason recorded."""
    ambassador = referral.link.user
    reward = offer_reward(referral.offer_id)
    if not earns_rewards(ambassador):
        referral.no_reward_reason = "lapsed"  # the rule: no reward while lapsed
        return None
    if reward is None:
        referral.no_reward_reason = "no_reward"
        return None
    days = current_app.config["REFERRAL_CLAWBACK_DAYS"]
    entry = RewardEntry(user_id=ambassador.id, referral_id=referral.id, kind=reward.kind,
                        amount=reward.amount, state="pending", created_at=now,
                        earn_after=now + timedelta(days=days), reason="")
    with db.session.begin_nested():  # a second grant fails on the unique referral_id
        db.session.add(entry)
        db.session.flush()
    return entry


def reward_of(referral_id: int) -> RewardEntry | None:
    """The reward entry of a referral, if it earned one."""
    return db.session.scalar(select(RewardEntry).where(RewardEntry.referral_id == referral_id))


def convert_emails(emails: list[str], source: str,
                   now: datetime | None = None) -> dict[str, int]:
    """Convert the referrals of these customer emails; count converted, known, unknown, refused."""
    counts = {"converted": 0, "already": 0, "unknown": 0, "not_eligible": 0, "invalid": 0}
    seen = set()
    for raw in emails:
        try:
            email = normalise_email(raw)
        except ServiceError:
            counts["invalid"] += 1
            continue
        if email in seen:
            continue
        seen.add(email)
        referral = db.session.scalar(select(Referral).where(Referral.friend_email == email))
        if referral is None:
            counts["unknown"] += 1
            continue
        try:
            result = convert(referral.id, source, now)
        except NotEligible:
            counts["not_eligible"] += 1
            continue
        counts["converted" if result.created else "already"] += 1
    return counts


# -- the ledger ---------------------------------------------------------------------------


def earn_due(now: datetime | None = None) -> int:
    """Make earned every pending reward past its clawback window whose referral is confirmed."""
    now = now or utcnow()
    confirmed = select(Referral.id).where(Referral.status.in_(CONFIRMED))
    result = db.session.execute(
        update(RewardEntry)
        .where(RewardEntry.state == "pending", RewardEntry.earn_after <= now,
               RewardEntry.referral_id.in_(confirmed))
        .values(state="earned", settled_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount


def reverse_referral_reward(referral: Referral, reason: str) -> RewardEntry | None:
    """Reverse the still-pending reward of a referral (a rejection, a clawback)."""
    entry = reward_of(referral.id)
    if entry is not None and entry.state == "pending":
        entry.state, entry.settled_at = "reversed", utcnow()
        entry.reason = " — ".join(filter(None, (entry.reason, reason)))[:500]
    return entry


def balances(user_id: int) -> dict[str, dict[str, int]]:
    """Per kind (points, credit), the sum of the ledger in each state."""
    totals = {kind: dict.fromkeys(REWARD_STATES, 0) for kind in REWARD_KINDS}
    for kind, state, amount in db.session.execute(
            select(RewardEntry.kind, RewardEntry.state, func.sum(RewardEntry.amount))
            .where(RewardEntry.user_id == user_id)
            .group_by(RewardEntry.kind, RewardEntry.state)):
        totals[kind][state] = int(amount or 0)
    return totals


def ledger(user_id: int) -> list[RewardEntry]:
    """An ambassador's ledger, newest first."""
    return list(db.session.scalars(select(RewardEntry).where(RewardEntry.user_id == user_id)
                                   .order_by(RewardEntry.created_at.desc(),
                                             RewardEntry.id.desc())))


def _reason(text: str | None) -> str:
    reason = " ".join((text or "").split()) if not text_problem(text) else ""
    if not reason:
        raise ServiceError(_("Say why, in a few words: the ambassador and the audit trail "
                             "keep the reason."))
    return reason[:500]


def adjust(user, actor, kind: str, amount_text: str, reason: str | None,
           now: datetime | None = None) -> RewardEntry:
    """A marketer's adjustment of an ambassador's ledger (positive or negative), earned at once."""
    if kind not in REWARD_KINDS:
        raise ServiceError(_("Choose points or a credit amount."))
    amount = parse_amount(kind, amount_text)
    if amount == 0:
        raise ServiceError(_("An adjustment of zero changes nothing."))
    entry = RewardEntry(user_id=user.id, kind=kind, amount=amount, state="earned",
                        reason=_reason(reason), created_at=now or utcnow(),
                        settled_at=now or utcnow(), actor_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    return entry


def settle(entry_id: int, action: str, actor, reason: str | None) -> RewardEntry:
    """Redeem an earned reward (it was paid out) or reverse a pending one (a clawback)."""
    entry = db.session.get(RewardEntry, entry_id)
    if entry is None:
        raise NotFound(_("This ledger entry does not exist."))
    wanted = {"redeem": ("earned", "redeemed"), "reverse": ("pending", "reversed")}
    if action not in wanted:
        raise NotFound(_("This ledger entry does not exist."))
    before, after = wanted[action]
    why = _reason(reason)
    done = db.session.execute(
        update(RewardEntry).where(RewardEntry.id == entry_id, RewardEntry.state == before)
        .values(state=after, settled_at=utcnow(), actor_id=actor.id,
                reason=" — ".join(filter(None, (entry.reason, why)))[:500])
        .execution_options(synchronize_session=False))
    db.session.refresh(entry)
    if done.rowcount != 1:
        raise ServiceError(_("Only an earned reward can be redeemed, and only a pending one "
                             "reversed: this one is %(state)s.", state=entry.state))
    return entry


def format_amount(kind: str, amount: int) -> str:
    """An amount as the reader writes it: "1,234 points" or "12.50"; "1 234 points", "12,50"."""
    if kind == "points":
        return _("%(num)s points", num=format_number(amount))
    return format_number(Decimal(amount) / 100, 2)


def amount_input(kind: str, amount: int) -> str:
    """An amount as a form shows it to be edited, without grouping: "1234.50", "120"."""
    if kind == "points":
        return str(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"

