"""The invitation service: who is invited, once, and what a link can still do."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from ambassador.portal import invitations
from ambassador.portal.models import Invitation
from ambassador.utils import NotFound, ServiceError, hash_token, utcnow
from tests.conftest import PASSWORD, utc

LINK_RE = re.compile(r"http://ambassador\.test/welcome/([A-Za-z0-9_-]+)")


def _invitation_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Invitation))


def _token(message) -> str:
    return LINK_RE.search(message.body_text).group(1)


def _send(now=None) -> int:
    invited = invitations.send_invitations(now)
    db.session.commit()
    return invited


def test_invites_each_active_ambassador_exactly_once(make_response, outbox):
    make_response(10, email="helene@example.fr", name="Hélène Dupré", language="fr")
    make_response(9, email="ipek@example.com.tr", name="İpek Güneş", language="tr")

    assert _send() == 2
    assert _send() == 0
    assert _invitation_count() == 2
    mails = outbox()
    assert [m.to_addr for m in mails] == ["helene@example.fr", "ipek@example.com.tr"]
    assert mails[0].kind == "invitation"
    assert "Bonjour Hélène" in mails[0].body_text and "Bonjour Hélène" in mails[0].body_html
    assert "Merhaba İpek" in mails[1].body_text
    assert "valable 14 jours" in mails[0].body_text  # each mail in its reader's language
    assert "14 gün geçerli" in mails[1].body_text
    assert _token(mails[0]) in mails[0].body_html


def test_never_invites_lapsed_or_never_promoters(make_response, outbox):
    make_response(10, email="was-happy@example.com", responded_at=utc(2025, 1, 1))
    make_response(7, email="was-happy@example.com", responded_at=utc(2025, 6, 1))
    make_response(3, email="unhappy@example.com")
    make_response(8, email="passive@example.com")

    assert invitations.count_uninvited() == 0
    assert _send() == 0
    assert outbox() == []


def test_not_those_with_an_account_by_customer_or_by_email(make_response, make_user, outbox):
    linked = make_response(10, email="linked@example.com")
    make_user("promoter", email="other-address@example.com", customer_id=linked.customer_id)
    make_response(10, email="same-email@example.com")
    make_user("marketer", email="same-email@example.com")
    make_response(10, email="new@example.com")

    assert invitations.count_uninvited() == 1
    assert _send() == 1
    assert [m.to_addr for m in outbox()] == ["new@example.com"]


def test_importing_never_invites_by_itself(outbox):
    record_responses([{"email": "promoter@example.com", "score": 10}], "import")
    db.session.commit()
    assert _invitation_count() == 0
    assert outbox() == []


def test_only_the_hash_of_the_token_is_stored(make_response, outbox):
    make_response(10, email="a@example.com")
    _send()
    raw = _token(outbox()[0])
    stored = db.session.scalar(select(Invitation))
    assert stored.token_hash == hash_token(raw)
    assert raw not in stored.token_hash


def test_invitation_expires_after_invitation_days(app, make_response, outbox):
    make_response(10, email="a@example.com")
    now = utcnow()
    _send(now)
    invitation = db.session.scalar(select(Invitation))
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    raw = _token(outbox()[0])
    assert invitations.check_invitation(raw, now + timedelta(days=13, hours=23)).id == invitation.id
    with pytest.raises(invitations.InvitationDead, match="expired"):
        invitations.check_invitation(raw, now + timedelta(days=14))


def test_invitation_days_is_configurable(app, make_response, monkeypatch):
    make_response(10, email="a@example.com")
    monkeypatch.setitem(app.config, "INVITATION_DAYS", 3)
    _send()
    invitation = db.session.scalar(select(Invitation))
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_accepting_creates_a_linked_promoter_and_reuse_is_refused(make_response, outbox):
    response = make_response(10, email="helene@example.fr", name="Hélène Dupré")
    _send()
    raw = _token(outbox()[0])

    user = invitations.accept_invitation(raw, "a-long-password")
    db.session.commit()
    assert (user.role, user.email, user.name) == ("promoter", "helene@example.fr", "Hélène Dupré")
    assert user.customer_id == response.customer_id
    assert db.session.scalar(select(Invitation)).used_at is not None

    with pytest.raises(invitations.InvitationDead, match="already been used"):
        invitations.accept_invitation(raw, "another-long-password")
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_short_password_is_refused_and_keeps_the_invitation_open(make_response, outbox):
    make_response(10, email="a@example.com")
    _send()
    raw = _token(outbox()[0])
    with pytest.raises(ServiceError, match="10 characters"):
        invitations.accept_invitation(raw, "short")
    db.session.rollback()
    assert invitations.check_invitation(raw).used_at is None


def test_unknown_token_is_not_found():
    with pytest.raises(NotFound):
        invitations.check_invitation("no-such-token")


def test_fresh_link_after_expiry(make_response, outbox):
    make_response(10, email="a@example.com")
    past = utcnow() - timedelta(days=20)
    _send(past)
    old = _token(outbox()[0])
    with pytest.raises(invitations.InvitationDead):
        invitations.check_invitation(old)

    assert invitations.request_fresh_invitation(old) is True
    db.session.commit()
    fresh = _token(outbox()[1])
    assert fresh != old
    assert invitations.check_invitation(fresh).customer.email == "a@example.com"
    # At most one mail per cool-down, however often the button is pressed.
    assert invitations.request_fresh_invitation(old) is False


def test_expired_invitation_makes_them_eligible_for_the_next_run(make_response, outbox):
    make_response(10, email="a@example.com")
    _send(utcnow() - timedelta(days=15))
    assert _send() == 1
    assert len(outbox()) == 2


def test_fresh_link_revokes_an_older_open_invitation(make_response, outbox):
    make_response(10, email="a@example.com")
    _send(utcnow() - timedelta(days=20))
    dead = _token(outbox()[0])
    _send(utcnow() - timedelta(hours=1))
    still_open = _token(outbox()[1])

    assert invitations.request_fresh_invitation(dead) is True
    db.session.commit()
    with pytest.raises(invitations.InvitationDead):
        invitations.check_invitation(still_open)
    assert invitations.check_invitation(_token(outbox()[2]))


def test_no_fresh_link_for_a_lapsed_customer_or_an_existing_account(
        make_response, make_user, outbox):
    make_response(10, email="lapsed@example.com", responded_at=utc(2025, 1, 1))
    make_response(10, email="has-account@example.com", responded_at=utc(2025, 1, 1))
    _send(utc(2025, 1, 2))
    lapsed, has_account = (_token(m) for m in outbox())
    make_response(5, email="lapsed@example.com", responded_at=utc(2025, 2, 1))
    make_user("promoter", email="has-account@example.com")

    assert invitations.request_fresh_invitation(lapsed) is False
    assert invitations.request_fresh_invitation(has_account) is False
    assert len(outbox()) == 2


def test_open_link_asks_for_nothing_new(make_response, outbox):
    make_response(10, email="a@example.com")
    _send()
    assert invitations.request_fresh_invitation(_token(outbox()[0])) is False
    assert len(outbox()) == 1


def test_existing_account_with_the_email_is_linked(make_response, make_user, outbox):
    response = make_response(10, email="a@example.com")
    _send()
    raw = _token(outbox()[0])
    user = make_user("promoter", email="a@example.com")

    with pytest.raises(ServiceError, match="already have an account"):
        invitations.accept_invitation(raw, "a-long-password")
    db.session.rollback()
    linked = invitations.link_existing_account(raw)
    db.session.commit()
    assert linked.id == user.id
    assert db.session.get(User, user.id).customer_id == response.customer_id
    with pytest.raises(invitations.InvitationDead):
        invitations.check_invitation(raw)
    # The old password still works: the link never changes an existing password.
    from ambassador.auth.services import authenticate
    assert authenticate("a@example.com", PASSWORD) is not None


def test_two_concurrent_runs_invite_once(app, make_response, outbox):
    """The first run holds its customers' row locks while the second runs (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers)")
    for i in range(5):
        make_response(10, email=f"p{i}@example.com")
    first_done, may_commit, results = threading.Event(), threading.Event(), {}

    def first_run():
        with app.app_context():
            results["first"] = invitations.send_invitations()
            first_done.set()
            may_commit.wait(10)
            db.session.commit()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert first_done.wait(10)
        with app.app_context():
            results["second"] = invitations.send_invitations()
            db.session.commit()
    finally:
        may_commit.set()
        thread.join(10)
    assert (results["first"], results["second"]) == (5, 0)
    assert _invitation_count() == 5
    assert len(outbox()) == 5


def test_a_claim_succeeds_once_even_after_both_requests_passed_the_check(make_response, outbox):
    """Two submits that both saw an open invitation: the second claim is refused."""
    make_response(10, email="a@example.com")
    _send()
    invitation = invitations.check_invitation(_token(outbox()[0]))
    now = utcnow()
    invitations._claim(invitation, now)
    with pytest.raises(invitations.InvitationDead, match="already been used"):
        invitations._claim(invitation, now)


def test_a_customer_without_a_name_is_greeted_plainly(make_response, outbox):
    make_response(10, email="anonymous@example.com")
    _send()
    mail = outbox()[0]
    assert mail.body_text.startswith("Hello,")
    assert mail.subject == "Thank you: you are invited to become one of our ambassadors"
