"""Delivering the outbox: claim a message, send it, record the outcome.

A message is claimed by an UPDATE that only succeeds while it is still due (on
PostgreSQL the candidate row is first locked with FOR UPDATE SKIP LOCKED), and the
claim is committed before the message is sent, so two workers never send the same one.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ambassador.extensions import db
from ambassador.mail.backends import DeliveryError, build_message, get_backend
from ambassador.mail.models import OutboxMessage
from ambassador.utils import utcnow

LEASE = timedelta(minutes=10)


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retry later {self.retried}, failed {self.failed}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _due(now):
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def claim_next(now=None) -> OutboxMessage | None:
    """Claim the next due message for this worker and commit the claim, or return None."""
    now = now or utcnow()
    while True:
        candidate = db.session.scalar(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
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
        )
        db.session.commit()
        if result.rowcount == 1:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)


def deliver_one(message: OutboxMessage, backend, now=None) -> str:
    """Send a claimed message and record the outcome: "sent", "retry" or "failed"."""
    now = now or utcnow()
    sender = current_app.config["MAIL_FROM"]
    try:
        backend.send(build_message(message, sender))
    except DeliveryError as exc:
        max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
        message.last_error = str(exc)[:2000]
        message.claimed_until = None
        if message.attempts >= max_attempts:
            message.status = "failed"
        else:
            message.status = "queued"
            message.next_attempt_at = now + backoff(message.attempts)
        db.session.commit()
        return message.status if message.status == "failed" else "retry"
    message.status = "sent"
    message.sent_at = utcnow()
    message.claimed_until = None
    message.last_error = None
    db.session.commit()
    return "sent"


def deliver_due(now=None, limit: int | None = None) -> DeliveryReport:
    """Deliver every message that is due now (at most `limit`), one claim at a time."""
    backend = get_backend(current_app.config)
    report = DeliveryReport()
    done = 0
    while limit is None or done < limit:
        message = claim_next(now)
        if message is None:
            break
        outcome = deliver_one(message, backend, now)
        done += 1
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retry":
            report.retried += 1
        else:
            report.failed += 1
    return report
