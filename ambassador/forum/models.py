"""The forum: categories, threads, posts, reactions, idea votes, visits, reports, digests.

Counters a listing needs (posts, votes, last post) are kept on the thread so a category
page reads one row per thread. The search index is not a model: the migration keeps it
in a table of its own with database triggers (see ambassador/forum/search.py).
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

KINDS = ("discussion", "ideas")
IDEA_STATUSES = ("under_review", "planned", "shipped", "declined")
REACTIONS = ("helpful",)
NOTIFICATION_REASONS = ("reply", "quote")


class Category(db.Model):
    """A place for threads: ordered, described, maybe staff-only or private to a program."""

    __tablename__ = "forum_categories"
    __table_args__ = (CheckConstraint(f"kind IN {KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12), default="discussion")
    # Only marketers and admins post here (Announcements).
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its latest threads show on the promoters' portal home.
    on_home: Mapped[bool] = mapped_column(Boolean, default=False)
    # The private room of an early-access program: its enrollees and the staff only.
    program_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_ideas(self) -> bool:
        return self.kind == "ideas"


class Thread(db.Model):
    """A conversation with a title; in an ideas category, an idea with votes and a status."""

    __tablename__ = "forum_threads"
    __table_args__ = (
        Index("ix_forum_threads_listing", "category_id", "pinned", "last_post_at", "id"),
        Index("ix_forum_threads_votes", "category_id", "vote_count", "id"),
        CheckConstraint(
            f"idea_status IS NULL OR idea_status IN {IDEA_STATUSES}", name="idea_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("forum_categories.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    idea_status: Mapped[str | None] = mapped_column(String(16))
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_id: Mapped[int | None] = mapped_column(Integer)
    last_post_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship(Category, lazy="joined", innerjoin=True)
    author = relationship("User", lazy="joined")


class Post(db.Model):
    """One message in a thread, written in Markdown and stored rendered beside its source."""

    __tablename__ = "forum_posts"
    __table_args__ = (Index("ix_forum_posts_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_first: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # sanitize.ALLOWLIST_VERSION when body_html was rendered: `forum rerender` refreshes the rest.
    html_version: Mapped[str] = mapped_column(String(12), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    quote_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[object | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    author = relationship("User", lazy="joined")


class Reaction(db.Model):
    """One person's "helpful" on a post (at most one each)."""

    __tablename__ = "forum_reactions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True, default="helpful")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class Vote(db.Model):
    """One person's vote for an idea (at most one each)."""

    __tablename__ = "forum_votes"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class Visit(db.Model):
    """The last post of a thread a person has seen: everything after it is new to them."""

    __tablename__ = "forum_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True, index=True)
    last_post_id: Mapped[int] = mapped_column(Integer, default=0)
    seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    """A person telling the moderators that a post breaks the rules (one report each)."""

    __tablename__ = "forum_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),
                      Index("ix_forum_reports_open", "resolved_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[object | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(20), default="")

    post = relationship(Post, lazy="joined", innerjoin=True)
    reporter = relationship("User", foreign_keys=[reporter_id], lazy="joined")


class Notification(db.Model):
    """Someone replied in a thread you posted in, or quoted you: waiting for the digest."""

    __tablename__ = "forum_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id"),
        Index("ix_forum_notifications_pending", "mailed_at", "user_id"),
        CheckConstraint(f"reason IN {NOTIFICATION_REASONS}", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[object | None] = mapped_column(UTCDateTime)


class Member(db.Model):
    """A person's forum settings: the digest opt-out and when the last digest went out."""

    __tablename__ = "forum_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    last_digest_at: Mapped[object | None] = mapped_column(UTCDateTime)
