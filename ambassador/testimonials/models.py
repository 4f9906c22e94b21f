"""Testimonials, the consent behind each of their parts, requests, edits, tags, photos."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow

STATUSES = ("pending", "approved", "rejected", "withdrawn")
SCOPES = ("text", "name", "photo", "company")
LANGUAGES = ("en", "fr", "tr")
BODY_MAX = 600
BODY_MIN = 20
NAME_MAX = 120
TITLE_MAX = 160
TAG_MAX = 40
REASON_MAX = 500


class Testimonial(db.Model):
    """A promoter's own words with a rating, shown only as far as they consented.

    `body` is what is published (a marketer may correct it); `original_body` stays as
    the author wrote it. The consent_* flags are the current state of the consent
    records (TestimonialConsent), kept here so that the public list is one query.
    """

    __tablename__ = "testimonials"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')",
                        name="status_known"),
        Index("ix_testimonials_status_time", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("testimonial_requests.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    original_body: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    author_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    name_format: Mapped[str] = mapped_column(String(10), default="full")  # full | initial
    author_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # Set by the verified-promoter rule (a later 0-6 or 7-8 answer) until a marketer reviews.
    review_score: Mapped[int | None] = mapped_column(SmallInteger)
    review_answered_at: Mapped[object | None] = mapped_column(UTCDateTime)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)
    reference_call: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_name: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_company: Mapped[bool] = mapped_column(Boolean, default=False)
    # The NPS answer behind it, and the latest answer the verified-promoter rule has seen.
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"))
    nps_score: Mapped[int | None] = mapped_column(SmallInteger)
    nps_responded_at: Mapped[object | None] = mapped_column(UTCDateTime)
    score_seen_at: Mapped[object | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[object | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer = relationship("Customer", lazy="joined")
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    photo = relationship("TestimonialPhoto", uselist=False, lazy="select",
                         cascade="all, delete-orphan", back_populates="testimonial")
    tags = relationship("TestimonialTag", lazy="selectin", cascade="all, delete-orphan",
                        order_by="TestimonialTag.tag")
    consents = relationship("TestimonialConsent", lazy="select", cascade="all, delete-orphan",
                            order_by="TestimonialConsent.id")
    edits = relationship("TestimonialEdit", lazy="select", cascade="all, delete-orphan",
                         order_by="TestimonialEdit.id")

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def edited(self) -> bool:
        return self.body != self.original_body

    @property
    def needs_review(self) -> bool:
        return self.review_score is not None

    @property
    def verified_promoter(self) -> bool:
        """The author's latest NPS answer is 9-10 (it follows their status, not the past)."""
        score = self.customer.latest_score if self.customer else None
        return score is not None and score >= 9


class TestimonialConsent(db.Model):
    """One consent choice as it was made: the exact wording shown, its version, the time."""

    __tablename__ = "testimonial_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimonial_id: Mapped[int] = mapped_column(
        ForeignKey("testimonials.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # text | name | photo | company
    granted: Mapped[bool] = mapped_column(Boolean)
    wording: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class TestimonialPhoto(db.Model):
    """The author's photo, re-encoded on the server (no metadata), kept in the database.

    Stored in the database rather than on disk so that any number of web servers on one
    database serve it.
    """

    __tablename__ = "testimonial_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimonial_id: Mapped[int] = mapped_column(
        ForeignKey("testimonials.id", ondelete="CASCADE"), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mimetype: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(SmallInteger)
    height: Mapped[int] = mapped_column(SmallInteger)
    digest: Mapped[str] = mapped_column(String(16))  # in the URL: a new photo, a new URL
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    testimonial = relationship(Testimonial, back_populates="photo")


class TestimonialTag(db.Model):
    """A marketer's label on a testimonial (a product, a use case) that widgets filter on."""

    __tablename__ = "testimonial_tags"

    testimonial_id: Mapped[int] = mapped_column(
        ForeignKey("testimonials.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True, index=True)


class TestimonialEdit(db.Model):
    """A marketer's correction of the published text: who, when, before and after."""

    __tablename__ = "testimonial_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimonial_id: Mapped[int] = mapped_column(
        ForeignKey("testimonials.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    editor = relationship("User")


class TestimonialRequest(db.Model):
    """A "May we quote you?" mail: a one-time link to write (then manage) a testimonial.

    The link writes one testimonial; after that it stays the author's way to see its
    status and withdraw it, since an author asked by mail may have no account.
    """

    __tablename__ = "testimonial_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefill: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")
    requested_by = relationship("User")
    testimonial = relationship(Testimonial, uselist=False, viewonly=True,
                               primaryjoin="Testimonial.request_id == TestimonialRequest.id")


class ReviewSite(db.Model):
    """A public review site (Google, G2, Trustpilot…) offered to authors after approval."""

    __tablename__ = "review_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
