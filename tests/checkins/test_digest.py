"""The weekly digest: who gets it, what it says, and never twice in a week."""

from ambassador.checkins.digest import set_subscribed
from ambassador.extensions import db
from tests.conftest import utc


def test_the_digest_goes_to_those_who_opted_in_once_a_week(runner, make_user, make_response,
                                                          outbox):
    subscriber = make_user("marketer", email="m@example.com")
    make_user("marketer", email="not-me@example.com")
    set_subscribed(subscriber, True)
    db.session.commit()
    make_response(score=10, email="p1@example.com", responded_at=utc(2026, 9, 1))
    make_response(score=9, email="p2@example.com", responded_at=utc(2026, 11, 25),
                  comment="Best tool we use")
    make_response(score=2, email="d1@example.com", responded_at=utc(2026, 11, 28),
                  comment="Too slow", name="Dina")
    result = runner.invoke(args=["checkins", "digest", "--now", "2026-11-30T07:00:00"])
    assert result.output == "sent 1 digests\n"
    [mail] = outbox()
    assert mail.to_addr == "m@example.com" and mail.kind == "loop_digest"
    text = mail.body_text
    assert "NPS in 2026-Q4" in text and "+0.0" in text  # one promoter, one detractor
    assert "points since 2026-Q3" in text  # Q3 had one promoter: +100 → 0
    assert "Dina" in text and "Too slow" in text and "Best tool we use" in text
    assert "because you turned on the weekly follow-up digest." in mail.body_html
    assert "answered our survey" not in text + mail.body_html
    assert runner.invoke(args=["checkins", "digest", "--now", "2026-12-02T07:00:00"]
                         ).output == "sent 0 digests\n"
    assert runner.invoke(args=["checkins", "digest", "--now", "2026-12-07T07:00:00"]
                         ).output == "sent 1 digests\n"


def test_a_bad_now_is_refused(runner):
    result = runner.invoke(args=["checkins", "digest", "--now", "monday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_the_contact_budget_holds_a_digest_back_until_the_next_run(runner, make_user, outbox):
    from ambassador.mail.budget import claim_contact

    subscriber = make_user("marketer", email="m@example.com")
    set_subscribed(subscriber, True)
    assert claim_contact("m@example.com", "program_message", utc(2026, 11, 28))
    db.session.commit()
    assert runner.invoke(args=["checkins", "digest", "--now", "2026-11-30T07:00:00"]
                         ).output == "sent 0 digests\n"
    assert runner.invoke(args=["checkins", "digest", "--now", "2026-12-07T07:00:00"]
                         ).output == "sent 1 digests\n"
    [mail] = outbox()
    assert "List-Unsubscribe" in (mail.headers or "")
