"""Invitations that bring active ambassadors to their portal, and their visits to it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow


class Invitation(db.Model):
    """A single-use invitation for an active ambassador to create their account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")


class PortalVisit(db.Model):
    """When a promoter logged in before this time: the home's "new since your last visit"."""

    __tablename__ = "portal_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    previous_at: Mapped[object | None] = mapped_column(UTCDateTime)
    current_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
