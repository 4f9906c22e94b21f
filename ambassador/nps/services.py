"""Recording responses from any source: customers, de-duplication, latest scores, status.

Responses arrive in batches (an import, an API call, a check-in). For each batch the
customers are found or created, the responses inserted unless their dedupe key is
known, and each person's latest score is carried forward: per quarter (overall and
per touchpoint, for the dashboard) and overall (their ambassador status).
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ambassador.extensions import db
from ambassador.nps.models import SOURCES, Customer, QuarterScore, Response
from ambassador.nps.rules import quarter_of, status_for
from ambassador.utils import utcnow

BATCH = 1000
CUSTOMER_FIELDS = ("name", "company", "language")


@dataclass
class IngestResult:
    """How many responses were new and how many were already known."""

    created: int = 0
    duplicates: int = 0
    response_ids: list[int] = field(default_factory=list)

    def add(self, other: "IngestResult") -> None:
        self.created += other.created
        self.duplicates += other.duplicates
        self.response_ids.extend(other.response_ids)


def dedupe_key(values: dict) -> str:
    """external_id when given, else email + score + responded_at, hashed to a fixed width."""
    if values.get("external_id"):
        raw = "x\x1f" + values["external_id"]
    else:
        moment = values["responded_at"].isoformat(timespec="seconds")
        raw = "k\x1f" + "\x1f".join((values["email"], str(values["score"]), moment))
    return hashlib.sha256(raw.encode()).hexdigest()


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def record_responses(items: Iterable[dict], source: str, batch_size: int = BATCH) -> IngestResult:
    """Store validated responses (dicts with the import fields); duplicates are skipped.

    Each dict has at least `email` (normalised) and `score` (0-10); `responded_at`
    (aware datetime) defaults to now. Flushes, never commits.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    result = IngestResult()
    for chunk in _batches(items, batch_size):
        result.add(_record_batch(chunk, source))
    return result


def _record_batch(items: list[dict], source: str) -> IngestResult:
    now = utcnow()
    rows, seen = [], set()
    for values in items:
        values = dict(values)
        values["responded_at"] = values.get("responded_at") or now
        key = dedupe_key(values)
        if key in seen:
            continue
        seen.add(key)
        values["dedupe_key"] = key
        rows.append(values)
    customers = _customers_for(rows)
    inserted = db.session.execute(
        _insert(Response)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Response.id, Response.customer_id, Response.score,
                   Response.responded_at, Response.touchpoint),
        [
            {
                "customer_id": customers[r["email"]],
                "score": r["score"],
                "comment": r.get("comment"),
                "responded_at": r["responded_at"],
                "source": source,
                "touchpoint": r.get("touchpoint"),
                "contact_ref": r.get("contact_ref"),
                "external_id": r.get("external_id"),
                "language": r.get("language"),
                "dedupe_key": r["dedupe_key"],
                "created_at": now,
            }
            for r in rows
        ],
    ).all()
    _carry_latest(inserted)
    return IngestResult(created=len(inserted), duplicates=len(items) - len(inserted),
                        response_ids=[row.id for row in inserted])


def _customers_for(rows: list[dict]) -> dict[str, int]:
    """Find or create the customers of a batch; fill in details they were missing."""
    details: dict[str, dict] = {}
    for r in rows:
        known = details.setdefault(r["email"], {})
        for name in CUSTOMER_FIELDS:
            if r.get(name):
                known[name] = r[name]
    existing = {
        c.email: c
        for c in db.session.scalars(select(Customer).where(Customer.email.in_(list(details))))
    }
    new = [
        {"email": email, "status": "none", "created_at": utcnow(),
         **{name: info.get(name) for name in CUSTOMER_FIELDS}}
        for email, info in details.items() if email not in existing
    ]
    if new:
        db.session.execute(_insert(Customer).on_conflict_do_nothing(index_elements=["email"]), new)
        existing.update({
            c.email: c
            for c in db.session.scalars(
                select(Customer).where(Customer.email.in_([n["email"] for n in new]))
            )
        })
    for email, info in details.items():
        customer = existing[email]
        for name, value in info.items():
            if not getattr(customer, name):
                setattr(customer, name, value)
    return {email: customer.id for email, customer in existing.items()}


def _carry_latest(inserted) -> None:
    """Keep quarter_scores and each customer's latest score and status up to date."""
    if not inserted:
        return
    latest_by_quarter: dict[tuple, object] = {}
    latest_overall: dict[int, object] = {}
    for row in inserted:
        quarter = quarter_of(row.responded_at)
        for touchpoint in {"", row.touchpoint or ""}:
            key = (quarter, touchpoint, row.customer_id)
            best = latest_by_quarter.get(key)
            if best is None or (row.responded_at, row.id) >= (best.responded_at, best.id):
                latest_by_quarter[key] = row
        best = latest_overall.get(row.customer_id)
        if best is None or (row.responded_at, row.id) >= (best.responded_at, best.id):
            latest_overall[row.customer_id] = row

    stmt = _insert(QuarterScore)
    stmt = stmt.on_conflict_do_update(
        index_elements=["quarter", "touchpoint", "customer_id"],
        set_={
            "score": stmt.excluded.score,
            "responded_at": stmt.excluded.responded_at,
            "response_id": stmt.excluded.response_id,
        },
        where=stmt.excluded.responded_at >= QuarterScore.responded_at,
    )
    db.session.execute(stmt, [
        {"quarter": q, "touchpoint": tp, "customer_id": cid, "score": row.score,
         "responded_at": row.responded_at, "response_id": row.id}
        for (q, tp, cid), row in latest_by_quarter.items()
    ])

    customers = Customer.__table__
    db.session.execute(
        update(customers)
        .where(
            customers.c.id == bindparam("cid"),
            (customers.c.latest_response_at.is_(None))
            | (customers.c.latest_response_at <= bindparam("at")),
        )
        .values(latest_score=bindparam("score"), latest_response_at=bindparam("at"),
                status=bindparam("status")),
        [
            {"cid": cid, "score": row.score, "at": row.responded_at,
             "status": status_for(row.score)}
            for cid, row in latest_overall.items()
        ],
    )
    db.session.expire_all()


def record_response(values: dict, source: str) -> Response | None:
    """Store one response; return it, or None when it was a duplicate."""
    result = record_responses([values], source)
    return db.session.get(Response, result.response_ids[0]) if result.created else None
