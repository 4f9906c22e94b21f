"""Recording responses from any source: customers, de-duplication, latest scores, status.

Responses arrive in batches (an import, an API call, a check-in). For each batch the
customers are found or created, the responses inserted unless their dedupe key is
known, and each person's latest score is carried forward: per quarter (overall and
per touchpoint, for the dashboard) and overall (their ambassador status).
"""

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from flask import current_app
from sqlalchemy import any_, bindparam, cast, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ambassador.constants import RESPONSE_SOURCES
from ambassador.extensions import db
from ambassador.nps.models import Customer, QuarterScore, Response
from ambassador.nps.rules import quarter_of, status_for
from ambassador.nps.signals import StatusChange, responses_recorded
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


def _identity(values: dict) -> bytes:
    """What makes two answers the same: external_id, else email + score + responded_at."""
    if values.get("external_id"):
        return ("x\x1f" + values["external_id"]).encode()
    moment = values["responded_at"].isoformat(timespec="seconds")
    return ("k\x1f" + "\x1f".join((values["email"], str(values["score"]), moment))).encode()


def dedupe_key(values: dict) -> uuid.UUID:
    """external_id when given, else email + score + responded_at, as a 128-bit fingerprint.

    The first 16 bytes of their sha256, kept in a uuid column (a fingerprint, not a
    generated uuid): collisions are out of reach (2**64 rows for even odds).
    """
    return uuid.UUID(bytes=hashlib.sha256(_identity(values)).digest()[:16])


def dedupe_hex(values: dict) -> str:
    """`dedupe_key(values)` as 32 hex digits (what COPY writes), without building a UUID."""
    return hashlib.sha256(_identity(values)).hexdigest()[:32]


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _unnest(columns: dict[str, object], name: str = "batch"):
    """(PostgreSQL) A FROM item `unnest(:a_col::type[], ...) AS name(col, ...)`.

    A whole batch travels as one array parameter per column, so each write is a single
    statement with a cached plan instead of one statement (and trigger run) per row.
    """
    arrays = [cast(bindparam(f"a_{c}"), postgresql.ARRAY(t)) for c, t in columns.items()]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=name)


def _write(table, rows: list[dict], finish=lambda stmt: stmt, same: dict | None = None):
    """INSERT `rows` (dicts with the same keys) into `table`, each with the `same` values.

    `finish` adds ON CONFLICT and RETURNING to the statement.
    """
    same = same or {}
    columns = list(rows[0])
    if _postgresql():
        batch = _unnest({c: table.c[c].type for c in columns})
        constants = [bindparam(f"s_{c}", v, type_=table.c[c].type) for c, v in same.items()]
        stmt = postgresql.insert(table).from_select([*columns, *same],
                                                    select(*batch.c, *constants))
        return db.session.execute(finish(stmt), {f"a_{c}": [r[c] for r in rows] for c in columns})
    return db.session.execute(finish(sqlite.insert(table)), [{**r, **same} for r in rows])


def _among(column, wanted: list):
    """`column IN (...)`; on PostgreSQL `= ANY(array)`, one parameter however long the list."""
    if _postgresql():
        return column == any_(cast(bindparam("among", wanted), postgresql.ARRAY(column.type)))
    return column.in_(wanted)


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def record_responses(items: Iterable[dict], source: str, batch_size: int = BATCH) -> IngestResult:
    """Store validated responses (dicts with the import fields); duplicates are skipped.

    Each dict has at least `email` (normalised) and `score` (0-10); `responded_at`
    (aware datetime) defaults to now. Sends `responses_recorded` once per batch that
    stored something. Flushes, never commits.
    """
    if source not in RESPONSE_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    result = IngestResult()
    for chunk in _batches(items, batch_size):
        result.add(_record_batch(chunk, source))
    return result


def _record_batch(items: list[dict], source: str) -> IngestResult:
    now = utcnow()
    every, rows, seen = [], [], set()
    for values in items:
        values = dict(values)
        values["responded_at"] = values.get("responded_at") or now
        every.append(values)
        key = dedupe_key(values)
        if key in seen:
            continue
        seen.add(key)
        values["dedupe_key"] = key
        rows.append(values)
    # Every row, duplicates included, names its person and their details (in file order),
    # so that what a customer record gets never depends on where batches are cut.
    customers, before = _customers_for(every)
    responses = Response.__table__
    inserted = _write(
        responses,
        [
            {
                "customer_id": customers[r["email"]],
                "score": r["score"],
                "comment": r.get("comment"),
                "responded_at": r["responded_at"],
                "touchpoint": r.get("touchpoint"),
                "contact_ref": r.get("contact_ref"),
                "external_id": r.get("external_id"),
                "language": r.get("language"),
                "dedupe_key": r["dedupe_key"],
            }
            for r in rows
        ],
        same={"source": source, "created_at": now},
        finish=lambda stmt: stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
            responses.c.id, responses.c.customer_id, responses.c.score,
            responses.c.responded_at, responses.c.touchpoint),
    ).all()
    _carry_latest(inserted)
    result = IngestResult(created=len(inserted), duplicates=len(items) - len(inserted),
                          response_ids=[row.id for row in inserted])
    if inserted:
        announce_batch(source, {row.customer_id for row in inserted}, before, result.response_ids)
    return result


def announce_batch(source: str, customer_ids: Iterable[int], before: dict[int, str],
              response_ids: Sequence[int]) -> None:
    """Send `responses_recorded` for one batch with each customer's old and new status.

    A large import announces tens of thousands of people at once: they share the few
    possible StatusChange values instead of holding one each.
    """
    table = Customer.__table__
    rows = db.session.execute(
        select(table.c.id, table.c.status).where(_among(table.c.id, sorted(customer_ids))))
    shared: dict[tuple[str, str], StatusChange] = {}
    changes = {}
    for cid, status in rows:
        pair = (before.get(cid, "none"), status)
        changes[cid] = shared.setdefault(pair, StatusChange(*pair))
    responses_recorded.send(current_app._get_current_object(), source=source,
                            changes=changes, response_ids=response_ids)


def _customers_for(rows: list[dict]) -> tuple[dict[str, int], dict[int, str]]:
    """Find or create the customers of a batch; fill in details they were missing.

    Returns the customer id of each email and the status each known customer had.
    """
    details: dict[str, dict] = {}
    for r in rows:
        known = details.setdefault(r["email"], {})
        for name in CUSTOMER_FIELDS:
            if r.get(name) and name not in known:  # the first non-empty value in file order
                known[name] = r[name]
    table = Customer.__table__
    wanted = (table.c.id, table.c.email, table.c.status,
              *(table.c[name] for name in CUSTOMER_FIELDS))
    existing = {row.email: row for row in db.session.execute(
        select(*wanted).where(_among(table.c.email, list(details))))}
    ids = {email: row.id for email, row in existing.items()}
    new = [
        {"email": email, **{name: info.get(name) for name in CUSTOMER_FIELDS}}
        for email, info in details.items() if email not in existing
    ]
    if new:
        created = _write(
            table, new, same={"status": "none", "created_at": utcnow()},
            finish=lambda stmt: stmt.on_conflict_do_nothing(index_elements=["email"])
            .returning(table.c.id, table.c.email))
        ids.update({row.email: row.id for row in created})
        raced = [n["email"] for n in new if n["email"] not in ids]
        if raced:  # created meanwhile by a concurrent transaction
            for row in db.session.execute(select(*wanted).where(_among(table.c.email, raced))):
                existing[row.email] = row
                ids[row.email] = row.id
    for email, row in existing.items():
        gaps = {name: value for name, value in details[email].items() if not row._mapping[name]}
        if gaps:
            db.session.execute(update(table).where(table.c.id == row.id).values(**gaps))
    return ids, {row.id: row.status for row in existing.values()}


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

    scores = QuarterScore.__table__

    def upsert(stmt):
        return stmt.on_conflict_do_update(
            index_elements=["quarter", "touchpoint", "customer_id"],
            set_={
                "score": stmt.excluded.score,
                "responded_at": stmt.excluded.responded_at,
                "response_id": stmt.excluded.response_id,
            },
            where=stmt.excluded.responded_at >= scores.c.responded_at,
        )

    _write(scores, [
        {"quarter": q, "touchpoint": tp, "customer_id": cid, "score": row.score,
         "responded_at": row.responded_at, "response_id": row.id}
        for (q, tp, cid), row in latest_by_quarter.items()
    ], upsert)
    _set_latest([
        {"cid": cid, "score": row.score, "at": row.responded_at, "status": status_for(row.score)}
        for cid, row in latest_overall.items()
    ])
    db.session.expire_all()


def _set_latest(latest: list[dict]) -> None:
    """Set each customer's latest score and status unless they have a later answer."""
    customers = Customer.__table__
    if _postgresql():
        new = _unnest({"cid": customers.c.id.type, "score": customers.c.latest_score.type,
                       "at": customers.c.latest_response_at.type,
                       "status": customers.c.status.type}, name="latest")
        stmt = update(customers).where(customers.c.id == new.c.cid)
        at, params = new.c.at, {f"a_{k}": [v[k] for v in latest] for k in latest[0]}
        values = {"latest_score": new.c.score, "status": new.c.status}
    else:
        stmt = update(customers).where(customers.c.id == bindparam("cid"))
        at, params = bindparam("at"), latest
        values = {"latest_score": bindparam("score"), "status": bindparam("status")}
    db.session.execute(
        stmt.where(or_(customers.c.latest_response_at.is_(None),
                       customers.c.latest_response_at <= at))
        .values(latest_response_at=at, **values),
        params,
    )


def record_response(values: dict, source: str) -> Response | None:
    """Store one response; return it, or None when it was a duplicate."""
    result = record_responses([values], source)
    return db.session.get(Response, result.response_ids[0]) if result.created else None


def amend_response(response_id: int, score: int, comment: str | None, source: str) -> Response:
    """Replace a response's score and comment (a check-in answered again from the same mail).

    Its quarter scores and, while it is the person's latest answer, their latest score and
    status follow at once; `responses_recorded` is sent as for a new answer. Flushes only.
    """
    response = db.session.get(Response, response_id)
    if response is None:
        raise ValueError(f"no response {response_id}")
    customer_id, responded_at = response.customer_id, response.responded_at
    before = {customer_id: response.customer.status}
    db.session.execute(update(Response.__table__).where(Response.__table__.c.id == response_id)
                       .values(score=score, comment=comment))
    scores = QuarterScore.__table__
    db.session.execute(update(scores).where(scores.c.customer_id == customer_id,
                                            scores.c.response_id == response_id)
                       .values(score=score))
    customers = Customer.__table__
    db.session.execute(update(customers).where(customers.c.id == customer_id,
                                               customers.c.latest_response_at == responded_at)
                       .values(latest_score=score, status=status_for(score)))
    db.session.expire_all()
    announce_batch(source, {customer_id}, before, [response_id])
    return db.session.get(Response, response_id)
