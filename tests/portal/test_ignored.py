"""An ignored invitation is sent again once automatically, then only on a marketer's request."""

from datetime import timedelta

from sqlalchemy import func, select

from ambassador.audit.models import AuditEntry
from ambassador.extensions import db
from ambassador.portal import invitations
from ambassador.portal.models import Invitation
from ambassador.utils import utcnow
from tests.races import at_once, login_client

DAY = timedelta(days=1)


def _daily(now) -> int:
    invited = invitations.send_invitations(now)
    db.session.commit()
    return invited


def _sent(customer_id) -> int:
    return db.session.scalar(select(func.count(Invitation.id))
                             .where(Invitation.customer_id == customer_id))


def test_the_daily_run_reinvites_once_after_expiry_then_never_again(make_response, outbox):
    customer_id = make_response(10, email="silent@example.com").customer_id
    start = utcnow() - timedelta(days=200)

    invited = [_daily(start + n * DAY) for n in range(200)]  # a cron run every day

    assert sum(invited) == 2  # the first invitation and one fresh link
    assert invited[0] == 1 and invited[14] == 1  # the second right after the first expired
    assert _sent(customer_id) == 2
    assert [m.to_addr for m in outbox()] == ["silent@example.com"] * 2
    assert invitations.count_uninvited(start + 200 * DAY) == 0


def test_the_page_lists_who_ignored_and_invite_again_sends_one_fresh_link(
        client, make_response, make_user, login, outbox):
    customer = make_response(10, email="silent@example.com", name="Şükrü Yılmaz").customer
    _daily(utcnow() - 40 * DAY)
    _daily(utcnow() - 20 * DAY)  # the automatic second link, expired too
    make_response(10, email="waiting@example.com", name="Hélène")  # never invited: not listed
    marketer = login(make_user("marketer"))

    page = client.get("/dashboard/invitations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Şükrü Yılmaz" in html and "silent@example.com" in html
    assert "Hélène" not in html
    assert "Nothing more unless you invite them again" in html
    assert f"/dashboard/invitations/{customer.id}/again" in html

    done = client.post(f"/dashboard/invitations/{customer.id}/again")
    assert done.status_code == 303 and done.headers["Location"].endswith("/dashboard/invitations")
    listed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "A fresh invitation is on its way to Şükrü Yılmaz." in listed
    assert "silent@example.com" not in listed  # their new link is open
    assert [m.to_addr for m in outbox()] == ["silent@example.com"] * 3
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "invitation.sent_again", marketer.id, str(customer.id))

    again = client.post(f"/dashboard/invitations/{customer.id}/again")  # a second click
    assert again.status_code == 303
    assert "already has an account or an open invitation" in client.get(
        again.headers["Location"]).get_data(as_text=True)
    assert _sent(customer.id) == 3 and len(outbox()) == 3
    _daily(utcnow() + 30 * DAY)  # invites Hélène, and never Şükrü again by itself
    assert _sent(customer.id) == 3


def test_one_automatic_link_is_still_due_after_the_first_expires(client, make_response, make_user,
                                                                 login):
    make_response(10, email="once@example.com")
    _daily(utcnow() - 20 * DAY)
    login(make_user("marketer"))
    html = client.get("/dashboard/invitations").get_data(as_text=True)
    assert "once@example.com" in html
    assert "One fresh link with the next daily invitations" in html


def test_invite_again_refuses_an_unknown_or_lapsed_person(client, make_response, make_user,
                                                          login, outbox):
    make_response(10, email="was@example.com")
    _daily(utcnow() - 20 * DAY)
    lapsed = make_response(6, email="was@example.com").customer
    login(make_user("marketer"))
    assert client.post("/dashboard/invitations/99999999/again").status_code == 404
    assert client.post("/dashboard/invitations/99999999999999999999/again").status_code == 404
    refused = client.post(f"/dashboard/invitations/{lapsed.id}/again")
    assert "no longer an active ambassador" in client.get(
        refused.headers["Location"]).get_data(as_text=True)
    assert len(outbox()) == 1


def test_two_marketers_pressing_invite_again_at_once_send_one_link(race_app):
    from ambassador.auth import services as accounts
    from ambassador.mail.models import OutboxMessage
    from ambassador.nps.services import record_response
    from tests.conftest import PASSWORD

    with race_app.app_context():
        customer_id = record_response({"email": "silent@example.com", "score": 10},
                                      "import").customer_id
        for name in ("m1", "m2"):
            accounts.create_user(f"{name}@example.com", "marketer", name, password=PASSWORD)
        db.session.commit()
        invitations.send_invitations(utcnow() - 20 * DAY)
        db.session.commit()
    clients = [login_client(race_app, f"{name}@example.com") for name in ("m1", "m2")]

    at_once(*(lambda c=c: c.post(f"/dashboard/invitations/{customer_id}/again")
              for c in clients))

    with race_app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 2
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
