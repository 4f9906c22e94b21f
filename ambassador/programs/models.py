"""Early-access programs and events, their enrollments, waiting lists and feedback."""

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

KINDS = ("early_access", "event")
STATUSES = ("draft", "open", "closed")
ENROLLMENT_STATUSES = ("enrolled", "waiting")
QUESTION_KINDS = ("short", "long", "rating")


class Program(db.Model):
    """An early-access program (a beta, a preview) or an event (a workshop, a council)."""

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("seats IS NULL OR seats > 0", name="seats_positive"),
        CheckConstraint("taken >= 0", name="taken_not_negative"),
        CheckConstraint("seats IS NULL OR taken <= seats", name="taken_within_seats"),
        CheckConstraint("kind IN ('early_access', 'event')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown source
    kind: Mapped[str] = mapped_column(String(20), default="early_access")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    seats: Mapped[int | None] = mapped_column()  # None: unlimited
    # Seats handed out; changed only by conditional UPDATEs (services.join / leave).
    taken: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[object | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[object | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[object | None] = mapped_column(UTCDateTime)  # events
    ends_at: Mapped[object | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    place: Mapped[str] = mapped_column(String(255), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    has_cover: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[object | None] = mapped_column(UTCDateTime)  # first opened

    @property
    def is_event(self) -> bool:
        return self.kind == "event"

    @property
    def seats_left(self) -> int | None:
        """Free seats, or None when the program has no limit."""
        return None if self.seats is None else max(self.seats - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats is not None and self.taken >= self.seats


class ProgramCover(db.Model):
    """A program's cover image, re-encoded as WebP, kept in the database (no local files)."""

    __tablename__ = "program_covers"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class Enrollment(db.Model):
    """One person in one program: holding a seat, or waiting in line for one."""

    __tablename__ = "program_enrollments"
    __table_args__ = (
        UniqueConstraint("program_id", "user_id", name="uq_program_enrollments_person"),
        CheckConstraint("status IN ('enrolled', 'waiting')", name="status_known"),
        Index("ix_program_enrollments_line", "program_id", "status", "joined_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="enrolled")
    joined_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[object | None] = mapped_column(UTCDateTime)

    program = relationship(Program)
    user = relationship("User", lazy="joined")


class FeedbackQuestion(db.Model):
    """A question a marketer asks a program's enrollees."""

    __tablename__ = "program_questions"
    __table_args__ = (
        CheckConstraint("kind IN ('short', 'long', 'rating')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackAnswer(db.Model):
    """One enrollee's answer to one question (answering again replaces it)."""

    __tablename__ = "program_answers"
    __table_args__ = (
        UniqueConstraint("question_id", "user_id", name="uq_program_answers_person"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                        name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("program_questions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    answered_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    question = relationship(FeedbackQuestion)
    user = relationship("User", lazy="joined")
