"""Portal pages: the invitation landing page, fresh links, the home page, the button."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.portal import invitations
from ambassador.portal.models import Invitation
from ambassador.utils import utcnow
from tests.conftest import utc

LINK_RE = re.compile(r"http://ambassador\.test(/welcome/[A-Za-z0-9_-]+)")
GOOD = {"password": "a-long-password", "confirm": "a-long-password"}


@pytest.fixture
def invite(make_response, outbox):
    """invite(score=10, email=..., sent_at=None, **fields) -> the invitation's path."""
    counter = iter(range(1, 1000))

    def make(score=10, email=None, sent_at=None, **fields):
        email = email or f"invitee{next(counter)}@example.com"
        make_response(score, email=email, **fields)
        invitations.send_invitations(sent_at)
        db.session.commit()
        return LINK_RE.search(outbox(to=email)[-1].body_text).group(1)

    return make


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_landing_page_greets_by_name_in_their_language(client, invite):
    page = client.get(invite(email="helene@example.fr", name="Hélène Dupré", language="fr"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bienvenue, Hélène" in html
    assert "helene@example.fr" in html
    assert 'name="confirm"' in html
    turkish = client.get(invite(name="Şükrü Yılmaz", language="tr")).get_data(as_text=True)
    assert "Hoş geldiniz, Şükrü" in turkish
    english = client.get(invite(name="Grace Walker")).get_data(as_text=True)
    assert "Welcome, Grace" in english


def test_choosing_a_password_creates_the_account_and_logs_in(client, invite):
    path = invite(email="helene@example.fr", name="Hélène Dupré", language="fr")
    response = client.post(path, data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/portal"

    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.customer.name) == (
        "helene@example.fr", "promoter", "Hélène Dupré")
    assert db.session.scalar(select(Invitation)).used_at is not None
    home = client.get("/portal").get_data(as_text=True)
    assert "Bienvenue, Hélène" in home
    assert "Ambassadeur actif" in home  # her customer record says French
    assert "Votre compte est prêt" in home  # the flash, in her language


@pytest.mark.parametrize("data, error", [
    ({"password": "short", "confirm": "short"}, "at least 10 characters"),
    ({"password": "a-long-password", "confirm": "another-password"}, "passwords differ"),
    ({"password": "", "confirm": ""}, "Choose a password"),
])
def test_password_errors_keep_the_invitation_open(client, invite, data, error):
    path = invite()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert _users() == 0
    assert db.session.scalar(select(Invitation)).used_at is None


def test_double_submit_says_already_used_without_error(client, invite):
    path = invite()
    assert client.post(path, data=GOOD).status_code == 303
    client.post("/logout")
    again = client.post(path, data=GOOD)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert _users() == 1


def _csrf_token(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     page.get_data(as_text=True))[1]


def test_a_second_tab_sent_after_the_first_goes_to_the_portal_and_sets_nothing(
        client, invite, app, monkeypatch):
    """The first submit logs in and renews the session, so the second tab's form carries a
    stale token: the person lands on their portal, not on an error, and nothing changes."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = invite(email="helene@example.fr", name="Hélène")
    first_tab, second_tab = _csrf_token(client.get(path)), _csrf_token(client.get(path))
    assert client.post(path, data={**GOOD, "csrf_token": first_tab}).status_code == 303
    password_hash = db.session.scalar(select(User.password_hash))

    again = client.post(path, data={"password": "another-password", "confirm":
                                    "another-password", "csrf_token": second_tab})
    assert again.status_code == 303 and again.headers["Location"] == "/portal"
    home = client.get("/portal").get_data(as_text=True)
    assert "Your password is already set" in home
    assert "Welcome, Hélène" in home  # still logged in as herself
    assert _users() == 1
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash)) == password_hash


def test_sent_again_while_logged_in_it_goes_to_the_portal(client, invite):
    path = invite()
    assert client.post(path, data=GOOD).status_code == 303
    again = client.post(path, data=GOOD)
    assert again.status_code == 303 and again.headers["Location"] == "/portal"
    assert "Your password is already set" in client.get("/portal").get_data(as_text=True)
    assert _users() == 1


def test_a_used_link_sent_by_someone_else_logged_in_stays_dead(client, invite, make_user,
                                                               login):
    path = invite(email="helene@example.fr")
    client.post(path, data=GOOD)
    client.post("/logout")
    login(make_user("promoter", email="sam@example.com"))
    response = client.post(path, data={"password": "another-password",
                                       "confirm": "another-password"})
    assert response.status_code == 410
    assert "already been used" in response.get_data(as_text=True)
    assert "sam@example.com" in client.get("/portal").get_data(as_text=True)


def test_used_link_says_so_and_offers_login_and_a_fresh_one(client, invite):
    path = invite()
    client.post(path, data=GOOD)
    client.post("/logout")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "already been used" in html
    assert "/login" in html and f"{path}/renew" in html
    assert 'Already created your account? <a href="/login">Log in</a>.' in html  # a link
    assert "&lt;a" not in html


def test_expired_link_offers_a_fresh_one_by_mail(client, invite, outbox):
    path = invite(email="late@example.com", name="Late Larry",
                  sent_at=utcnow() - timedelta(days=15))
    page = client.get(path)
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    assert "Larry" not in page.get_data(as_text=True)  # a dead link shows no name

    renewed = client.post(f"{path}/renew")
    assert renewed.status_code == 200
    assert "Check your inbox" in renewed.get_data(as_text=True)
    assert 'or <a href="/login">log in</a> if' in renewed.get_data(as_text=True)
    mails = outbox(to="late@example.com")
    assert len(mails) == 2
    fresh = LINK_RE.search(mails[-1].body_text).group(1)
    assert fresh != path
    assert client.get(fresh).status_code == 200


def test_fresh_link_reveals_nothing_to_a_stranger(client, invite, make_user, outbox):
    path = invite(email="has-account@example.com", sent_at=utcnow() - timedelta(days=15))
    make_user("promoter", email="has-account@example.com")
    renewed = client.post(f"{path}/renew")
    assert renewed.status_code == 200
    assert "Check your inbox" in renewed.get_data(as_text=True)
    assert 'or <a href="/login">log in</a> if' in renewed.get_data(as_text=True)
    assert "has-account@example.com" not in renewed.get_data(as_text=True)
    assert len(outbox(to="has-account@example.com")) == 1  # no second mail


def test_bad_token_is_a_404(client):
    assert client.get("/welcome/not-a-real-token").status_code == 404
    assert client.post("/welcome/not-a-real-token", data=GOOD).status_code == 404
    assert client.post("/welcome/not-a-real-token/renew").status_code == 404


def test_existing_account_for_the_email_is_linked_and_told_to_log_in(
        client, invite, make_user):
    path = invite(email="known@example.com")
    user = make_user("promoter", email="known@example.com")
    page = client.get(path)
    assert page.status_code == 200
    assert "already have an Ambassador account" in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)

    response = client.post(path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert db.session.get(User, user.id).customer is not None
    assert _users() == 1
    assert "log in with its password" in client.get("/login").get_data(as_text=True)


def test_portal_home_shows_lapsed_status_and_its_meaning(client, make_response, make_promoter,
                                                        login):
    user = make_promoter(10, email="ipek@example.com.tr", name="İpek Güneş", language="tr",
                         responded_at=utc(2026, 1, 10))
    make_response(6, email="ipek@example.com.tr", responded_at=utc(2026, 3, 5))
    login(user)
    html = client.get("/portal").get_data(as_text=True)
    assert "Hoş geldiniz, İpek" in html
    assert "Pasifleşti" in html  # her customer record says Turkish
    assert "5 Mart 2026" in html
    assert "bize 9 ya da 10 verdiğiniz anda" in html


def test_portal_home_shows_latest_score_and_date(client, make_promoter, login):
    login(make_promoter(9, name="Grace Walker", responded_at=utc(2026, 2, 14)))
    html = client.get("/portal").get_data(as_text=True)
    assert "Welcome, Grace" in html
    assert "Active ambassador" in html
    assert "February 14, 2026" in html and "9<span" in html


def test_portal_home_needs_a_login(client):
    response = client.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_send_invitations_button_is_for_staff_only(client, make_user, login, make_response,
                                                  outbox):
    make_response(10)
    assert client.post("/dashboard/invitations").status_code == 302  # to the login page
    login(make_user("promoter"))
    assert client.post("/dashboard/invitations").status_code == 403
    assert outbox() == []


def test_send_invitations_button_invites_and_flashes(client, make_user, login, make_response,
                                                    outbox):
    make_response(10)
    make_response(10)
    make_response(5)
    login(make_user("marketer"))
    response = client.post("/dashboard/invitations")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"
    assert len(outbox()) == 2
    assert "2 ambassadors invited" in client.get("/dashboard").get_data(as_text=True)
    client.post("/dashboard/invitations")
    assert "Nobody to invite" in client.get("/dashboard").get_data(as_text=True)
    assert len(outbox()) == 2


def test_dashboard_shows_the_portal_button_with_who_is_left_to_invite(
        client, make_user, login, make_response):
    make_response(10)
    make_response(9)
    make_response(7)
    login(make_user("marketer"))
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Send invitations (2)" in " ".join(html.split())
    assert 'action="/dashboard/invitations"' in html


def test_invitations_send_command_prints_invited_n(runner, make_response):
    make_response(10)
    make_response(10)
    assert runner.invoke(args=["invitations", "send"]).output == "invited 2\n"
    assert runner.invoke(args=["invitations", "send"]).output == "invited 0\n"


def test_used_link_seen_logged_in_points_to_the_start_page(client, invite):
    path = invite()
    client.post(path, data=GOOD)  # creates the account and logs in
    page = client.get(path)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Go to your start page" in html and f"{path}/renew" not in html


def test_portal_home_of_an_account_without_answers(client, make_user, login):
    login(make_user("marketer", name="Margaux Lefèvre"))
    page = client.get("/portal")
    assert page.status_code == 200
    assert "Welcome, Margaux Lefèvre" in page.get_data(as_text=True)
    assert "not linked to any survey answer" in page.get_data(as_text=True)
