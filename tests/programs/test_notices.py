"""The reminder the day before an event: once, on time, in each person's language."""

from datetime import UTC, datetime

from ambassador.extensions import db
from ambassador.programs.enrollment import join
from ambassador.programs.notices import remind_due


def _event(make_program, **kw):
    # Wednesday 31 March 2027, 14:00 in Paris (12:00 UTC).
    return make_program(title="Atelier produit", kind="event", seats=10,
                        starts_at=datetime(2027, 3, 31, 12, 0, tzinfo=UTC),
                        ends_at=datetime(2027, 3, 31, 14, 0, tzinfo=UTC),
                        timezone="Europe/Paris", place="Paris", **kw)


def test_reminders_go_out_the_day_before_once(make_program, make_promoter, outbox):
    program = _event(make_program)
    french = make_promoter(email="helene@example.fr", language="fr")
    english = make_promoter(email="grace@example.com", language="en")
    waiting_one = make_promoter()
    for user in (french, english):
        join(program.id, user, now=datetime(2027, 3, 1, tzinfo=UTC))
    db.session.commit()
    program.seats = 2
    join(program.id, waiting_one, waitlist=True, now=datetime(2027, 3, 1, tzinfo=UTC))
    db.session.commit()

    # Tuesday 30 March 08:59 in Paris: not yet; 09:00: due.
    assert remind_due(datetime(2027, 3, 30, 6, 59, tzinfo=UTC)) == 0
    assert remind_due(datetime(2027, 3, 30, 7, 0, tzinfo=UTC)) == 2
    db.session.commit()
    assert remind_due(datetime(2027, 3, 30, 18, 0, tzinfo=UTC)) == 0  # twice: nothing twice
    assert remind_due(datetime(2027, 3, 31, 13, 0, tzinfo=UTC)) == 0  # it has started
    [english_mail] = outbox(to="grace@example.com")
    assert english_mail.subject == "Tomorrow: Atelier produit"
    assert "Wednesday 31 March 2027, 14:00 – 16:00 (Europe/Paris)" in english_mail.body_text
    assert f"/programs/{program.id}/event.ics" in english_mail.body_text
    assert len(outbox(to="helene@example.fr")) == 1
    assert outbox(to=waiting_one.email) == []


def test_french_reminders_are_in_french_when_the_catalogue_has_them(make_program,
                                                                    make_promoter, outbox):
    program = _event(make_program)
    join(program.id, make_promoter(email="helene@example.fr", language="fr"))
    db.session.commit()
    remind_due(datetime(2027, 3, 30, 8, 0, tzinfo=UTC))
    [mail] = outbox()
    assert "mercredi 31 mars 2027" in mail.body_text  # dates in the person's language


def test_the_remind_command_prints_its_count_and_is_idempotent(runner, make_program,
                                                               make_promoter):
    program = _event(make_program)
    join(program.id, make_promoter())
    db.session.commit()
    result = runner.invoke(args=["programs", "remind", "--now", "2027-03-30T10:00:00+02:00"])
    assert result.exit_code == 0, result.output
    assert result.output == "reminded 1\n"
    again = runner.invoke(args=["programs", "remind", "--now", "2027-03-30T11:00:00"])
    assert again.output == "reminded 0\n"
    bad = runner.invoke(args=["programs", "remind", "--now", "yesterday"])
    assert bad.exit_code == 2 and "not an ISO 8601" in bad.output


def test_the_worker_sends_the_reminders_every_hour(app, make_program, make_promoter, outbox,
                                                   monkeypatch):
    from ambassador import jobs
    from ambassador.programs import notices, tasks

    program = _event(make_program)
    join(program.id, make_promoter())
    db.session.commit()
    assert "ambassador.programs.tasks.remind_events" in jobs.periodic_names(app)
    monkeypatch.setattr(notices, "utcnow", lambda: datetime(2027, 3, 30, 8, 0, tzinfo=UTC))
    assert tasks.remind_events() == 1
    assert tasks.remind_events() == 0


def test_a_reminder_the_budget_holds_back_waits_and_unsubscribed_get_none(make_program,
                                                                          make_promoter, outbox):
    from ambassador.mail.budget import claim_contact
    from ambassador.mail.unsubscribe import unsubscribe

    program = _event(make_program)
    busy, gone = make_promoter(email="busy@example.com"), make_promoter(email="gone@example.com")
    for user in (busy, gone):
        join(program.id, user, now=datetime(2027, 3, 1, tzinfo=UTC))
    claim_contact(busy.email, "checkin", datetime(2027, 3, 23, 8, 0, tzinfo=UTC))
    unsubscribe(gone.email)
    db.session.commit()
    assert remind_due(datetime(2027, 3, 30, 7, 0, tzinfo=UTC)) == 0  # mailed 6 days 23 h ago
    assert remind_due(datetime(2027, 3, 30, 8, 0, tzinfo=UTC)) == 1  # a week: it waited
    [mail] = outbox()
    assert mail.to_addr == busy.email and "/unsubscribe/" in mail.body_text


def test_a_message_to_enrollees_skips_whom_the_budget_holds_back(make_program, make_promoter,
                                                                  outbox):
    from ambassador.mail.unsubscribe import unsubscribe
    from ambassador.programs.notices import message_enrollees

    program = make_program()
    people = [make_promoter() for _ in range(3)]
    for user in people:
        join(program.id, user)
    unsubscribe(people[0].email)
    db.session.commit()
    assert message_enrollees(program, "News", "A new build") == (2, 1)
    assert message_enrollees(program, "News again", "Another build") == (0, 3)  # same week
    assert sorted(m.to_addr for m in outbox()) == sorted(u.email for u in people[1:])
