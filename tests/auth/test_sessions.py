"""Sessions end on the server, expire when idle; login and reset mails are limited per account."""

import re

import pytest

from ambassador.auth import services, sessions
from ambassador.extensions import db
from tests.conftest import PASSWORD

HOUR = 3600
DAY = 24 * HOUR


def text(response) -> str:
    return response.get_data(as_text=True)


def copy_cookies(source, target) -> None:
    """Give `target` (another browser, another address) the cookies `source` has now."""
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def client_at(app, address: str):
    """A test client whose requests come from this address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, text(response)[:300]
    return response


@pytest.fixture
def other_client(app):
    return client_at(app, "203.0.113.9")


@pytest.fixture
def clock(monkeypatch):
    """clock.advance(seconds): move the session clock forward."""
    import time

    class Clock:
        now = int(time.time())

        def advance(self, seconds):
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(sessions, "_now", lambda: fake.now)
    return fake


# --- logout ends the session on the server ------------------------------------------------

@pytest.mark.parametrize("remember", [False, True])
def test_a_cookie_copied_before_logout_no_longer_opens_anything(
        client, other_client, make_user, remember):
    user = make_user("marketer")
    log_in(client, user, remember=remember)
    copy_cookies(client, other_client)
    assert other_client.get("/dashboard").status_code == 200  # the copy works while logged in
    assert client.post("/logout").status_code == 302
    response = other_client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302


def test_logging_in_again_after_logout_works(client, make_user):
    user = make_user("promoter")
    log_in(client, user)
    client.post("/logout")
    log_in(client, user)
    assert client.get("/portal").status_code == 200


# --- idle timeout ---------------------------------------------------------------------------

def test_a_staff_session_ends_after_two_hours_without_a_request(client, make_user, clock):
    log_in(client, make_user("marketer"))
    clock.advance(2 * HOUR - 60)
    assert client.get("/dashboard").status_code == 200  # and this request counts as use
    clock.advance(2 * HOUR - 60)
    assert client.get("/dashboard").status_code == 200
    clock.advance(2 * HOUR + 1)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "Your session ended after a while without activity" in text(page)
    assert client.get("/dashboard").status_code == 302  # the session is gone, not only refused


def test_staff_remember_me_does_not_lengthen_the_idle_time(client, make_user, clock):
    log_in(client, make_user("admin"), remember=True)
    clock.advance(2 * HOUR + 1)
    assert client.get("/dashboard").status_code == 302


def test_a_remembered_promoter_stays_in_for_fourteen_idle_days(client, make_promoter, clock):
    log_in(client, make_promoter(), remember=True)
    cookie = client.get_cookie("session")
    assert cookie.expires is not None  # kept across browser restarts
    clock.advance(13 * DAY)
    assert client.get("/portal").status_code == 200
    clock.advance(14 * DAY + 1)
    assert client.get("/portal").status_code == 302


def test_a_promoter_without_remember_me_has_the_short_idle_time(client, make_promoter, clock):
    log_in(client, make_promoter())
    assert client.get_cookie("session").expires is None  # ends with the browser
    clock.advance(2 * HOUR + 1)
    assert client.get("/portal").status_code == 302


def test_no_session_outlives_thirty_days_even_when_used_daily(client, make_promoter, clock):
    log_in(client, make_promoter(), remember=True)
    for _ in range(29):
        clock.advance(DAY)
        assert client.get("/portal").status_code == 200
    clock.advance(DAY + 1)
    assert client.get("/portal").status_code == 302


def test_the_idle_time_is_a_setting(app, client, make_user, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 10)
    log_in(client, make_user("marketer"))
    clock.advance(11 * 60)
    assert client.get("/dashboard").status_code == 302


def test_a_session_cookie_without_login_stamps_is_refused(client, make_user):
    """A cookie made before sessions carried their login time (or forged) opens nothing."""
    user = make_user("marketer")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert client.get("/dashboard").status_code == 302


def test_opening_pages_writes_nothing_to_the_database(client, make_user, clock):
    user = make_user("marketer")
    log_in(client, user)

    def row():
        db.session.expire_all()
        fresh = db.session.get(type(user), user.id)
        return fresh.session_token, fresh.last_login_at

    before = row()
    clock.advance(HOUR)
    assert client.get("/dashboard").status_code == 200
    assert row() == before


# --- failed logins are limited per account, from any address -------------------------------

def addresses(app, count):
    return [client_at(app, f"198.51.100.{i}") for i in range(1, count + 1)]


def test_wrong_passwords_from_many_addresses_lock_the_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        services.create_user("pat@example.com", "promoter", password=PASSWORD)
        services.create_user("sam@example.com", "promoter", password=PASSWORD)
        db.session.commit()
    attackers = addresses(app, 10)
    for attacker in attackers:
        response = attacker.post("/login", data={"email": "Pat@Example.com ",
                                                 "password": "guess-guess-guess"})
        assert response.status_code == 401
    newcomer = client_at(app, "192.0.2.200")
    response = newcomer.post("/login", data={"email": "pat@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert int(response.headers["Retry-After"]) > 60
    assert re.search(r"Please wait \d+ minutes and try again", text(response))
    assert newcomer.get("/portal").status_code == 302  # not logged in
    # Other accounts are not affected.
    response = newcomer.post("/login", data={"email": "sam@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_an_unknown_account_gets_the_same_too_many_attempts_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        services.create_user("pat@example.com", "promoter", password=PASSWORD)
        db.session.commit()
    pages = {}
    for email in ("pat@example.com", "nobody@example.com"):
        for attacker in addresses(app, 10):
            attacker.post("/login", data={"email": email, "password": "guess-guess-guess"})
        response = app.test_client().post("/login", data={"email": email, "password": "x"})
        assert response.status_code == 429
        page = text(response).replace(email, "EMAIL")
        pages[email] = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", page)  # per session
    assert pages["pat@example.com"] == pages["nobody@example.com"]


def test_a_successful_login_starts_the_count_again(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        services.create_user("pat@example.com", "promoter", password=PASSWORD)
        db.session.commit()
    for round_ in range(2):
        for attacker in addresses(app, 9):
            attacker.post("/login", data={"email": "pat@example.com", "password": "wrong-one"})
        owner = client_at(app, f"192.0.2.{round_ + 1}")
        assert owner.post("/login", data={"email": "pat@example.com", "password": PASSWORD}
                          ).status_code == 302


# --- reset mails are capped per account ---------------------------------------------------

def test_one_account_receives_at_most_three_reset_mails_an_hour(client, make_user, outbox):
    user = make_user("promoter")
    answers = set()
    for _ in range(10):
        response = client.post("/password/forgot", data={"email": user.email.upper()})
        assert response.status_code == 302
        page = text(client.get(response.headers["Location"]))
        answers.add(re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", page))  # timestamped
    assert len(outbox(to=user.email)) == 3
    assert len(answers) == 1  # the page says the same whether or not a mail went out
    other = make_user("promoter")
    client.post("/password/forgot", data={"email": other.email})
    assert len(outbox(to=other.email)) == 1


def test_the_reset_mail_cap_opens_again_after_an_hour(client, make_user, outbox):
    from datetime import timedelta

    from ambassador.auth.models import PasswordToken

    user = make_user("promoter")
    for _ in range(3):
        client.post("/password/forgot", data={"email": user.email})
    for token in db.session.scalars(db.select(PasswordToken)):
        token.created_at -= timedelta(minutes=61)
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    assert len(outbox(to=user.email)) == 4
