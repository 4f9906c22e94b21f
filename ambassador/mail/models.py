"""Queued mail, the contact budget and unsubscribes."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ambassador.constants import MAX_EMAIL
from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """One email waiting for delivery, being delivered, sent, or given up on."""

    __tablename__ = "outbox"
    # The claim reads each status in (next_attempt_at, id) order straight from this index.
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(MAX_EMAIL))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="")
    # queued, sending, sent, failed
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Extra headers as JSON ({"List-Unsubscribe": "<…>", …}); NULL for none.
    headers: Mapped[str | None] = mapped_column(Text)


class ContactBudget(db.Model):
    """One person's use of the contact budget for non-transactional mail (by address).

    Claimed with one conditional UPDATE (`mail/budget.py`), so two features or two
    machines mailing the same person at the same moment cannot both pass.
    """

    __tablename__ = "contact_budgets"

    email: Mapped[str] = mapped_column(String(MAX_EMAIL), primary_key=True)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_kind: Mapped[str] = mapped_column(String(40), default="")
    quarter: Mapped[str] = mapped_column(String(7), default="")  # 2026-Q4
    quarter_count: Mapped[int] = mapped_column(default=0)


class Unsubscribe(db.Model):
    """A person who asked for no more non-transactional mail (unsubscribed_at set)."""

    __tablename__ = "unsubscribes"

    email: Mapped[str] = mapped_column(String(MAX_EMAIL), primary_key=True)
    # NULL once the person undid it themselves (staff cannot re-subscribe anyone).
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
