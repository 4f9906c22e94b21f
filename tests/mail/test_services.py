"""queue_mail: the outbox row lives and dies with the transaction that caused it."""

import pytest
from sqlalchemy import func, select

from ambassador.auth import services as accounts
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.mail.backends import MemoryBackend
from ambassador.mail.delivery import deliver_due
from ambassador.mail.models import OutboxMessage
from ambassador.mail.services import queue_mail
from tests.mail import IN_MEMORY_SQLITE


def test_queue_mail_renders_both_parts_and_flushes_without_committing(queue_invitation, outbox):
    message = queue_invitation("helene@example.com", name="Hélène", commit=False)

    assert message.id is not None  # flushed: the row exists in this transaction
    assert db.session().in_transaction()
    assert (message.status, message.attempts, message.kind) == ("queued", 0, "account_invitation")
    assert "Hello Hélène" in message.body_text
    assert "http://ambassador.test/reset/abc" in message.body_text
    assert "<p>Hello Hélène,</p>" in message.body_html
    assert 'href="http://ambassador.test/reset/abc"' in message.body_html
    assert 'href="http://ambassador.test"' in message.body_html  # layout: BASE_URL
    db.session.rollback()
    assert outbox() == []  # nothing was committed behind the caller's back


@pytest.mark.skipif(IN_MEMORY_SQLITE,
                    reason="in-memory SQLite is one shared connection: no second one to look from")
def test_queued_mail_is_invisible_to_other_connections_until_commit(queue_invitation):
    queue_invitation(commit=False)
    with db.engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    db.session.commit()
    with db.engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_mail_commits_with_the_change_that_caused_it(outbox):
    accounts.invite_user("sukru@example.com", "marketer", "Şükrü İpek")
    db.session.commit()

    [message] = outbox()
    assert message.to_addr == "sukru@example.com"
    assert message.subject == "You have an Ambassador account"
    assert "Hello Şükrü İpek" in message.body_text
    assert "http://ambassador.test/" in message.body_text  # absolute link from BASE_URL


def test_no_mail_is_sent_for_a_change_that_rolled_back(smtp_mail, outbox):
    accounts.invite_user("helene@example.com", "marketer", "Hélène")
    db.session.rollback()

    assert outbox() == []
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert str(deliver_due()) == "sent 0, retry later 0, failed 0"
    assert smtp_mail.messages == []


def test_a_failed_change_leaves_no_mail_but_later_ones_go_out(smtp_mail, outbox):
    accounts.invite_user("helene@example.com", "marketer")
    db.session.commit()
    with pytest.raises(accounts.ServiceError):  # same email: the second invitation fails
        accounts.invite_user("helene@example.com", "marketer")
    db.session.rollback()

    assert len(outbox()) == 1
    assert deliver_due().sent == 1
    assert [m["To"] for m in smtp_mail.messages] == ["helene@example.com"]


def test_html_part_is_escaped_text_part_is_not(queue_invitation):
    message = queue_invitation(name="Tom & <Jerry>", commit=False)
    assert "Hello Tom & <Jerry>," in message.body_text
    assert "Hello Tom &amp; &lt;Jerry&gt;," in message.body_html


def test_subject_is_one_line_and_fits_its_column(queue_invitation):
    message = queue_invitation(subject="Bonjour\r\nBcc: everyone@example.com  " + "é" * 300,
                               commit=False)
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("Bonjour Bcc: everyone@example.com é")
    assert len(message.subject) == 255 and message.subject.endswith("…")


@pytest.mark.parametrize("to", ["", "not-an-address", "a@example.com\nBcc: b@example.com"])
def test_queue_mail_refuses_what_is_not_an_address(to):
    with pytest.raises(ValueError):
        queue_mail(to, "password_reset", "Reset", locale="en", user=None, link="x", hours=1)


def test_development_delivers_right_after_the_commit(mail_config, queue_invitation, outbox):
    mail_config(MAIL_URL="memory://", OUTBOX_DELIVER_ON_COMMIT=True)

    queue_invitation(commit=False)
    db.session.rollback()
    assert MemoryBackend.sent == []  # a rolled-back change sends nothing, even at once

    queue_invitation("sukru@example.com")  # commits
    assert [m["To"] for m in MemoryBackend.sent] == ["sukru@example.com"]
    assert [m.status for m in outbox()] == ["sent"]


def test_instant_delivery_is_off_under_test_and_with_a_mail_url(app, mail_config):
    from ambassador.mail.instant import deliver_on_commit

    assert not deliver_on_commit(app)  # TESTING
    mail_config(TESTING=False, MAIL_URL="", MAIL_ECHO=True)
    assert deliver_on_commit(app)  # the development default
    mail_config(MAIL_ECHO=False)
    assert not deliver_on_commit(app)  # ProductionConfig, even without MAIL_URL
    mail_config(MAIL_URL="smtp://mail.example.com", MAIL_ECHO=True)
    assert not deliver_on_commit(app)  # a real server: the `outbox deliver` worker sends
    mail_config(OUTBOX_DELIVER_ON_COMMIT=True)
    assert deliver_on_commit(app)
    mail_config(OUTBOX_DELIVER_ON_COMMIT="false", MAIL_URL="")
    assert not deliver_on_commit(app)


def test_without_instant_delivery_mail_waits_for_the_worker(queue_invitation, outbox):
    queue_invitation()
    assert MemoryBackend.sent == []
    assert [m.status for m in outbox()] == ["queued"]
