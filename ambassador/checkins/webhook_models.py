"""Outbound webhooks: a URL per event type, and the log of every delivery."""

import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.nps.models import one_of
from ambassador.utils import UTCDateTime, utcnow

WEBHOOK_EVENTS = ("response.received", "response.detractor", "task.opened", "task.resolved")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
MAX_URL = 2000


class Webhook(db.Model):
    """Where to POST one event type; the secret signs each body (HMAC-SHA256)."""

    __tablename__ = "webhooks"
    __table_args__ = (CheckConstraint(one_of("event", WEBHOOK_EVENTS), name="event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(24), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL))
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def secret_hint(self) -> str:
        """The first characters of the secret, to tell webhooks apart."""
        return self.secret[:10]

    @property
    def secret_seen(self) -> str:
        """Which secret a page was drawn with (a digest: it reveals nothing of the secret)."""
        return hashlib.sha256(self.secret.encode()).hexdigest()[:16]


class WebhookDelivery(db.Model):
    """One body to POST to one webhook, its attempts and the last outcome."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(one_of("status", DELIVERY_STATUSES), name="status"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook = relationship(Webhook, lazy="joined")
