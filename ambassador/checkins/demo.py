"""The demo's check-ins: three past rounds, most answered, some reminded, a few unanswered."""

import random
from datetime import timedelta

from sqlalchemy import select

from ambassador.checkins.models import CheckIn
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.nps.rules import previous_quarters, quarter_bounds, quarter_of

ANSWERED, UNANSWERED = 45, 20  # per round


def load_demo_checkins(rng: random.Random, now) -> int:
    """Rounds for the three quarters before `now`'s: answers are some of the demo's
    responses of that quarter (source `checkin`). Flushes only; returns the check-ins made."""
    made = 0
    for quarter in previous_quarters(quarter_of(now), 4)[:-1]:
        start, end = quarter_bounds(quarter)
        answers = db.session.scalars(
            select(Response).where(Response.responded_at >= start + timedelta(days=4),
                                   Response.responded_at < end)
            .order_by(Response.id)).all()
        taken: set[int] = set()
        for response in rng.sample(answers, min(ANSWERED, len(answers))):
            if response.customer_id in taken:
                continue
            taken.add(response.customer_id)
            sent = response.responded_at - timedelta(hours=rng.randint(2, 80))
            reminded = rng.random() < 0.3
            if reminded:
                sent -= timedelta(days=7)
            db.session.add(CheckIn(
                customer_id=response.customer_id, quarter=quarter, sent_at=sent,
                reminded_at=sent + timedelta(days=7) if reminded else None,
                last_mail_at=sent + timedelta(days=7) if reminded else sent,
                answered_at=response.responded_at, score=response.score,
                comment=response.comment, response_id=response.id))
            response.source = "checkin"
            made += 1
        quiet = db.session.scalars(
            select(Customer.id).where(Customer.status == "active", Customer.id.not_in(taken))
            .order_by(Customer.id)).all()
        for customer_id in rng.sample(quiet, min(UNANSWERED, len(quiet))):
            sent = start + timedelta(days=rng.randint(3, 70), hours=rng.randint(8, 17))
            db.session.add(CheckIn(customer_id=customer_id, quarter=quarter, sent_at=sent,
                                   reminded_at=sent + timedelta(days=7),
                                   last_mail_at=sent + timedelta(days=7)))
            made += 1
    db.session.flush()
    return made
