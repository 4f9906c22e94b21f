"""`outbox purge`: delivered mail loses its bodies (and their one-time links) after N days."""

from datetime import timedelta

from sqlalchemy import update

from ambassador.extensions import db
from ambassador.jobs import periodic_names
from ambassador.mail.models import OutboxMessage
from ambassador.mail.tasks import purge_delivered_mail
from ambassador.utils import utcnow

LINK = "http://ambassador.test/reset/abc"


def _age(message, status: str, days: float | None) -> None:
    sent_at = utcnow() - timedelta(days=days) if days is not None else None
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                       .values(status=status, sent_at=sent_at))
    db.session.commit()


def _mails(queue_invitation):
    old = queue_invitation("old@example.com", subject="Old one")
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == old.id).values(
        headers='{"List-Unsubscribe": "<http://ambassador.test/unsubscribe/tok>"}'))
    _age(old, "sent", 31)
    recent = queue_invitation("recent@example.com")
    _age(recent, "sent", 29)
    queued = queue_invitation("queued@example.com")
    failed = queue_invitation("failed@example.com")
    _age(failed, "failed", None)
    return old, recent, queued, failed


def test_purge_empties_old_delivered_bodies_and_keeps_the_rest(runner, queue_invitation, outbox):
    old, *_ = _mails(queue_invitation)

    result = runner.invoke(args=["outbox", "purge"])

    assert result.exit_code == 0, result.output
    assert result.output == "purged 1\n"
    db.session.expire_all()
    by_addr = {m.to_addr: m for m in outbox()}
    purged = by_addr["old@example.com"]
    assert (purged.body_text, purged.body_html, purged.headers) == ("", "", None)
    assert (purged.to_addr, purged.subject, purged.status) == (
        "old@example.com", "Old one", "sent")
    assert purged.created_at is not None and purged.sent_at is not None
    for kept in ("recent@example.com", "queued@example.com", "failed@example.com"):
        assert LINK in by_addr[kept].body_text and LINK in by_addr[kept].body_html
    assert not any(LINK in (m.body_text + m.body_html) for m in outbox()
                   if m.status == "sent" and m.sent_at < utcnow() - timedelta(days=30))
    assert runner.invoke(args=["outbox", "purge"]).output == "purged 0\n"  # nothing twice


def test_days_option_and_bad_values(runner, queue_invitation, outbox):
    _mails(queue_invitation)
    assert runner.invoke(args=["outbox", "purge", "--days", "7"]).output == "purged 2\n"
    for bad in ("-1", "abc", "99999999999"):
        result = runner.invoke(args=["outbox", "purge", "--days", bad])
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert runner.invoke(args=["outbox", "purge", "--days", "0"]).output == "purged 0\n"


def test_the_worker_purges_daily_with_the_setting(app, queue_invitation, outbox, monkeypatch):
    assert "ambassador.mail.tasks.purge_delivered_mail" in periodic_names(app)
    old, recent, *_ = _mails(queue_invitation)
    monkeypatch.setitem(app.config, "OUTBOX_PURGE_DAYS", 10)
    purge_delivered_mail()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, old.id).body_text == ""
    assert db.session.get(OutboxMessage, recent.id).body_text == ""
    assert LINK in outbox("queued@example.com")[0].body_text
