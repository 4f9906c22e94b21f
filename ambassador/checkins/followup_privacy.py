"""Follow-up tasks in a person's data download, and gone when the person is erased.

A task is about one customer: the download shows its timeline (notes included, since they
are about the person); erasure deletes the tasks with their notes and replies, and the
welcome-back records; the audit entries about the tasks keep no address.
"""

from sqlalchemy import delete, select

from ambassador.audit.services import redact_entries
from ambassador.checkins.followup_models import FollowUp, FollowUpEvent, WelcomeBack
from ambassador.extensions import db
from ambassador.privacy import Subject, register_data_section, register_erasure


def follow_ups_section(subject: Subject):
    """Every follow-up task opened about the person, with its timeline."""
    if subject.customer_id is None:
        return []
    tasks = db.session.scalars(select(FollowUp).where(FollowUp.customer_id == subject.customer_id)
                               .order_by(FollowUp.opened_at)).all()
    events = db.session.scalars(select(FollowUpEvent).where(
        FollowUpEvent.follow_up_id.in_([t.id for t in tasks])).order_by(FollowUpEvent.id))
    timeline: dict[int, list] = {}
    for event in events:
        timeline.setdefault(event.follow_up_id, []).append(
            {"kind": event.kind, "text": event.body, "at": event.created_at})
    return [{"reason": t.reason, "status": t.status, "score": t.score,
             "opened_at": t.opened_at, "resolved_at": t.resolved_at,
             "timeline": timeline.get(t.id, [])} for t in tasks]


def erase_follow_ups(subject: Subject) -> dict:
    """Delete the person's follow-up tasks (their notes and replies go with them)."""
    if subject.customer_id is None:
        return {}
    ids = db.session.scalars(select(FollowUp.id).where(
        FollowUp.customer_id == subject.customer_id)).all()
    # the address a reply was mailed to stays in the audit trail as "[erased]"
    audit = redact_entries("follow_ups", ids, keys=("to",), values=subject.emails)
    tasks = db.session.execute(delete(FollowUp).where(
        FollowUp.customer_id == subject.customer_id)).rowcount
    db.session.execute(delete(WelcomeBack).where(WelcomeBack.customer_id == subject.customer_id))
    db.session.flush()
    return {"follow_ups": tasks, "audit_entries": audit}


register_data_section("follow_ups", follow_ups_section)
register_erasure(erase_follow_ups, order=50, name="checkins.follow_ups")
