"""Delivering the outbox: claim a small batch, send each message, record each outcome.

A batch is claimed by one UPDATE of the next due ids that only takes rows still due (on
PostgreSQL the ids are picked with FOR UPDATE SKIP LOCKED, in the same statement, so
workers pass each other by instead of queueing on the same rows; SQLite runs the
statement under its write lock). The claim is committed before anything is sent, so two
workers never send the same message. Each outcome is recorded and committed right after
its own send, and only while the claim is still ours, so a late worker never overwrites
a newer state.

Recovery rule: a worker that dies mid-batch leaves its unfinished messages "sending"
until their lease (OUTBOX_LEASE_SECONDS) runs out; then any worker claims them again.
The messages it had not started yet are then sent once. The one it was sending at that
instant may already have reached the server: it goes again with the same Message-ID,
so receivers can drop the duplicate; every other message is sent exactly once. A worker
that is asked to stop hands its unstarted messages back at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, or_, select, true, union_all, update
from sqlalchemy.exc import DBAPIError

from ambassador.extensions import db
from ambassador.mail.backends import DeliveryError, get_backend
from ambassador.mail.compose import compose, parse_sender
from ambassador.mail.models import OutboxMessage
from ambassador.utils import UTCDateTime, utcnow

# How long a claim lasts by default (OUTBOX_LEASE_SECONDS): far longer than one batch of
# SMTP conversations (MAIL_TIMEOUT per step), so only a dead worker's messages are taken over.
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
# Messages claimed at once: few enough that a dead worker strands little, many enough
# that the claim's round trips and commit are shared.
BATCH = 20
_CLAIMED = (OutboxMessage.id, OutboxMessage.to_addr, OutboxMessage.subject,
            OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.created_at,
            OutboxMessage.headers, OutboxMessage.attempts, OutboxMessage.last_error,
            OutboxMessage.next_attempt_at)


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retry later {self.retried}, failed {self.failed}"

    @property
    def total(self) -> int:
        """How many messages this pass finished, whatever their outcome."""
        return self.sent + self.retried + self.failed

    def add(self, outcome: str) -> None:
        """Count one outcome of deliver_one."""
        if outcome == "sent":
            self.sent += 1
        elif outcome == "retry":
            self.retried += 1
        else:
            self.failed += 1


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes after attempt 1, 2, 3 …, at most 6 hours."""
    exponent = min(max(attempts - 1, 0), 16)
    return min(timedelta(minutes=2**exponent), MAX_BACKOFF)


def lease() -> timedelta:
    """How long a claim lasts before another worker may take the message over."""
    seconds = current_app.config.get("OUTBOX_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


# The statements of a pass are built once; each execution only binds these parameters.
_NOW = bindparam("b_now", type_=UTCDateTime())
_T = OutboxMessage
_QUEUED_DUE = and_(_T.status == "queued", _T.next_attempt_at <= _NOW)
_LEASE_OVER = and_(_T.status == "sending", _T.claimed_until < _NOW)  # its worker died
_DUE = or_(_QUEUED_DUE, _LEASE_OVER)


def _next_due():
    """SELECT the ids of the b_size messages due first (oldest next_attempt_at, then id).

    Each kind of due message (queued and due, or claimed by a worker whose lease ran out)
    is read in the order of the ix_outbox_due index (status, next_attempt_at, id), so a
    claim reads a few index entries instead of sorting every due row; on PostgreSQL the
    rows are locked with FOR UPDATE SKIP LOCKED (not rendered on SQLite).
    """
    size = bindparam("b_size")
    picked = union_all(*(
        select(_T.id, _T.next_attempt_at).where(kind)
        .order_by(_T.next_attempt_at, _T.id).limit(size)
        .with_for_update(skip_locked=True).subquery().select()
        for kind in (_QUEUED_DUE, _LEASE_OVER)
    )).subquery()
    return select(picked.c.id).order_by(picked.c.next_attempt_at, picked.c.id).limit(size)


def _claim(ids, still_due=_DUE):
    """UPDATE the messages `ids` that are `still_due` (b_now): our claim until b_until."""
    return (
        update(_T)
        .where(_T.id.in_(ids), still_due)
        .values(status="sending", claimed_until=bindparam("b_until", type_=UTCDateTime()),
                attempts=_T.attempts + 1)
        .returning(*_CLAIMED)
        .execution_options(synchronize_session=False)
    )


_NEXT_DUE = _next_due()
_CLAIM_IDS = _claim(bindparam("b_ids", expanding=True))
# PostgreSQL: pick, lock and claim in one statement. The CTE is MATERIALIZED so that it
# runs once: an `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` subquery may be run once
# per row and claim far more than n. The rows it returns are locked and were found due
# in their latest version (FOR UPDATE checks a row changed since the statement began
# again), so the UPDATE needs no second look; without one, it reads just those rows.
_PICKED = _NEXT_DUE.cte("picked").prefix_with("MATERIALIZED")
_CLAIM_NEXT_DUE = _claim(select(_PICKED.c.id), still_due=true())


def _claim_params(size: int, now: datetime | None) -> dict:
    now = now or utcnow()
    return {"b_now": now, "b_until": now + lease(), "b_size": size}


def _oldest_first(rows) -> list:
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))


def claim_batch(size: int = BATCH, now: datetime | None = None) -> list:
    """Claim up to `size` due messages for this worker and commit the claim; oldest first.

    Returns plain rows (id, to_addr, subject, bodies, created_at, headers, attempts, …).
    In the session: the ids are picked first (on PostgreSQL locked, in the claim's
    transaction), then one UPDATE takes those still due. A delivery pass on PostgreSQL
    claims with one statement instead (`_PostgresOutcomes.claim`).
    """
    params = _claim_params(size, now)
    while True:
        ids = db.session.scalars(_NEXT_DUE, params).all()
        if not ids:
            db.session.commit()
            return []
        rows = db.session.execute(_CLAIM_IDS, {**params, "b_ids": ids}).all()
        db.session.commit()
        if rows:
            return _oldest_first(rows)
        # Another worker claimed all of them between our SELECT and UPDATE: look again.


def claim_next(now: datetime | None = None):
    """Claim the next due message for this worker and commit the claim, or return None."""
    claimed = claim_batch(1, now)
    return claimed[0] if claimed else None


def release(messages) -> None:
    """Hand claimed messages that were not started back to the queue at once; commits."""
    for message in messages:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.status == "sending",
                   OutboxMessage.attempts == message.attempts)
            .values(status="queued", claimed_until=None, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


_STILL_OURS = and_(_T.id == bindparam("b_id"), _T.status == "sending",
                   _T.attempts == bindparam("b_attempts"))
# One statement per outcome: only its parameters change from message to message.
_RECORD = {
    "sent": update(_T).where(_STILL_OURS).values(
        status="sent", claimed_until=None, last_error=None,
        sent_at=bindparam("b_sent_at", type_=UTCDateTime())),
    "retry": update(_T).where(_STILL_OURS).values(
        status="queued", claimed_until=None, last_error=bindparam("b_error"),
        next_attempt_at=bindparam("b_next", type_=UTCDateTime())),
    "failed": update(_T).where(_STILL_OURS).values(
        status="failed", claimed_until=None, last_error=bindparam("b_error")),
}


def _outcome(message, outcome: str, error: str | None, next_attempt_at: datetime | None):
    """The parameters of _RECORD[outcome] for `message` (aware datetimes only)."""
    params = {"b_id": message.id, "b_attempts": message.attempts}
    if outcome == "sent":
        params["b_sent_at"] = utcnow()
    else:
        params["b_error"] = error[:2000]
        if outcome == "retry":
            params["b_next"] = next_attempt_at
    return params


def _check_ours(rowcount: int, message_id: int, outcome: str) -> None:
    if rowcount != 1:
        current_app.logger.warning(
            "outbox message %s: claim expired and was taken over before its outcome (%s) "
            "was recorded", message_id, outcome,
        )


class _SessionOutcomes:
    """Claims and outcomes in the session, each committed at once.

    SQLite uses it (an in-memory database is one connection shared by every session, and
    a SQLite commit costs no round trip anyway), and so does a lone `deliver_one`.
    """

    def claim(self, size: int, now: datetime | None) -> list:
        return claim_batch(size, now)

    def record(self, message, outcome: str, error: str | None = None,
               next_attempt_at: datetime | None = None) -> str:
        result = db.session.execute(_RECORD[outcome],
                                    _outcome(message, outcome, error, next_attempt_at),
                                    execution_options={"synchronize_session": False})
        db.session.commit()
        _check_ours(result.rowcount, message.id, outcome)
        return outcome

    def close(self) -> None:
        """Nothing to close: the session stays the caller's."""


class _PostgresOutcomes:
    """PostgreSQL: a pass's claims and outcomes on one autocommit connection.

    A claim, and each outcome, is one statement: one round trip, its own transaction.
    An outcome goes straight through the driver's cursor, as SQL compiled once for the
    pass: the per-message statement is the worker's hottest database call, and SQLAlchemy's
    execution machinery cost twice the driver's own work. A driver error is raised as
    SQLAlchemy's (a DBAPIError), as every other statement's, and drops the connection.
    """

    def __init__(self):
        self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.dbapi = self.connection.dialect.loaded_dbapi
        self.cursor = self.connection.connection.dbapi_connection.cursor()
        self.sql = {}
        for outcome, statement in _RECORD.items():
            compiled = statement.compile(dialect=self.connection.dialect)
            self.sql[outcome] = (str(compiled), compiled.params)

    def claim(self, size: int, now: datetime | None) -> list:
        rows = self.connection.execute(_CLAIM_NEXT_DUE, _claim_params(size, now)).all()
        return _oldest_first(rows)

    def record(self, message, outcome: str, error: str | None = None,
               next_attempt_at: datetime | None = None) -> str:
        sql, constants = self.sql[outcome]
        params = {**constants, **_outcome(message, outcome, error, next_attempt_at)}
        try:
            self.cursor.execute(sql, params)
        except self.dbapi.Error as exc:
            self.connection.invalidate(exc)
            raise DBAPIError.instance(sql, params, exc, self.dbapi.Error,
                                      connection_invalidated=True,
                                      dialect=self.connection.dialect) from exc
        _check_ours(self.cursor.rowcount, message.id, outcome)
        return outcome

    def close(self) -> None:
        try:
            self.cursor.close()
        finally:
            self.connection.close()


def deliver_one(message, backend, now: datetime | None = None, outcomes=None) -> str:
    """Send a claimed message and record the outcome; return "sent", "retry" or "failed".

    Without `outcomes` (the pass's, see deliver_due) the outcome is committed at once.
    """
    outcomes = outcomes or _SessionOutcomes()
    now = now or utcnow()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if message.attempts > max_attempts:
        # Claimed again after its last attempt's worker died (the lease ran out).
        error = message.last_error or "the worker stopped while sending it"
        return outcomes.record(message, "failed",
                               f"gave up after {max_attempts} attempts: {error}")
    try:
        mail = compose(message, current_app.config["MAIL_FROM"])
    except Exception as exc:  # a message that cannot be built never will be
        return outcomes.record(message, "failed", f"cannot build the message: {exc}")
    try:
        backend.send(mail)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            current_app.logger.exception("outbox message %s: unexpected error", message.id)
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        if message.attempts >= max_attempts:
            return outcomes.record(message, "failed", error)
        return outcomes.record(message, "retry", error, now + backoff(message.attempts))
    return outcomes.record(message, "sent")


def deliver_due(
    now: datetime | None = None,
    limit: int | None = None,
    stop: Callable[[], bool] | None = None,
    batch: int = BATCH,
) -> DeliveryReport:
    """Deliver every message that is due (at most `limit`), a claimed batch at a time; commits.

    `now` (tests) fixes the clock for what is due and for the backoff; `stop` is asked
    between messages so a worker can finish its current message and leave (the rest of
    its batch goes back to the queue). An unusable MAIL_URL or MAIL_FROM raises
    ValueError before any message is claimed.
    """
    parse_sender(current_app.config["MAIL_FROM"])  # a bad setting fails every message: stop
    backend = get_backend(current_app.config)
    report = DeliveryReport()
    pending: list = []
    outcomes = (_PostgresOutcomes() if db.engine.dialect.name == "postgresql"
                else _SessionOutcomes())
    try:
        while limit is None or report.total < limit:
            if stop is not None and stop():
                break
            size = batch if limit is None else min(batch, limit - report.total)
            pending = outcomes.claim(size, now)
            if not pending:
                break
            while pending:
                if stop is not None and stop():
                    break
                message = pending.pop(0)  # started: never handed back
                report.add(deliver_one(message, backend, now, outcomes))
            if pending:
                break
    finally:
        backend.close()
        try:
            outcomes.close()
        finally:
            if pending:  # asked to stop, or an error: the unstarted messages go back now
                try:
                    release(pending)
                except Exception:  # the database is gone too: their lease will run out
                    db.session.rollback()
                    current_app.logger.exception("could not hand back %d claimed messages",
                                                 len(pending))
    return report
