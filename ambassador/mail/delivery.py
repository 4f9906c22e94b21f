"""Delivering the outbox: claim a message, send it, record the outcome.

A message is claimed by an UPDATE that only succeeds while it is still due (on
PostgreSQL the candidate row is first locked with FOR UPDATE SKIP LOCKED, so workers
pass each other by instead of queueing on one row), and the claim is committed before
the message is sent, so two workers never send the same one. The outcome is recorded
only while the claim is still ours, so a late worker never overwrites a newer state.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ambassador.extensions import db
from ambassador.mail.backends import DeliveryError, build_message, get_backend, parse_sender
from ambassador.mail.models import OutboxMessage
from ambassador.utils import utcnow

# How long a claim lasts: far longer than one SMTP conversation (MAIL_TIMEOUT per step),
# so only a crashed worker's message is taken over.
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retry later {self.retried}, failed {self.failed}"

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


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def claim_next(now: datetime | None = None) -> OutboxMessage | None:
    """Claim the next due message for this worker and commit the claim, or return None."""
    now = now or utcnow()
    while True:
        candidate = db.session.scalar(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # SQLite: not rendered; the UPDATE decides
        )
        if candidate is None:
            db.session.commit()
            return None
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, _due(now))
            .values(
                status="sending",
                claimed_until=now + LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount == 1:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)
        # Another worker claimed it between our SELECT and UPDATE: look again.


def _record(message: OutboxMessage, outcome: str, **values) -> str:
    """Store the outcome if the claim is still ours; commit; return the outcome."""
    status = {"sent": "sent", "retry": "queued", "failed": "failed"}[outcome]
    message_id, attempts = message.id, message.attempts
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "sending",
            OutboxMessage.attempts == attempts,
        )
        .values(status=status, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        current_app.logger.warning(
            "outbox message %s: claim expired and was taken over before its outcome (%s) "
            "was recorded", message_id, outcome,
        )
    return outcome


def deliver_one(message: OutboxMessage, backend, now: datetime | None = None) -> str:
    """Send a claimed message and record the outcome; return "sent", "retry" or "failed"."""
    now = now or utcnow()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if message.attempts > max_attempts:
        # Claimed again after its last attempt's worker died (the lease ran out).
        error = message.last_error or "the worker stopped while sending it"
        return _record(message, "failed", last_error=f"gave up after {max_attempts} attempts: "
                       f"{error}"[:2000])
    try:
        email = build_message(message, current_app.config["MAIL_FROM"])
    except Exception as exc:  # a message that cannot be built never will be
        return _record(message, "failed", last_error=f"cannot build the message: {exc}"[:2000])
    try:
        backend.send(email)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            current_app.logger.exception("outbox message %s: unexpected error", message.id)
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        if message.attempts >= max_attempts:
            return _record(message, "failed", last_error=error[:2000])
        return _record(message, "retry", last_error=error[:2000],
                       next_attempt_at=now + backoff(message.attempts))
    return _record(message, "sent", sent_at=utcnow(), last_error=None)


def deliver_due(
    now: datetime | None = None,
    limit: int | None = None,
    stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Deliver every message that is due (at most `limit`), one claim at a time; commits.

    `now` (tests) fixes the clock for what is due and for the backoff; `stop` is asked
    between messages so a worker can finish its current message and leave. An unusable
    MAIL_URL or MAIL_FROM raises ValueError before any message is claimed.
    """
    parse_sender(current_app.config["MAIL_FROM"])  # a bad setting fails every message: stop
    backend = get_backend(current_app.config)
    report = DeliveryReport()
    try:
        while limit is None or report.sent + report.retried + report.failed < limit:
            if stop is not None and stop():
                break
            message = claim_next(now)
            if message is None:
                break
            report.add(deliver_one(message, backend, now))
    finally:
        backend.close()
    return report
