"""One open task per person under real concurrency: API calls for the same person at once."""

import threading

import pytest
from sqlalchemy import func, select

from ambassador.checkins.followup_models import FollowUp
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from tests.mail import IN_MEMORY_SQLITE


@pytest.mark.skipif(IN_MEMORY_SQLITE, reason="in-memory SQLite is one shared connection: "
                    "this runs on PostgreSQL (TEST_DATABASE_URL)")
def test_eight_unhappy_answers_at_once_open_one_task(app, make_response):
    make_response(score=3, email="first@example.com")  # the person exists already
    db.session.query(FollowUp).delete()
    db.session.commit()
    start, errors = threading.Barrier(8), []

    def answer(n):
        try:
            with app.app_context():
                start.wait()
                record_responses([{"email": "first@example.com", "score": n % 7,
                                   "external_id": f"race-{n}"}], "api")
                db.session.commit()
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1
        assert db.session.scalar(select(FollowUp.triggers)) >= 1
