"""Saved column mappings, uploads waiting between preview and import, and import runs."""

from datetime import datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ambassador.extensions import db
from ambassador.nps.models import one_of
from ambassador.utils import UTCDateTime, utcnow


class ImportMapping(db.Model):
    """A saved column mapping, offered again for files with the same headers."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    header_signature: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportUpload(db.Model):
    """An uploaded file kept between the preview and the import (no state in web processes)."""

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


RUN_STATES = ("queued", "running", "done", "failed")
# A running import reports after every chunk; silent this long, its worker has died.
STALE_AFTER = timedelta(minutes=10)


class ImportRun(db.Model):
    """One import: its state while it runs in the background, then its counts and errors.

    The command line records runs once they are done; a web import is queued with its
    upload and its reading options, and the worker updates the counts after each chunk
    in the same transaction as the chunk's rows.
    """

    __tablename__ = "import_runs"
    __table_args__ = (CheckConstraint(one_of("state", RUN_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # One run per upload: a second press of Import finds the first run.
    upload_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_uploads.id", ondelete="SET NULL"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="done", server_default="done")
    failure: Mapped[str | None] = mapped_column(String(500))
    options: Mapped[dict | None] = mapped_column(JSON)  # ParseOptions of a queued import
    rows_total: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_read: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filename: Mapped[str] = mapped_column(String(255))
    encoding: Mapped[str] = mapped_column(String(40), default="")
    delimiter: Mapped[str] = mapped_column(String(4), default="")
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [[line, reason], ...]
    dry_run: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_stale(self, now) -> bool:
        """A running import whose worker has not reported for STALE_AFTER (it died)."""
        heard = self.updated_at or self.created_at
        return self.state == "running" and heard is not None and heard < now - STALE_AFTER

    @property
    def summary(self) -> str:
        return (
            f"imported {self.imported}, duplicates {self.duplicates}, rejected {self.rejected}"
        )
