"""Recording responses: customers, de-duplication, latest scores per quarter, status."""

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.nps.models import Customer, QuarterScore, Response
from ambassador.nps.services import record_responses
from tests.conftest import utc


def _scores(quarter, touchpoint=""):
    rows = db.session.execute(
        select(Customer.email, QuarterScore.score)
        .join(Customer, Customer.id == QuarterScore.customer_id)
        .where(QuarterScore.quarter == quarter, QuarterScore.touchpoint == touchpoint)
    )
    return dict(rows.all())


def test_latest_answer_per_quarter_and_status():
    result = record_responses([
        {"email": "ana@example.com", "score": 10, "responded_at": utc(2026, 1, 5)},
        {"email": "ana@example.com", "score": 6, "responded_at": utc(2026, 2, 5),
         "touchpoint": "transactional"},
        {"email": "ana@example.com", "score": 9, "responded_at": utc(2026, 4, 5)},
        {"email": "bob@example.com", "score": 8, "responded_at": utc(2026, 3, 1)},
    ], "import")
    db.session.commit()
    assert result.created == 4 and result.duplicates == 0
    assert _scores("2026-Q1") == {"ana@example.com": 6, "bob@example.com": 8}
    assert _scores("2026-Q1", "transactional") == {"ana@example.com": 6}
    assert _scores("2026-Q2") == {"ana@example.com": 9}
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert (ana.latest_score, ana.status) == (9, "active")


def test_an_older_answer_arriving_later_does_not_change_the_status():
    record_responses([{"email": "ana@example.com", "score": 10,
                       "responded_at": utc(2026, 3, 5)}], "api")
    record_responses([{"email": "ana@example.com", "score": 3,
                       "responded_at": utc(2026, 2, 5)}], "import")
    db.session.commit()
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert (ana.latest_score, ana.status) == (10, "active")
    assert _scores("2026-Q1") == {"ana@example.com": 10}


def test_a_later_low_answer_lapses_the_ambassador():
    record_responses([{"email": "ana@example.com", "score": 10,
                       "responded_at": utc(2026, 1, 5)}], "import")
    record_responses([{"email": "ana@example.com", "score": 7,
                       "responded_at": utc(2026, 5, 5)}], "checkin")
    db.session.commit()
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert ana.status == "lapsed"


def test_duplicates_by_external_id_and_by_email_score_time():
    rows = [
        {"email": "ana@example.com", "score": 10, "responded_at": utc(2026, 1, 5),
         "external_id": "R_1"},
        {"email": "bob@example.com", "score": 4, "responded_at": utc(2026, 1, 6)},
    ]
    assert record_responses(rows, "import").created == 2
    again = record_responses(rows + [dict(rows[1])], "import")
    db.session.commit()
    assert (again.created, again.duplicates) == (0, 3)
    assert db.session.scalar(select(db.func.count()).select_from(Response)) == 2


def test_customer_details_are_kept_and_filled_in():
    record_responses([{"email": "sukru@example.com", "score": 9, "name": "Şükrü Yılmaz"}],
                     "import")
    record_responses([{"email": "sukru@example.com", "score": 10, "company": "Ağaoğlu A.Ş.",
                       "name": "Other"}], "import")
    db.session.commit()
    customer = db.session.scalar(select(Customer))
    assert (customer.name, customer.company) == ("Şükrü Yılmaz", "Ağaoğlu A.Ş.")


def _listen():
    """Record every responses_recorded signal sent while the returned list is alive."""
    from ambassador.nps.signals import responses_recorded

    received = []

    def receiver(app, **kw):
        received.append(kw)

    responses_recorded.connect(receiver)
    return received, lambda: responses_recorded.disconnect(receiver)


def test_one_signal_per_batch_with_old_and_new_status():
    record_responses([{"email": "ana@example.com", "score": 10,
                       "responded_at": utc(2026, 1, 5)}], "api")
    received, stop = _listen()
    try:
        items = [{"email": f"p{i}@example.com", "score": 9, "responded_at": utc(2026, 2, 1)}
                 for i in range(5)]
        items.append({"email": "ana@example.com", "score": 3, "responded_at": utc(2026, 2, 2)})
        record_responses(items, "import", batch_size=4)
        record_responses(items, "import", batch_size=4)  # all duplicates: nothing to say
    finally:
        stop()
    assert [len(r["changes"]) for r in received] == [4, 2]
    changes = {cid: change for r in received for cid, change in r["changes"].items()}
    ana = db.session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert changes[ana.id] == ("active", "lapsed")
    others = [c for cid, c in changes.items() if cid != ana.id]
    assert others == [("none", "active")] * 5
    assert {r["source"] for r in received} == {"import"}
    assert sum(len(r["response_ids"]) for r in received) == 6
