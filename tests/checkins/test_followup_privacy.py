"""Follow-up tasks in the person's data download, and gone with the person."""

from sqlalchemy import func, select

from ambassador.checkins.followup_models import FollowUp, FollowUpEvent
from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.nps.services import record_responses
from ambassador.privacy import services as privacy


def test_a_task_and_its_notes_are_downloaded_and_then_erased_with_the_person():
    record_responses([{"email": "ana@example.com", "score": 3, "comment": "Slow support"}],
                     "import")
    db.session.commit()
    [task] = db.session.scalars(select(FollowUp)).unique().all()
    db.session.add(FollowUpEvent(follow_up_id=task.id, kind="note", body="Called Ana twice"))
    db.session.commit()
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    section = privacy.data_of(privacy.subject_of_customer(ana))["follow_ups"]
    assert section[0]["score"] == 3
    assert "Called Ana twice" in [line["text"] for line in section[0]["timeline"]]
    privacy.erase(privacy.subject_of_customer(ana))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.scalar(select(func.count()).select_from(FollowUpEvent)) == 0
