"""The verified-promoter rule, in one function that every source of responses reaches.

A testimonial's "verified promoter" mark follows its author's latest answer (9-10).
When the author answers again, their live testimonials are looked at once:
a 0-6 takes the published ones off at once and queues them for review with the
reason; a 7-8 flags them for review but leaves them up. `nps` announces every batch
of responses (import, API, check-in) with `responses_recorded`; this package
subscribes to it, so `nps` never needs to know testimonials exist.
"""

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.nps.signals import responses_recorded
from ambassador.testimonials.models import Testimonial
from ambassador.utils import utcnow

CHUNK = 500
LIVE = ("pending", "approved")


def apply_latest_answers(customer_ids, now=None) -> int:
    """Apply the rule to these customers' live testimonials; return how many changed."""
    # Few people write testimonials: look only at those among the (often many) customers.
    writers = db.session.scalars(select(Testimonial.customer_id).distinct().where(
        Testimonial.status.in_(LIVE)))
    ids = sorted(set(customer_ids).intersection(writers))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Testimonial, Customer.latest_score, Customer.latest_response_at)
            .join(Customer, Customer.id == Testimonial.customer_id)
            .where(Testimonial.customer_id.in_(ids[start:start + CHUNK]),
                   Testimonial.status.in_(LIVE))).all()
        for testimonial, score, answered_at in rows:
            changed += _apply(testimonial, score, answered_at, now or utcnow())
    if changed:
        db.session.flush()
    return changed


def _apply(testimonial: Testimonial, score, answered_at, now) -> bool:
    """The rule for one testimonial and its author's latest answer."""
    if score is None or answered_at is None:
        return False
    seen = testimonial.score_seen_at
    if seen is not None and answered_at <= seen:
        return False  # an older answer arrived later: the latest one is unchanged
    testimonial.score_seen_at = answered_at
    if score >= 9:
        return False
    if score <= 6 and testimonial.status == "approved":
        testimonial.status = "pending"
        testimonial.featured = False
    testimonial.review_score = score
    testimonial.review_answered_at = answered_at
    testimonial.updated_at = now
    return True


def subscribe() -> None:
    """Follow every recorded batch of responses (connecting twice changes nothing)."""
    responses_recorded.connect(_on_responses_recorded)


def _on_responses_recorded(_app, source=None, changes=None, response_ids=None, **_extra):
    """Every recorded batch: re-check the testimonials of the customers it touched."""
    if changes:
        apply_latest_answers(changes.keys())
