"""Follow-up tasks on unhappy answers and lapses, their timeline, welcome-backs, digest opt-ins."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.nps.models import one_of
from ambassador.utils import UTCDateTime, utcnow

TASK_STATUSES = ("open", "contacted", "resolved")
TASK_REASONS = ("detractor", "lapsed")
EVENT_KINDS = ("note", "status", "owner", "reply", "answer")


class FollowUp(db.Model):
    """One person to get back to: opened by a 0-6 answer or a lapse, closed by a marketer.

    `open_customer_id` holds the customer id while the task is open or contacted and is
    NULL once resolved: its unique constraint is the "one open task per person" rule,
    claimed by the database so two batches at once cannot open two tasks.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(one_of("status", TASK_STATUSES), name="status"),
        CheckConstraint(one_of("reason", TASK_REASONS), name="reason"),
        Index("ix_follow_ups_status_opened", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    open_customer_id: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str] = mapped_column(String(10), default="detractor")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The latest unhappy score that opened or joined this task, and its response.
    score: Mapped[int | None] = mapped_column(SmallInteger)
    response_id: Mapped[int | None] = mapped_column()
    triggers: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_triggered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer", lazy="joined")
    owner = relationship("User", lazy="joined")


class FollowUpEvent(db.Model):
    """One line of a task's timeline: a note, a status or owner change, a reply mailed."""

    __tablename__ = "follow_up_events"
    __table_args__ = (CheckConstraint(one_of("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", lazy="joined")


class WelcomeBack(db.Model):
    """A welcome-back mail queued for the answer that made a lapsed person active again.

    Unique per response: one mail per return, whatever runs twice.
    """

    __tablename__ = "welcome_backs"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(unique=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestSubscription(db.Model):
    """A marketer who asked for the weekly digest, and when the last one was queued."""

    __tablename__ = "digest_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
