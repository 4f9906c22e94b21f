"""Check-ins: one per person per calendar quarter, its reminder, its answer; the pause switch."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.utils import UTCDateTime, utcnow


class CheckIn(db.Model):
    """One quarter's check-in mail to one person, its reminder and the answer it brought.

    The row is the claim: (customer_id, quarter) is unique, so two `send-due` runs, or two
    machines at once, never queue the same person's check-in twice.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("customer_id", "quarter", name="uq_checkins_customer_quarter"),
        Index("ix_checkins_customer_last_mail", "customer_id", "last_mail_at"),
        Index("ix_checkins_reminder_due", "answered_at", "reminded_at", "sent_at"),
        Index("ix_checkins_quarter", "quarter", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(7))  # 2026-Q4, the quarter it was sent in
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The later of sent_at and reminded_at: the 90 days of the next check-in count from it.
    last_mail_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    # The answer's response. No foreign key (as quarter_scores): the row goes with its
    # customer, and an unindexed key would make every response deletion scan this table.
    response_id: Mapped[int | None] = mapped_column()

    customer = relationship(Customer)


class CheckInSchedule(db.Model):
    """The one row of the check-in switch: marketers pause and resume every round."""

    __tablename__ = "checkin_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
