"""Offers, their pool of codes, and who claimed which code."""

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

# shared: one code for everybody; pool: uploaded unique codes; generated: made at claim time.
CODE_MODES = ("shared", "pool", "generated")
CODE_LENGTH = 64


class Offer(db.Model):
    """Something only ambassadors get: a discount, a gift, early access to a product."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("claimed >= 0", name="claimed_not_negative"),
        CheckConstraint("total_limit IS NULL OR total_limit > 0", name="limit_positive"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("code_mode IN ('shared', 'pool', 'generated')", name="code_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    terms: Mapped[str] = mapped_column(Text, default="")  # Markdown
    starts_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[object | None] = mapped_column(UTCDateTime)
    total_limit: Mapped[int | None] = mapped_column()
    code_mode: Mapped[str] = mapped_column(String(10))
    shared_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    shareable: Mapped[bool] = mapped_column(default=False)
    # How many people claimed it; raised by one conditional UPDATE per claim (see services).
    claimed: Mapped[int] = mapped_column(default=0)
    # How many codes the pool holds (claimed or not), for the pool's limit and its warning.
    codes_total: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def capacity(self) -> int | None:
        """How many people can claim it in all (None: no limit)."""
        limits = [n for n in (self.total_limit,
                              self.codes_total if self.code_mode == "pool" else None)
                  if n is not None]
        return min(limits) if limits else None

    @property
    def remaining(self) -> int | None:
        """Claims still possible (None: no limit)."""
        capacity = self.capacity
        return None if capacity is None else max(capacity - self.claimed, 0)


class OfferCode(db.Model):
    """One unique code of an offer: uploaded to its pool, or generated for one claim."""

    __tablename__ = "offer_codes"
    __table_args__ = (
        UniqueConstraint("offer_id", "code", name="uq_offer_codes_offer_id_code"),
        # The next free code of an offer (claimed_at IS NULL), straight from the index.
        Index("ix_offer_codes_free", "offer_id", "claimed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set once, when the code is handed out; a free code has none (even if its user is gone).
    claimed_at: Mapped[object | None] = mapped_column(UTCDateTime)


class Redemption(db.Model):
    """A person's claim of an offer: one per person and offer, with the code they got."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("offer_id", "user_id", name="uq_redemptions_offer_id_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    # A pool or generated code belongs to one redemption only: never handed out twice.
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("offer_codes.id", ondelete="SET NULL"), unique=True)
    claimed_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    offer = relationship(Offer)
    user = relationship("User")
