"""Check-ins in a person's data download, and their comments gone when the person is erased.

The check-in rows stay (without the comment) so each round's response rate stays right,
as the erased person's answers stay as bare scores.
"""

from sqlalchemy import select, update

from ambassador.checkins.models import CheckIn
from ambassador.extensions import db
from ambassador.privacy import Subject, register_data_section, register_erasure


def checkins_section(subject: Subject):
    """Every check-in mailed to the person, and their answer."""
    if subject.customer_id is None:
        return []
    rows = db.session.scalars(select(CheckIn).where(CheckIn.customer_id == subject.customer_id)
                              .order_by(CheckIn.sent_at))
    return [{"quarter": c.quarter, "sent_at": c.sent_at, "reminded_at": c.reminded_at,
             "answered_at": c.answered_at, "score": c.score, "comment": c.comment}
            for c in rows]


def erase_checkin_comments(subject: Subject) -> dict:
    """Remove the person's words from their check-in answers."""
    if subject.customer_id is None:
        return {}
    erased = db.session.execute(update(CheckIn).where(
        CheckIn.customer_id == subject.customer_id, CheckIn.comment.is_not(None))
        .values(comment=None)).rowcount
    return {"checkin_comments": erased}


register_data_section("checkins", checkins_section)
register_erasure(erase_checkin_comments, order=50, name="checkins.comments")
