"""Referral links, link visits, friends who signed up, invitations mailed, rewards."""

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.constants import MAX_EMAIL
from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

# signed_up: counts; review: held for a marketer, who approves or rejects it; ineligible:
# the friend is the ambassador or already a customer. Converted is `converted_at`, set once.
REFERRAL_STATES = ("signed_up", "review", "approved", "rejected", "ineligible")
REWARD_STATES = ("pending", "earned", "redeemed", "reversed")
REWARD_KINDS = ("points", "credit")
CONVERSION_SOURCES = ("marked", "upload", "api")


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ReferralLink(db.Model):
    """An ambassador's personal link /r/CODE: one per person, stable once made."""

    __tablename__ = "referral_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class OfferReward(db.Model):
    """What an ambassador earns when a friend they referred to this offer becomes a customer."""

    __tablename__ = "referral_offer_rewards"
    __table_args__ = (
        CheckConstraint(_in("kind", REWARD_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Points as a whole number; a credit in cents (1250 = 12.50).
    amount: Mapped[int] = mapped_column()
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LinkVisit(db.Model):
    """One opening of a landing page by a browser, without the visitor's address."""

    __tablename__ = "referral_visits"
    __table_args__ = (Index("ix_referral_visits_link_id_visited_at", "link_id", "visited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_links.id", ondelete="CASCADE"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    network_hash: Mapped[str] = mapped_column(String(64))  # salted hash of the /24 or /48
    visited_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Referral(db.Model):
    """A friend who signed up through a link: one per email, the first ambassador's."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("status", REFERRAL_STATES), name="status"),
        Index("ix_referrals_network_hash_created_at", "network_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_links.id", ondelete="CASCADE"),
                                         index=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"),
                                                 index=True)
    friend_email: Mapped[str] = mapped_column(String(MAX_EMAIL), unique=True)
    friend_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    consent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="signed_up", index=True)
    # Why it was held or refused, in the marketers' words, one reason per line.
    reasons: Mapped[str] = mapped_column(Text, default="")
    network_hash: Mapped[str] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(64))  # the friend's own offer code
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reviewed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    converted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    conversion_source: Mapped[str | None] = mapped_column(String(10))
    # Set when a conversion earns nothing, saying why (a lapsed ambassador, no reward set).
    no_reward_reason: Mapped[str | None] = mapped_column(String(200))

    link = relationship(ReferralLink, lazy="joined")
    offer = relationship("Offer")


class FriendInvite(db.Model):
    """A mail an ambassador sent a friend about an offer: never two for one offer and friend."""

    __tablename__ = "referral_invites"
    __table_args__ = (
        UniqueConstraint("friend_email", "offer_id",
                         name="uq_referral_invites_friend_email_offer_id"),
        Index("ix_referral_invites_user_id_sent_at", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    friend_email: Mapped[str] = mapped_column(String(MAX_EMAIL))
    sent_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class RewardEntry(db.Model):
    """One line of an ambassador's rewards ledger: a referral's reward or an adjustment."""

    __tablename__ = "referral_rewards"
    __table_args__ = (
        CheckConstraint(_in("state", REWARD_STATES), name="state"),
        CheckConstraint(_in("kind", REWARD_KINDS), name="kind"),
        Index("ix_referral_rewards_state_earn_after", "state", "earn_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    # A referral's reward exists once: the unique key is the last guard of "exactly once".
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column()  # points, or cents of credit; negative: a deduction
    state: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    earn_after: Mapped[object | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    referral = relationship(Referral)
