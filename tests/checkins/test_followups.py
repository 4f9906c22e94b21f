"""Follow-up tasks and welcome-backs, opened from every source of responses, per batch."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from ambassador.audit.models import AuditEntry
from ambassador.checkins import followup_actions
from ambassador.checkins.followup_models import FollowUp, FollowUpEvent, WelcomeBack
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from ambassador.utils import utcnow
from tests.conftest import utc


def tasks(email=None):
    query = select(FollowUp).order_by(FollowUp.id)
    if email:
        from ambassador.nps.models import Customer

        query = query.join(Customer).where(Customer.email == email)
    return list(db.session.scalars(query).unique())


@pytest.mark.parametrize("source", ["import", "api", "checkin"])
def test_an_unhappy_answer_from_any_source_opens_a_task(source):
    record_responses([{"email": "ana@example.com", "score": 3, "comment": "Slow support"}],
                     source)
    db.session.commit()
    [task] = tasks()
    assert (task.customer.email, task.status, task.reason, task.score, task.triggers) == \
        ("ana@example.com", "open", "detractor", 3, 1)


@pytest.mark.parametrize("score", [7, 8, 9, 10])
def test_passives_and_promoters_open_nothing_unless_they_lapse(make_response, score):
    make_response(score=score, email="new@example.com")
    assert tasks() == []


def test_an_active_ambassador_who_lapses_gets_a_task(make_response):
    make_response(score=10, email="eve@example.com", responded_at=utc(2026, 1, 1))
    make_response(score=8, email="eve@example.com", responded_at=utc(2026, 2, 1))
    [task] = tasks()
    assert (task.reason, task.score, task.status) == ("lapsed", 8, "open")


def test_an_ambassador_who_lapses_by_an_unhappy_answer_counts_it_once(make_response):
    make_response(score=9, email="theo@example.com", responded_at=utc(2026, 1, 1))
    make_response(score=3, email="theo@example.com", responded_at=utc(2026, 2, 1))
    [task] = tasks()
    assert (task.reason, task.score, task.triggers) == ("detractor", 3, 1)
    make_response(score=2, email="theo@example.com", responded_at=utc(2026, 3, 1))
    [task] = tasks()
    assert task.triggers == 2  # the next unhappy answer joins it, as always


def test_a_new_unhappy_answer_joins_the_open_task_and_reopens_a_contacted_one(
        make_response, make_user):
    marketer = make_user("marketer")
    make_response(score=2, email="bob@example.com", responded_at=utc(2026, 1, 1))
    [task] = tasks()
    followup_actions.set_status(marketer, task, "contacted")
    db.session.commit()
    make_response(score=5, email="bob@example.com", responded_at=utc(2026, 2, 1))
    [task] = tasks()
    assert (task.triggers, task.score, task.status) == (2, 5, "open")


def test_after_a_task_is_resolved_the_next_unhappy_answer_opens_a_new_one(
        make_response, make_user):
    marketer = make_user("marketer")
    make_response(score=2, email="bob@example.com", responded_at=utc(2026, 1, 1))
    followup_actions.set_status(marketer, tasks()[0], "resolved")
    db.session.commit()
    make_response(score=4, email="bob@example.com", responded_at=utc(2026, 3, 1))
    first, second = tasks()
    assert (first.status, second.status, second.score) == ("resolved", "open", 4)
    with pytest.raises(followup_actions.TaskRefused):  # one open task per person
        followup_actions.set_status(marketer, first, "open")


def test_one_batch_with_many_answers_of_one_person_opens_one_task():
    rows = [{"email": "same@example.com", "score": s, "responded_at": utc(2026, 1, d)}
            for d, s in ((1, 3), (2, 1), (3, 6))]
    rows += [{"email": f"p{i}@example.com", "score": i % 11} for i in range(40)]
    record_responses(rows, "import")
    db.session.commit()
    assert len(tasks("same@example.com")) == 1
    assert tasks("same@example.com")[0].triggers == 3
    assert len(tasks()) == 1 + sum(1 for i in range(40) if i % 11 <= 6)


def _statements(rows) -> int:
    """How many SQL statements closing the loop adds to recording these rows."""
    counted = []
    engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        if any(name in statement for name in ("follow_up", "welcome_back", "webhook")):
            counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        record_responses(rows, "import", batch_size=len(rows))
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def test_the_work_per_batch_does_not_grow_with_its_rows():
    """Set-based: recording 50 or 2,000 unhappy answers takes the same statements."""
    small = _statements([{"email": f"s{i}@example.com", "score": i % 7} for i in range(50)])
    large = _statements([{"email": f"l{i}@example.com", "score": i % 7} for i in range(2000)])
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 2050
    assert large == small <= 4


@pytest.mark.parametrize("pick", [
    lambda ids: ids,                                      # a whole slice: a range
    lambda ids: [i for i in ids if i % 13],               # a few ids taken by others
    lambda ids: ids[::3],                                 # scattered: an array
    lambda ids: ids[4:5],
])
def test_a_batch_reads_exactly_its_responses_whatever_their_ids(pick):
    from ambassador.checkins.followups import among, id_chunks
    from ambassador.nps.models import Response

    record_responses([{"email": f"r{i}@example.com", "score": 5} for i in range(60)], "api")
    stored = sorted(db.session.scalars(select(Response.id)))
    wanted = pick(stored)
    (chunk,) = id_chunks(wanted)
    assert sorted(db.session.scalars(select(Response.id).where(among(Response.id, chunk)))) \
        == wanted


def test_a_returning_ambassador_is_welcomed_back_once_per_return(make_response, outbox):
    email, now = "hel@example.com", utcnow()
    make_response(score=10, email=email, language="fr", responded_at=now - timedelta(days=60))
    make_response(score=7, email=email, responded_at=now - timedelta(days=20))
    make_response(score=9, email=email, responded_at=now - timedelta(days=10))
    make_response(score=10, email=email, responded_at=now - timedelta(days=9))  # still active
    mails = [m for m in outbox(email) if m.kind == "welcome_back"]
    assert len(mails) == 1
    assert "ambassadeurs" in mails[0].body_text  # in the language they answered in
    make_response(score=6, email=email, responded_at=now - timedelta(days=5))
    make_response(score=10, email=email, responded_at=now - timedelta(days=1))
    assert len([m for m in outbox(email) if m.kind == "welcome_back"]) == 2
    assert db.session.scalar(select(func.count()).select_from(WelcomeBack)) == 2


def test_nobody_who_unsubscribed_is_welcomed_back(make_response, outbox):
    from ambassador.mail.unsubscribe import unsubscribe

    email, now = "gone@example.com", utcnow()
    make_response(score=10, email=email, responded_at=now - timedelta(days=9))
    make_response(score=7, email=email, responded_at=now - timedelta(days=5))
    unsubscribe(email)
    db.session.commit()
    make_response(score=10, email=email, responded_at=now - timedelta(days=1))
    assert outbox(email) == []


def test_an_import_of_old_answers_welcomes_nobody_back(make_response, outbox):
    email = "old@example.com"
    make_response(score=10, email=email, responded_at=utc(2025, 1, 1))
    make_response(score=3, email=email, responded_at=utc(2025, 2, 1))
    make_response(score=10, email=email, responded_at=utc(2025, 3, 1))
    assert [m for m in outbox(email) if m.kind == "welcome_back"] == []


def test_nothing_is_opened_or_mailed_for_a_batch_that_is_rolled_back(outbox):
    record_responses([{"email": "x@example.com", "score": 1}], "api")
    db.session.rollback()
    assert tasks() == [] and outbox() == []


def test_the_reply_mails_the_person_in_their_language_and_is_recorded(
        make_response, make_user, outbox):
    from ambassador.mail.compose import build_message

    marketer = make_user("marketer", name="Margaux", email="margaux@acme.example")
    make_response(score=3, email="ayse@example.com", language="tr", name="Ayşe")
    task = tasks()[0]
    followup_actions.send_reply(marketer, task, "We now answer within a day.")
    db.session.commit()
    [mail] = outbox("ayse@example.com")
    assert mail.kind == "follow_up_reply"
    # "Just reply to this mail": the answer reaches the marketer who wrote it
    assert build_message(mail, "no-reply@acme.example")["Reply-To"] == "margaux@acme.example"
    assert "We now answer within a day." in mail.body_text and "Ayşe" in mail.body_text
    assert "Merhaba" in mail.body_text
    task = tasks()[0]
    assert (task.status, task.owner_id) == ("contacted", marketer.id)
    kinds = [e.kind for e in db.session.scalars(select(FollowUpEvent))]
    assert kinds == ["reply", "status"]
    assert db.session.scalar(select(AuditEntry.action)) == "follow_up.replied"


def test_owners_must_be_staff(make_response, make_user, make_promoter):
    marketer = make_user("marketer")
    promoter = make_promoter()
    make_response(score=3, email="c@example.com")
    with pytest.raises(followup_actions.TaskRefused):
        followup_actions.set_owner(marketer, tasks()[0], promoter.id)
    assert followup_actions.set_owner(marketer, tasks()[0], marketer.id)
    assert db.session.scalar(select(AuditEntry.action)) == "follow_up.owner_changed"


def test_the_demo_has_tasks_in_every_status_and_a_webhook_with_a_log():
    from ambassador.checkins.webhook_models import Webhook, WebhookDelivery
    from ambassador.demo import load_demo

    load_demo()
    db.session.commit()
    assert {task.status for task in tasks()} == {"open", "contacted", "resolved"}
    assert any(task.owner_id is None for task in tasks())
    hook = db.session.scalar(select(Webhook))
    assert hook is not None and not hook.active  # the demo posts nowhere
    statuses = {d.status for d in db.session.scalars(select(WebhookDelivery))}
    assert statuses == {"delivered", "failed"}
