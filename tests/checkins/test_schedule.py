"""Who is due, when: 90 days, one per quarter, a reminder at day 7, two mails a quarter at most."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from ambassador.checkins import services
from ambassador.checkins.models import CheckIn
from ambassador.extensions import db
from ambassador.mail.unsubscribe import unsubscribe
from ambassador.nps.rules import quarter_of
from ambassador.utils import utcnow
from tests.checkins.conftest import NOW
from tests.conftest import utc
from tests.mail import IN_MEMORY_SQLITE


def _checkins(outbox, email=None):
    return [m for m in outbox(email) if m.kind == "checkin"]


def test_due_at_90_days_not_at_89(make_ambassador, send_due, outbox):
    due = make_ambassador(days=90, email="due@example.com")
    make_ambassador(days=89, email="early@example.com")
    result = send_due()
    assert (result.checkins, result.reminders, result.held_back) == (1, 0, 0)
    assert [m.to_addr for m in _checkins(outbox)] == [due.email]
    assert send_due(NOW + timedelta(days=1)).checkins == 1  # the other one, a day later


def test_with_or_without_an_account_and_never_lapsed_or_unsubscribed(make_ambassador, send_due,
                                                                       outbox):
    make_ambassador(days=120, email="plain@example.com")
    make_ambassador(days=120, email="member@example.com", account=True)
    make_ambassador(days=120, score=8, email="lapsed@example.com")
    make_ambassador(days=120, email="gone@example.com")
    unsubscribe("gone@example.com")
    db.session.commit()
    assert send_due().checkins == 2
    assert sorted(m.to_addr for m in outbox()) == ["member@example.com", "plain@example.com"]


def test_running_twice_in_a_row_queues_nothing_twice(make_ambassador, send_due, outbox):
    for n in range(5):
        make_ambassador(days=100 + n)
    assert send_due().checkins == 5
    again = send_due()
    assert (again.checkins, again.reminders, again.held_back) == (0, 0, 0)
    assert len(outbox()) == 5


def test_chunks_cover_everyone_once(make_ambassador, send_due, outbox):
    for _n in range(7):
        make_ambassador(days=95)
    assert send_due(chunk=3).checkins == 7
    assert len(set(m.to_addr for m in outbox())) == 7


def test_at_most_one_checkin_per_quarter_and_the_quarter_rollover(make_ambassador, send_due,
                                                                   outbox):
    person = make_ambassador(days=200, now=utc(2026, 10, 1))
    assert send_due(utc(2026, 10, 1, 9)).checkins == 1  # 2026-Q4
    # 91 days after that mail it is still 2026-Q4: 90 days have passed, but not a new quarter
    assert send_due(utc(2026, 12, 31, 10)).checkins == 0
    assert send_due(utc(2027, 1, 1, 0, 30)).checkins == 1  # 2027-Q1
    quarters = db.session.scalars(select(CheckIn.quarter).where(
        CheckIn.customer_id == person.id).order_by(CheckIn.id)).all()
    assert quarters == ["2026-Q4", "2027-Q1"]


def test_the_90_days_also_count_from_the_latest_checkin_mail(make_ambassador, send_due):
    make_ambassador(days=300, now=utc(2026, 3, 20))
    assert send_due(utc(2026, 3, 20)).checkins == 1  # Q1
    assert send_due(utc(2026, 3, 27)).reminders == 1  # the latest check-in mail
    assert send_due(utc(2026, 4, 2)).checkins == 0  # a new quarter, but 6 days since the mail
    assert send_due(utc(2026, 6, 24)).checkins == 0  # 89 days after the reminder
    assert send_due(utc(2026, 6, 25)).checkins == 1  # 90 days


def test_one_reminder_at_day_7_if_unanswered(make_ambassador, send_due, outbox):
    person = make_ambassador(days=100)
    send_due(NOW)
    assert send_due(NOW + timedelta(days=6, hours=23)).reminders == 0
    assert send_due(NOW + timedelta(days=7)).reminders == 1
    assert send_due(NOW + timedelta(days=8)).reminders == 0  # one reminder, never two
    assert send_due(NOW + timedelta(days=20)).reminders == 0
    mails = outbox(person.email)
    assert [m.kind for m in mails] == ["checkin", "checkin"]
    assert "A week ago we asked you one question" in mails[1].body_text
    assert mails[1].subject.startswith("Reminder:")


def test_no_reminder_once_answered_here_or_elsewhere(make_ambassador, make_response, send_due):
    answered_elsewhere = make_ambassador(days=100)
    send_due(NOW)
    make_response(score=10, email=answered_elsewhere.email,
                  responded_at=NOW + timedelta(days=2))  # imported from another survey
    assert send_due(NOW + timedelta(days=7)).reminders == 0


def test_never_more_than_two_checkin_mails_a_quarter(make_ambassador, send_due, outbox):
    """A year of daily runs: every quarter, at most a check-in and its reminder."""
    people = [make_ambassador(days=d, now=utc(2026, 1, 1)) for d in (80, 90, 100, 170)]
    day = utc(2026, 1, 1, 9)
    while day < utc(2027, 1, 1):
        send_due(day)
        day += timedelta(days=1)
    mails = [(c.customer_id, quarter_of(moment)) for c in db.session.scalars(select(CheckIn))
             for moment in (c.sent_at, c.reminded_at) if moment is not None]
    assert len(mails) == len(outbox())
    per_quarter = Counter(mails)
    assert per_quarter and max(per_quarter.values()) <= 2
    for person in people:  # everyone was asked in every quarter from the second on
        assert {q for (who, q) in per_quarter if who == person.id} >= {"2026-Q2", "2026-Q3",
                                                                        "2026-Q4"}


def test_the_contact_budget_holds_back_and_the_next_run_sends(make_ambassador, send_due,
                                                               outbox):
    from ambassador.mail.budget import claim_contact

    person = make_ambassador(days=100)
    claim_contact(person.email, "testimonial_request", NOW - timedelta(days=3))
    db.session.commit()
    result = send_due(NOW)
    assert (result.checkins, result.held_back) == (0, 1)
    assert db.session.scalars(select(CheckIn)).all() == []  # nothing claimed: it waits
    assert send_due(NOW + timedelta(days=4)).checkins == 1


def test_paused_checkins_send_nothing_until_resumed(make_ambassador, send_due, outbox):
    make_ambassador(days=100)
    services.set_paused(True)
    db.session.commit()
    assert send_due().checkins == 0 and outbox() == []
    services.set_paused(False)
    db.session.commit()
    assert send_due().checkins == 1


def test_the_command_prints_one_summary_line(runner, make_ambassador):
    make_ambassador(days=100)
    make_ambassador(days=100)
    result = runner.invoke(args=["checkins", "send-due", "--now", "2026-11-10T09:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "queued 2 check-ins, 0 reminders, held back 0"
    again = runner.invoke(args=["checkins", "send-due", "--now", "2026-11-10T10:00:00"])
    assert again.output.strip() == "queued 0 check-ins, 0 reminders, held back 0"
    bad = runner.invoke(args=["checkins", "send-due", "--now", "next tuesday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


@pytest.mark.skipif(IN_MEMORY_SQLITE, reason="in-memory SQLite is one shared connection: "
                    "two runs cannot hold separate transactions (this runs on PostgreSQL)")
def test_two_concurrent_runs_never_queue_anyone_twice(app, make_ambassador, outbox):
    for n in range(300):
        make_ambassador(days=100, email=f"p{n}@example.com")
    start, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                start.wait()
                total = services.RoundResult()
                for part in services.send_due(NOW, chunk=40):
                    db.session.commit()
                    total.add(part)
                results.append(total)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(r.checkins for r in results) == 300
    assert Counter(m.to_addr for m in outbox()) == Counter(f"p{n}@example.com"
                                                           for n in range(300))
    assert len(db.session.scalars(select(CheckIn)).all()) == 300


def test_the_worker_job_queues_what_is_due(make_ambassador, outbox):
    from ambassador.checkins.tasks import send_due_checkins

    make_ambassador(days=100, now=utcnow())
    send_due_checkins()
    send_due_checkins()  # the next hour: nothing twice
    assert [m.kind for m in outbox()] == ["checkin"]
