"""Delivering the outbox: claim a small batch, send each message, record each outcome.

A batch is claimed by one UPDATE … WHERE id IN (the next due ids) that only takes rows
still due (on PostgreSQL the ids are picked with FOR UPDATE SKIP LOCKED, so workers pass
each other by instead of queueing on the same rows; SQLite runs the statement under its
write lock). The claim is committed before anything is sent, so two workers never send
the same message. Each outcome is recorded and committed right after its own send, and
only while the claim is still ours, so a late worker never overwrites a newer state.

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
from sqlalchemy import and_, or_, select, update

from ambassador.extensions import db
from ambassador.mail.backends import DeliveryError, get_backend
from ambassador.mail.compose import compose, parse_sender
from ambassador.mail.models import OutboxMessage
from ambassador.utils import utcnow

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


def _due(now: datetime, table=OutboxMessage):
    return or_(
        and_(table.status == "queued", table.next_attempt_at <= now),
        and_(table.status == "sending", table.claimed_until < now),
    )


def lease() -> timedelta:
    """How long a claim lasts before another worker may take the message over."""
    seconds = current_app.config.get("OUTBOX_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


def claim_batch(size: int = BATCH, now: datetime | None = None) -> list:
    """Claim up to `size` due messages for this worker and commit the claim; oldest first.

    Returns plain rows (id, to_addr, subject, bodies, created_at, headers, attempts, …).
    The ids are picked first (on PostgreSQL locked with FOR UPDATE SKIP LOCKED, in the
    claim's transaction), then one UPDATE takes those still due: PostgreSQL may run an
    `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` subquery once per row and claim far
    more than n, so the two steps stay apart.
    """
    now = now or utcnow()
    while True:
        ids = db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(size)
            .with_for_update(skip_locked=True)  # SQLite: not rendered; the UPDATE decides
        ).all()
        if not ids:
            db.session.commit()
            return []
        rows = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _due(now))
            .values(status="sending", claimed_until=now + lease(),
                    attempts=OutboxMessage.attempts + 1)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        if rows:
            return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))
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


def _record(message, outcome: str, connection=None, **values) -> str:
    """Store the outcome if the claim is still ours; commit; return the outcome.

    With `connection` (an autocommit connection held for the pass) the outcome is one
    statement and one round trip, instead of a transaction of the session.
    """
    status = {"sent": "sent", "retry": "queued", "failed": "failed"}[outcome]
    message_id, attempts = message.id, message.attempts
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "sending",
            OutboxMessage.attempts == attempts,
        )
        .values(status=status, claimed_until=None, **values)
    )
    if connection is not None:
        result = connection.execute(statement)
    else:
        result = db.session.execute(statement.execution_options(synchronize_session=False))
        db.session.commit()
    if result.rowcount != 1:
        current_app.logger.warning(
            "outbox message %s: claim expired and was taken over before its outcome (%s) "
            "was recorded", message_id, outcome,
        )
    return outcome


def deliver_one(message, backend, now: datetime | None = None, connection=None) -> str:
    """Send a claimed message and record the outcome; return "sent", "retry" or "failed"."""
    now = now or utcnow()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if message.attempts > max_attempts:
        # Claimed again after its last attempt's worker died (the lease ran out).
        error = message.last_error or "the worker stopped while sending it"
        error = f"gave up after {max_attempts} attempts: {error}"
        return _record(message, "failed", connection, last_error=error[:2000])
    try:
        mail = compose(message, current_app.config["MAIL_FROM"])
    except Exception as exc:  # a message that cannot be built never will be
        error = f"cannot build the message: {exc}"
        return _record(message, "failed", connection, last_error=error[:2000])
    try:
        backend.send(mail)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            current_app.logger.exception("outbox message %s: unexpected error", message.id)
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        if message.attempts >= max_attempts:
            return _record(message, "failed", connection, last_error=error[:2000])
        return _record(message, "retry", connection, last_error=error[:2000],
                       next_attempt_at=now + backoff(message.attempts))
    return _record(message, "sent", connection, sent_at=utcnow(), last_error=None)


def _outcome_connection():
    """PostgreSQL: one autocommit connection for the pass's outcomes (one round trip each).

    SQLite keeps the session: an in-memory database is one connection shared by every
    session, and a SQLite commit costs no round trip anyway.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


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
    connection = _outcome_connection()
    try:
        while limit is None or report.total < limit:
            if stop is not None and stop():
                break
            size = batch if limit is None else min(batch, limit - report.total)
            pending = claim_batch(size, now)
            if not pending:
                break
            while pending:
                if stop is not None and stop():
                    break
                message = pending.pop(0)  # started: never handed back
                report.add(deliver_one(message, backend, now, connection))
            if pending:
                break
    finally:
        backend.close()
        if connection is not None:
            connection.close()
        if pending:  # asked to stop, or an error: the unstarted messages go back now
            try:
                release(pending)
            except Exception:  # the database is gone too: their lease will run out
                db.session.rollback()
                current_app.logger.exception("could not hand back %d claimed messages",
                                             len(pending))
    return report
