"""Customers, their NPS responses, and the per-quarter latest score of each person."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ambassador.constants import (
    CUSTOMER_STATUSES,
    MAX_EMAIL,
    MAX_LANGUAGE,
    MAX_SCORE,
    MAX_TEXT,
    MIN_SCORE,
    RESPONSE_SOURCES,
    TOUCHPOINTS,
)
from ambassador.extensions import db
from ambassador.utils import UTCDateTime, utcnow


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint: the column holds one of `values` (or NULL)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Customer(db.Model):
    """A person who answered the survey; their status follows their latest answer."""

    __tablename__ = "customers"
    # NPS per account (company, latest_score) and a company's people (id) from the index alone;
    # it also serves every lookup by company (a separate company index would only cost
    # every import one more index write per person).
    __table_args__ = (
        Index("ix_customers_company_score", "company", "latest_score", "id"),
        CheckConstraint(one_of("status", CUSTOMER_STATUSES), name="status"),
        CheckConstraint(f"latest_score BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name="latest_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), unique=True)
    name: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    company: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    language: Mapped[str | None] = mapped_column(String(MAX_LANGUAGE))
    status: Mapped[str] = mapped_column(String(10), default="none", index=True)
    latest_score: Mapped[int | None] = mapped_column(SmallInteger)
    latest_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the person's data was erased (privacy): the row stays as an anonymous
    # placeholder so that the NPS figures keep counting its scores.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Response(db.Model):
    """One answer to "How likely are you to recommend us?" (0-10)."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_customer_time", "customer_id", "responded_at"),
        CheckConstraint(f"score BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name="score"),
        CheckConstraint(one_of("source", RESPONSE_SOURCES), name="source"),
        CheckConstraint(one_of("touchpoint", TOUCHPOINTS), name="touchpoint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(10))
    touchpoint: Mapped[str | None] = mapped_column(String(16))
    contact_ref: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    external_id: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    language: Mapped[str | None] = mapped_column(String(MAX_LANGUAGE))
    # external_id, or email+score+responded_at when there is none: re-imports add nothing.
    # A 128-bit fingerprint of them (`services.dedupe_key`), kept as a uuid: 16 bytes, so
    # that its unique index stays small (a 64-character hex key made a million-row import
    # spend 15 s more on that index).
    dedupe_key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when its comment and references were erased (privacy, retention): a bare score.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship(Customer, lazy="joined")


class QuarterScore(db.Model):
    """Each person's latest score per quarter, overall ('') and per touchpoint.

    Kept up to date as responses arrive so that the dashboard never scans responses.
    """

    __tablename__ = "quarter_scores"
    # One person's rows (company filters, deleting a customer), scores read from the index.
    __table_args__ = (
        Index("ix_quarter_scores_customer", "customer_id", "touchpoint", "quarter", "score"),
    )

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-Q4
    touchpoint: Mapped[str] = mapped_column(String(16), primary_key=True)  # '' = all
    # No foreign key either: every row is written from a stored response of that customer
    # (which has one), and a key made every import check and lock the customer once per
    # row (1.5 s per 200,000 rows). A trigger on customers deletes a deleted customer's
    # rows, as the key's cascade did (see migration 3c5e0a9d1f47).
    customer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    score: Mapped[int] = mapped_column(SmallInteger)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The response that gave this score. No foreign key: the row goes with its customer
    # (customer_id cascades), and a key without an index made every import check each
    # row (2.3 s per 200,000 rows) and every customer deletion scan the table once per
    # response (461 ms for 13 responses; 1.4 ms without the key).
    response_id: Mapped[int] = mapped_column()


class QuarterTally(db.Model):
    """How many quarter_scores rows have each score, per quarter and touchpoint.

    Maintained by database triggers on quarter_scores (see the migration), so the
    dashboard reads a few dozen rows instead of counting a million.
    """

    __tablename__ = "quarter_tallies"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    touchpoint: Mapped[str] = mapped_column(String(16), primary_key=True)  # '' = all
    score: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    answers: Mapped[int] = mapped_column(default=0)
