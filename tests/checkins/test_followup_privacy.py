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


def test_check_in_answers_are_downloaded_and_their_comments_erased():
    from ambassador.checkins.models import CheckIn

    record_responses([{"email": "bo@example.com", "score": 9}], "import")
    bo = db.session.scalar(select(Customer).where(Customer.email == "bo@example.com"))
    db.session.add(CheckIn(customer_id=bo.id, quarter="2026-Q4", score=9,
                           comment="Lovely team"))
    db.session.commit()
    section = privacy.data_of(privacy.subject_of_customer(bo))["checkins"]
    assert [(c["quarter"], c["score"], c["comment"]) for c in section] == \
        [("2026-Q4", 9, "Lovely team")]
    privacy.erase(privacy.subject_of_customer(bo))
    db.session.commit()
    kept = db.session.scalar(select(CheckIn))
    assert (kept.score, kept.comment) == (9, None)
