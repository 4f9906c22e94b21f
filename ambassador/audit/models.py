"""Audit entries: written once by the application, never edited or deleted by it.

The one change made to an entry is a redaction when a person is erased: personal data in
its before/after becomes "[erased]" and `redacted_at` says when (audit.services.redact_entries).
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ambassador.constants import MAX_EMAIL
from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One staff action. The actor's email is copied so the entry outlives the account."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(60), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
