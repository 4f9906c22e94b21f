"""The daily digest: one mail a day at most, in the reader's language, opt-out, via the outbox."""

from datetime import timedelta

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.forum import moderation, services
from ambassador.forum.digest import send_digests
from ambassador.forum.models import Notification
from ambassador.utils import utcnow


def _conversation(make_thread, make_promoter, starter=None):
    starter = starter or make_promoter()
    thread = make_thread(author=starter, title="Weekly exports")
    replier = make_promoter(name="Zoé")
    services.reply(replier, thread, "I do it on **Fridays**.")
    db.session.commit()
    return starter, replier, thread


def test_a_reply_is_mailed_once_in_a_digest(make_thread, make_promoter, outbox):
    starter, replier, thread = _conversation(make_thread, make_promoter)
    now = utcnow()
    assert send_digests(now) == 1
    [mail] = outbox()
    assert mail.to_addr == starter.email and mail.kind == "forum_digest"
    assert "1 new reply for you in the forum" == mail.subject
    assert "replied in “Weekly exports”" in mail.body_text
    assert "I do it on Fridays." in mail.body_text  # plain text, no Markdown
    assert "http://ambassador.test/forum/p/" in mail.body_text
    assert "http://ambassador.test/forum/settings" in mail.body_html
    assert "because you take part in our forum." in mail.body_text
    assert "answered our survey" not in mail.body_text + mail.body_html
    assert send_digests(now) == 0  # nothing new
    assert db.session.scalars(select(Notification)).one().mailed_at is not None


def test_at_most_one_digest_a_day(app, make_thread, make_promoter, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MIN_DAYS", 0)  # the digest's own rhythm alone
    starter, replier, thread = _conversation(make_thread, make_promoter)
    now = utcnow()
    assert send_digests(now) == 1
    services.reply(replier, thread, "And another thought")
    db.session.commit()
    assert send_digests(now + timedelta(hours=5)) == 0
    assert send_digests(now + timedelta(hours=23)) == 1
    assert len(outbox(starter.email)) == 2


def test_the_contact_budget_holds_a_digest_back_until_it_allows(make_thread, make_promoter,
                                                                outbox):
    starter, replier, thread = _conversation(make_thread, make_promoter)
    now = utcnow()
    assert send_digests(now) == 1
    services.reply(replier, thread, "And another thought")
    db.session.commit()
    assert send_digests(now + timedelta(days=2)) == 0  # one mail a week at most
    assert send_digests(now + timedelta(days=7)) == 1  # the reply waited, it was not dropped
    assert "And another thought" in outbox(starter.email)[-1].body_text


def test_a_digest_carries_the_unsubscribe_link_and_headers(make_thread, make_promoter, outbox):
    starter, _replier, _thread = _conversation(make_thread, make_promoter)
    send_digests()
    [mail] = outbox(starter.email)
    assert "/unsubscribe/" in mail.body_text and "/unsubscribe/" in mail.body_html
    assert "List-Unsubscribe=One-Click" in mail.headers


def test_a_quote_is_announced_as_a_quote(make_thread, make_promoter, outbox):
    starter = make_promoter()
    thread = make_thread(author=starter)
    first = db.session.get(services.Post, thread.last_post_id)
    services.reply(make_promoter(name="Emre"), thread, "> Quoted\n\nYes", quote_of=first)
    db.session.commit()
    send_digests()
    assert "quoted you in" in outbox(starter.email)[0].body_text


def test_the_digest_speaks_the_readers_language(make_thread, make_promoter, outbox):
    french = make_promoter(language="fr")
    _conversation(make_thread, make_promoter, starter=french)
    send_digests()
    [mail] = outbox(french.email)
    assert mail.subject == "1 nouvelle réponse pour vous sur le forum"
    assert "a répondu dans « Weekly exports »" in mail.body_text
    assert "Vous recevez au plus un résumé par jour." in mail.body_html


def test_no_digest_for_who_turned_it_off_nor_for_hidden_posts(make_thread, make_promoter,
                                                              make_user, outbox):
    starter, replier, thread = _conversation(make_thread, make_promoter)
    services.set_digest(starter, False)
    db.session.commit()
    assert send_digests() == 0 and outbox() == []
    services.set_digest(starter, True)
    reply = db.session.get(services.Post, thread.last_post_id)
    moderation.set_post_hidden(make_user("marketer"), reply, True)
    db.session.commit()
    assert send_digests() == 0 and outbox() == []


def test_nothing_is_queued_when_the_transaction_rolls_back(make_thread, make_promoter, outbox):
    _conversation(make_thread, make_promoter)
    assert send_digests() == 1
    db.session.rollback()
    assert outbox() == []
    assert send_digests() == 1  # still due: the rollback took the claim back too


def test_the_command_queues_and_says_how_many(runner, make_thread, make_promoter, outbox):
    _conversation(make_thread, make_promoter)
    result = runner.invoke(args=["forum", "digest"])
    assert result.exit_code == 0 and result.output == "queued 1 digests\n"
    assert len(outbox()) == 1
