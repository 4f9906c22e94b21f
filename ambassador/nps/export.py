"""Responses as CSV in the import template's columns, streamed so any size fits in memory."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import select

from ambassador import csvfile
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.nps.rules import quarter_bounds
from ambassador.slugs import slug

COLUMNS = ("email", "score", "responded_at", "comment", "name", "company", "external_id",
           "touchpoint", "contact_ref", "language")
CHUNK_ROWS = 1000


def iso_utc(moment: datetime) -> str:
    """2026-11-24T14:05:00Z (microseconds kept when present, so a re-import is exact)."""
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def export_rows(quarter: str | None = None, company: str | None = None,
                touchpoint: str | None = None) -> Iterator[tuple]:
    """The responses (of a quarter, or all when None) oldest first, fetched in batches."""
    stmt = (
        select(Customer.email, Response.score, Response.responded_at, Response.comment,
               Customer.name, Customer.company, Response.external_id, Response.touchpoint,
               Response.contact_ref, Response.language)
        .join(Customer, Customer.id == Response.customer_id)
        .order_by(Response.responded_at, Response.id)
    )
    if quarter:
        start, end = quarter_bounds(quarter)
        stmt = stmt.where(Response.responded_at >= start, Response.responded_at < end)
    if company:
        stmt = stmt.where(Customer.company == company)
    if touchpoint:
        stmt = stmt.where(Response.touchpoint == touchpoint)
    # yield_per: a server-side cursor on PostgreSQL, batches of rows, no identity map.
    result = db.session.execute(stmt, execution_options={"yield_per": CHUNK_ROWS})
    try:
        yield from result
    finally:
        result.close()


def formatted(rows: Iterable[tuple]) -> Iterator[tuple]:
    """Rows from export_rows with the date written as ISO 8601 UTC, ready for the writer."""
    for row in rows:
        yield (*row[:2], iso_utc(row[2]), *row[3:])


def csv_chunks(rows: Iterable[tuple], chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The CSV text (BOM and header first) in pieces of about `chunk_rows` rows."""
    return csvfile.csv_chunks(COLUMNS, formatted(rows), chunk_rows)


def filename(quarter: str | None, company: str | None = None,
             touchpoint: str | None = None) -> str:
    """responses-2026-Q4.csv, responses-all.csv, plus the company and touchpoint when set."""
    parts = ["responses", quarter or "all"]
    parts += [slug for slug in (slug(company or "", limit=40), touchpoint or "") if slug]
    return "-".join(parts) + ".csv"
