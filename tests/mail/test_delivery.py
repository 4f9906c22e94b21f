"""Delivering the outbox to a real SMTP server (aiosmtpd) started inside each test."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import update

from ambassador.extensions import db
from ambassador.mail.backends import MemoryBackend, get_backend
from ambassador.mail.delivery import LEASE, backoff, claim_next, deliver_due, deliver_one
from ambassador.mail.models import OutboxMessage
from ambassador.utils import utcnow
from tests.mail import IN_MEMORY_SQLITE
from tests.smtp import free_port


def refresh(message: OutboxMessage) -> OutboxMessage:
    return db.session.get(OutboxMessage, message.id, populate_existing=True)


# -- what arrives ------------------------------------------------------------------------


def test_a_message_arrives_once_as_text_and_html(smtp_mail, queue_invitation):
    message = queue_invitation("helene@example.com", name="Helene")

    report = deliver_due()

    assert str(report) == "sent 1, retry later 0, failed 0"
    [received] = smtp_mail.messages
    assert received["To"] == "helene@example.com"
    assert received["From"] == "Ambassador <no-reply@localhost>"
    assert received["Subject"] == "You have an Ambassador account"
    assert received["Message-ID"].startswith(f"<outbox-{message.id}.")
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "http://ambassador.test/reset/abc" in received.get_body(("plain",)).get_content()
    assert 'href="http://ambassador.test/reset/abc"' in received.get_body(("html",)).get_content()
    [envelope] = smtp_mail.handler.envelopes
    assert envelope["mail_from"] == "no-reply@localhost"
    assert envelope["rcpt_tos"] == ["helene@example.com"]
    assert "BODY=8BITMIME" in envelope["mail_options"]  # UTF-8 bodies are declared

    message = refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    assert message.sent_at is not None and message.claimed_until is None
    assert str(deliver_due()) == "sent 0, retry later 0, failed 0"
    assert len(smtp_mail.messages) == 1


def test_french_and_turkish_names_arrive_intact(smtp_mail, mail_config, queue_invitation):
    mail_config(MAIL_FROM="Équipe Ambassadeur — Şükrü İpek <equipe@example.com>")
    queue_invitation("sukru@example.com", name="Şükrü İpek",
                     subject="Hoş geldiniz Şükrü İpek — bienvenue Hélène")
    queue_invitation("ipek@örnek.com.tr", name="İpek Öztürk", subject="Merhaba İpek")

    assert deliver_due().sent == 2

    first, second = smtp_mail.messages
    assert first["Subject"] == "Hoş geldiniz Şükrü İpek — bienvenue Hélène"
    assert first["From"].addresses[0].display_name == "Équipe Ambassadeur — Şükrü İpek"
    assert first["From"].addresses[0].addr_spec == "equipe@example.com"
    assert "Hello Şükrü İpek," in first.get_body(("plain",)).get_content()
    assert "Hello Şükrü İpek," in first.get_body(("html",)).get_content()
    # On the wire the headers are pure ASCII (RFC 2047), whatever the server supports.
    raw_headers = first.as_bytes().split(b"\n\n", 1)[0]
    assert raw_headers.isascii()
    # An international domain is sent in its IDNA form, which every server accepts.
    assert second["To"] == "ipek@xn--rnek-4qa.com.tr"
    assert "Hello İpek Öztürk," in second.get_body(("plain",)).get_content()
    assert all("BODY=8BITMIME" in e["mail_options"] for e in smtp_mail.handler.envelopes)


def test_one_connection_serves_a_whole_pass(smtp_mail, queue_invitation):
    for n in range(3):
        queue_invitation(f"p{n}@example.com")
    smtp_mail.refuse_recipient("p1@example.com")  # a refusal does not spoil the connection

    report = deliver_due()

    assert (report.sent, report.retried) == (2, 1)
    sessions = {id(envelope["session"]) for envelope in smtp_mail.handler.envelopes}
    assert len(sessions) == 1
    assert sorted(m["To"] for m in smtp_mail.messages) == ["p0@example.com", "p2@example.com"]


# -- failures, retries, backoff -----------------------------------------------------------


def test_server_refusal_keeps_the_message_queued_until_a_later_run(smtp_mail, queue_invitation):
    message = queue_invitation()
    smtp_mail.refuse("451 4.3.0 Mailbox busy, try again later")
    before = utcnow()

    assert str(deliver_due()) == "sent 0, retry later 1, failed 0"

    message = refresh(message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "451" in message.last_error and "Mailbox busy" in message.last_error
    assert before + timedelta(seconds=55) < message.next_attempt_at  # backoff: 1 minute
    assert message.next_attempt_at <= utcnow() + timedelta(minutes=1)
    assert smtp_mail.messages == []

    smtp_mail.refuse(None)
    assert str(deliver_due()) == "sent 0, retry later 0, failed 0"  # not due yet
    later = utcnow() + timedelta(minutes=2)
    assert str(deliver_due(now=later)) == "sent 1, retry later 0, failed 0"
    assert str(deliver_due(now=later)) == "sent 0, retry later 0, failed 0"

    assert len(smtp_mail.messages) == 1
    message = refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_mail_server_down_loses_nothing(smtp_server, mail_config, queue_invitation):
    mail_config(MAIL_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_TIMEOUT=5)  # nobody listens
    message = queue_invitation()

    assert str(deliver_due()) == "sent 0, retry later 1, failed 0"

    message = refresh(message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "connection refused" in message.last_error
    assert message.next_attempt_at > utcnow()

    mail_config(MAIL_URL=smtp_server.url)  # the server is back
    assert deliver_due().sent == 0  # still waiting for its backoff
    assert deliver_due(now=utcnow() + timedelta(minutes=2)).sent == 1
    assert deliver_due(now=utcnow() + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 1
    assert refresh(message).status == "sent"


def test_gives_up_after_max_attempts_with_growing_waits(smtp_mail, mail_config, queue_invitation):
    mail_config(OUTBOX_MAX_ATTEMPTS=4)
    smtp_mail.refuse("452 4.3.1 Insufficient system storage")
    message = queue_invitation()
    now, waits, outcomes = utcnow(), [], []

    for _ in range(6):
        report = deliver_due(now=now)
        outcomes.append(str(report))
        message = refresh(message)
        if message.status == "queued":
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at

    assert outcomes[:4] == ["sent 0, retry later 1, failed 0"] * 3 + [
        "sent 0, retry later 0, failed 1"]
    assert outcomes[4:] == ["sent 0, retry later 0, failed 0"] * 2
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert (message.status, message.attempts) == ("failed", 4)
    assert "452" in message.last_error
    assert smtp_mail.messages == []


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == backoff(100) == timedelta(hours=6)


def test_deliver_one_says_what_happened(smtp_mail, mail_config, queue_invitation):
    mail_config(OUTBOX_MAX_ATTEMPTS=2)
    queue_invitation()
    backend = get_backend(current_app.config)
    smtp_mail.refuse()

    assert deliver_one(claim_next(), backend) == "retry"
    later = utcnow() + timedelta(minutes=5)
    assert deliver_one(claim_next(later), backend, later) == "failed"
    queue_invitation("second@example.com")
    smtp_mail.refuse(None)
    assert deliver_one(claim_next(), backend) == "sent"
    backend.close()


def test_a_message_that_cannot_be_built_fails_at_once(queue_invitation):
    message = queue_invitation()
    db.session.execute(update(OutboxMessage).values(to_addr="@nobody"))
    db.session.commit()

    assert str(deliver_due()) == "sent 0, retry later 0, failed 1"
    message = refresh(message)
    assert message.status == "failed" and "cannot build" in message.last_error


# -- claims -----------------------------------------------------------------------------


def test_a_stale_claim_is_picked_up_again(queue_invitation):
    stale = queue_invitation("stale@example.com")
    live = queue_invitation("live@example.com")
    now = utcnow()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == stale.id).values(
        status="sending", attempts=1, claimed_until=now - timedelta(seconds=1)))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == live.id).values(
        status="sending", attempts=1, claimed_until=now + LEASE))  # another worker is on it
    db.session.commit()

    assert str(deliver_due(now=now)) == "sent 1, retry later 0, failed 0"
    assert [m["To"] for m in MemoryBackend.sent] == ["stale@example.com"]
    assert (refresh(stale).status, refresh(stale).attempts) == ("sent", 2)
    assert refresh(live).status == "sending"


def test_a_pass_takes_the_oldest_due_first_whether_queued_or_stranded(queue_invitation):
    now = utcnow()
    due = {"late@example.com": (now - timedelta(minutes=1), "queued"),
           "stranded@example.com": (now - timedelta(minutes=3), "sending"),
           "first@example.com": (now - timedelta(minutes=2), "queued"),
           "tie@example.com": (now - timedelta(minutes=2), "queued"),
           "future@example.com": (now + timedelta(minutes=1), "queued")}
    for to, (at, status) in due.items():
        message = queue_invitation(to)
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
            next_attempt_at=at, status=status, attempts=int(status == "sending"),
            claimed_until=now - timedelta(seconds=1) if status == "sending" else None))
    db.session.commit()

    assert deliver_due(now=now, limit=3, batch=2).sent == 3
    assert [m["To"] for m in MemoryBackend.sent] == [
        "stranded@example.com", "first@example.com", "tie@example.com"]  # a tie: by id
    assert str(deliver_due(now=now)) == "sent 1, retry later 0, failed 0"
    assert MemoryBackend.sent[-1]["To"] == "late@example.com"  # the future one waits


def test_a_message_whose_last_attempt_crashed_is_given_up(mail_config, queue_invitation):
    mail_config(OUTBOX_MAX_ATTEMPTS=3)
    message = queue_invitation()
    db.session.execute(update(OutboxMessage).values(
        status="sending", attempts=3, claimed_until=utcnow() - timedelta(seconds=1),
        last_error="connection refused"))
    db.session.commit()

    assert str(deliver_due()) == "sent 0, retry later 0, failed 1"
    assert MemoryBackend.sent == []
    message = refresh(message)
    assert message.status == "failed"
    assert message.last_error == "gave up after 3 attempts: connection refused"


def test_a_late_worker_does_not_overwrite_a_newer_claim(queue_invitation):
    message = queue_invitation()
    claimed = claim_next()
    # Meanwhile its lease ran out and another worker claimed it (attempt 2).
    db.session.execute(update(OutboxMessage).values(attempts=2))
    db.session.commit()
    claimed = refresh(claimed)
    claimed.attempts = 1  # what the late worker still believes
    db.session.expunge(claimed)

    assert deliver_one(claimed, MemoryBackend()) == "sent"
    message = refresh(message)
    assert (message.status, message.attempts) == ("sending", 2)


def _deliver_with_two_workers(app, smtp_server, count: int):
    """Queue `count` messages, then let two threads (own app context and session) deliver."""
    with app.app_context():
        for n in range(count):
            db.session.add(OutboxMessage(to_addr=f"p{n}@example.com", subject=f"message {n}",
                                         body_text=f"text {n}", body_html=f"<p>{n}</p>"))
        db.session.commit()
    start, reports, errors = threading.Barrier(2), [], []

    def worker():
        try:
            with app.app_context():
                start.wait()
                reports.append(deliver_due(batch=5))  # small batches: the two interleave
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    received = Counter(m["Subject"] for m in smtp_server.messages)
    assert len(smtp_server.messages) == count
    assert received == Counter(f"message {n}" for n in range(count))  # each exactly once
    assert sum(r.sent for r in reports) == count
    assert all(r.sent > 0 for r in reports), [str(r) for r in reports]  # side by side
    assert all(r.retried == r.failed == 0 for r in reports)
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage)).all()
        assert {(m.status, m.attempts) for m in rows} == {("sent", 1)}
    return reports


@pytest.mark.skipif(
    IN_MEMORY_SQLITE,
    reason="in-memory SQLite under Flask-SQLAlchemy is one connection shared by every "
    "session (StaticPool), so two workers cannot hold separate transactions; the "
    "SQLite path is tested on a database file below, and this test runs on PostgreSQL",
)
def test_two_workers_never_send_a_message_twice(app, smtp_mail):
    _deliver_with_two_workers(app, smtp_mail, 50)


def test_two_workers_on_a_sqlite_file_never_send_a_message_twice(tmp_path, smtp_server):
    """SQLite has no SKIP LOCKED: the conditional UPDATE alone decides who sends."""
    from ambassador import create_app
    from config import TestingConfig

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'outbox.db'}"
        MAIL_URL = smtp_server.url

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
    try:
        _deliver_with_two_workers(app, smtp_server, 50)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_batch_carries_each_message_s_own_headers(smtp_mail, queue_invitation):
    plain = queue_invitation("plain@example.com")
    unsubscribable = queue_invitation("list@example.com")
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == unsubscribable.id).values(
        headers='{"List-Unsubscribe": "<http://ambassador.test/unsubscribe/tok>"}'))
    db.session.commit()

    assert deliver_due().sent == 2

    by_to = {m["To"]: m for m in smtp_mail.messages}
    assert by_to["list@example.com"]["List-Unsubscribe"] == (
        "<http://ambassador.test/unsubscribe/tok>")
    assert by_to["plain@example.com"]["List-Unsubscribe"] is None
    assert refresh(plain).status == "sent"


def test_a_database_lost_mid_pass_is_a_database_error_and_repeats_one_message_at_most(
        app, queue_invitation, monkeypatch):
    """The worker loops keep running on a SQLAlchemyError: an outcome that cannot be stored
    raises one, and only the message whose outcome was lost may go out again."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    if db.engine.dialect.name != "postgresql":
        pytest.skip("drops the pass's connection on the PostgreSQL test database")
    for n in range(4):
        queue_invitation(f"p{n}@example.com")
    send = MemoryBackend.send

    def send_then_lose_the_database(self, mail):
        send(self, mail)
        if len(MemoryBackend.sent) == 1:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE datname = current_database()"
                                  " AND pid <> pg_backend_pid()"))

    monkeypatch.setattr(MemoryBackend, "send", send_then_lose_the_database)
    with pytest.raises(SQLAlchemyError):
        deliver_due()
    db.session.rollback()
    assert [m["To"] for m in MemoryBackend.sent] == ["p0@example.com"]

    later = utcnow() + LEASE + timedelta(seconds=1)  # the lost outcome's lease runs out
    assert str(deliver_due(now=later)) == "sent 4, retry later 0, failed 0"
    sent = Counter(m["To"] for m in MemoryBackend.sent)
    assert sent == Counter({"p0@example.com": 2, "p1@example.com": 1, "p2@example.com": 1,
                            "p3@example.com": 1})
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert {m.status for m in rows} == {"sent"}
