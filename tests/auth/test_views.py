"""Logging in and out, `next`, password links, sessions that end, rate limits."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from ambassador.auth import services
from ambassador.auth.models import PasswordToken, User
from ambassador.extensions import db
from ambassador.utils import utcnow
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-password"
LINK_RE = re.compile(r"https?://[^/\s\"<]+/password/reset/[\w-]+")


def text(response) -> str:
    return response.get_data(as_text=True)


def logged_in_as(client) -> str | None:
    """The email the client is logged in as, judged by what /portal shows."""
    response = client.get("/portal")
    if response.status_code != 200:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return None
    return re.search(r'class="who-name" title="([^"]+)"', text(response)).group(1)


def mailed_link(outbox, to: str) -> str:
    [mail] = outbox(to)
    [link] = LINK_RE.findall(mail.body_text)
    return link


@pytest.fixture
def other_client(app, client):
    """A second browser."""
    return app.test_client()


# --- logging in and out --------------------------------------------------------------------

def test_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = text(response)
    assert 'name="email"' in page and 'name="password"' in page
    assert 'href="/password/forgot"' in page


@pytest.mark.parametrize("role, home", [("promoter", "/portal"), ("marketer", "/dashboard"),
                                        ("admin", "/dashboard")])
def test_login_sends_each_role_home(client, make_user, role, home):
    user = make_user(role, name="Robin")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert logged_in_as(client) == user.email


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    make_user("marketer", email="m@example.com")
    wrong = client.post("/login", data={"email": "m@example.com", "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "x@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in text(wrong)
    assert text(wrong).replace("m@example.com", "x@example.com") == text(unknown)
    assert logged_in_as(client) is None


def test_disabled_user_cannot_log_in(client, make_user):
    admin = make_user("admin")
    user = make_user("marketer")
    services.set_disabled(user, True, admin)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert logged_in_as(client) is None


@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": PASSWORD}, "Enter an email address."),
    ({"email": "m@example.com", "password": ""}, "Enter your password."),
    ({}, "Enter an email address."),
    ({"email": "not-an-email", "password": PASSWORD}, "is not a valid email address"),
    ({"email": "x" * 10_000 + "@example.com", "password": PASSWORD}, "at most 254 characters"),
    ({"email": "m@example.com", "password": "p" * 1_000_000}, "at most 256 characters"),
])
def test_login_bad_input_is_a_400_with_a_message(client, make_user, data, message):
    make_user("marketer", email="m@example.com")
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert "p" * 1000 not in text(response)  # a password is never echoed back
    assert logged_in_as(client) is None


def test_logout_ends_the_session(client, make_user, login):
    login(make_user("promoter"))
    assert client.get("/logout").status_code == 405  # a link cannot log anyone out
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You are logged out." in text(client.get("/login"))
    assert logged_in_as(client) is None


def test_login_needs_the_form_csrf_token(client, make_user, app, monkeypatch):
    user = make_user("promoter")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert logged_in_as(client) is None
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     text(client.get("/login")))[1]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": csrf})
    assert response.status_code == 302
    assert logged_in_as(client) == user.email


def test_markup_in_a_name_is_shown_as_text(client, make_user, login):
    login(make_user("promoter", name="<script>alert('x')</script>"))
    page = text(client.get("/portal"))
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page


# --- where anonymous visitors go, and `next` ------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/users", "/admin/tokens", "/dashboard", "/portal"])
def test_anonymous_visitor_is_sent_to_login_with_next(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + path.replace("/", "%2F")
    page = text(client.get("/login", headers={"Host": "evil.example"}))
    assert "Please log in to see that page." in page


def test_login_follows_a_next_inside_the_site(client, make_user):
    admin = make_user("admin")
    location = client.get("/admin/users?q=ada&role=admin").headers["Location"]
    response = client.post(location, data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?q=ada&role=admin"


@pytest.mark.parametrize("target", [
    "//evil.com", "///evil.com", "https://evil.com", "http://evil.com/admin/users",
    "/\\evil.com", "\\\\evil.com", "/\\/evil.com", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "/\t/evil.com", "/\n/evil.com", "evil.com",
    "http:evil.com", "https:/evil.com", " //evil.com", "//evil.com/%2F..",
])
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user("marketer")
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    if "\n" in target:  # a line break in the query string is refused before the view
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    # Already logged in: visiting the login page again must not bounce out either.
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


# --- forgot password and the one-time link -------------------------------------------------

def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(
        client, make_user, outbox):
    make_user("promoter", email="pat@example.com")
    known = client.post("/password/forgot", data={"email": "pat@example.com"})
    known_page = text(client.get(known.headers["Location"]))
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"})
    unknown_page = text(client.get(unknown.headers["Location"]))
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    # The CSRF tokens carry the second they were signed in: compare the pages without them.
    signed = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
    assert signed.sub("", known_page) == signed.sub("", unknown_page)
    assert "If an account exists for that address" in known_page
    assert [m.to_addr for m in outbox()] == ["pat@example.com"]


@pytest.mark.parametrize("email, message", [
    ("", "Enter an email address."),
    ("not an email", "is not a valid email address"),
    ("x" * 10_000, "at most 254 characters"),
])
def test_forgot_password_bad_input_is_a_400(client, outbox, email, message):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 400
    assert message in text(response)
    assert outbox() == []


def test_links_in_mail_never_come_from_the_host_header(client, make_user, outbox):
    make_user("promoter", email="pat@example.com")
    client.post("/password/forgot", data={"email": "pat@example.com"},
                headers={"Host": "evil.example"})
    [mail] = outbox()
    assert "evil.example" not in mail.body_text + mail.body_html
    assert mailed_link(outbox, "pat@example.com").startswith(
        "http://ambassador.test/password/reset/")


def test_reset_link_sets_a_new_password_and_logs_in(client, make_user, outbox):
    user = make_user("promoter", email="pat@example.com", name="Pat")
    client.post("/password/forgot", data={"email": "pat@example.com"})
    path = mailed_link(outbox, user.email).removeprefix("http://ambassador.test")
    page = client.get(path)
    assert page.status_code == 200
    assert "pat@example.com" in text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/portal"
    assert logged_in_as(client) == "pat@example.com"
    # The link is dead now, and so is the old password.
    third = {"password": "third-password-x", "confirm": "third-password-x"}
    assert client.get(path).status_code == 410
    client.post("/logout")
    again = client.post(path, data=third)
    assert again.status_code == 410
    assert "already been used" in text(again)
    assert logged_in_as(client) is None
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": "third-password-x"}
                       ).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}
                       ).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"password": "", "confirm": ""}, "Choose a password."),
    ({"password": "short", "confirm": "short"}, "Use at least 10 characters (and at most 256)."),
    ({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "The two passwords differ."),
    ({"password": "p" * 1_000_000, "confirm": "p" * 1_000_000},
     "Use at least 10 characters (and at most 256)."),
])
def test_reset_form_bad_input_keeps_the_link_alive(client, make_user, data, message):
    user = make_user("promoter")
    path = services.issue_password_link(user).removeprefix("http://ambassador.test")
    db.session.commit()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert client.get(path).status_code == 200
    assert logged_in_as(client) is None


def _csrf_token(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(page))[1]


@pytest.mark.parametrize("purpose", ["reset", "setup"])
def test_the_form_sent_again_from_a_second_tab_moves_on_and_sets_nothing(
        client, make_user, app, monkeypatch, purpose):
    """Two tabs of the link (or Back): the first submit logs in and renews the session, so
    the second one carries a stale form token; it lands where the first went, changing nothing."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make_user("promoter", email="pat@example.com")
    path = services.issue_password_link(user, purpose).removeprefix("http://ambassador.test")
    db.session.commit()
    first_tab, second_tab = _csrf_token(client.get(path)), _csrf_token(client.get(path))
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "csrf_token": first_tab}).status_code == 302

    again = client.post(path, data={"password": "third-password-x",
                                    "confirm": "third-password-x", "csrf_token": second_tab})
    assert again.status_code == 302 and again.headers["Location"] == "/portal"
    page = text(client.get("/portal"))
    assert "Your password is already set" in page
    assert "This form had expired" not in page
    assert logged_in_as(client) == "pat@example.com"
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": "third-password-x"}
                       ).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}
                       ).status_code == 302


def test_a_used_link_sent_by_someone_else_logged_in_stays_dead(
        client, other_client, make_user, login):
    owner = make_user("promoter", email="pat@example.com")
    path = services.issue_password_link(owner).removeprefix("http://ambassador.test")
    db.session.commit()
    other_client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    someone = login(make_user("marketer", email="sam@example.com"))

    response = client.post(path, data={"password": "third-password-x",
                                       "confirm": "third-password-x"})
    assert response.status_code == 410
    assert "already been used" in text(response)
    assert logged_in_as(client) == someone.email  # nobody was switched to the link's owner
    assert client.post("/logout").status_code == 302
    assert client.post("/login", data={"email": owner.email, "password": "third-password-x"}
                       ).status_code == 401


def test_a_dead_link_speaks_the_language_of_the_person_it_was_sent_to(client, make_user):
    ipek = make_user("promoter", email="ipek@example.com.tr")
    ipek.language = "tr"
    used = services.issue_password_link(ipek).removeprefix("http://ambassador.test")
    db.session.commit()
    client.post(used, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/logout")
    expired = services.issue_password_link(ipek).removeprefix("http://ambassador.test")
    db.session.execute(update(PasswordToken).where(PasswordToken.used_at.is_(None))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    english = {"Accept-Language": "en"}

    page = client.get(expired, headers=english)
    assert page.status_code == 410
    assert "Bu bağlantının süresi doldu" in text(page) and "expired" not in text(page)
    page = client.post(used, data={"password": "third-password-x",
                                   "confirm": "third-password-x"}, headers=english)
    assert page.status_code == 410
    assert "Bu bağlantı artık çalışmıyor" in text(page)
    # A link that names nobody keeps the visitor's own language.
    assert "This link is not valid" in text(client.get("/password/reset/nope", headers=english))
    assert "Bu bağlantı geçerli değil" in text(
        client.get("/password/reset/nope", headers={"Accept-Language": "tr"}))


def test_expired_link_is_refused(client, make_user):
    user = make_user("promoter")
    path = services.issue_password_link(user).removeprefix("http://ambassador.test")
    db.session.execute(update(PasswordToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert "This link has expired" in text(response)
    assert 'href="/password/forgot"' in text(response)
    assert logged_in_as(client) is None


def test_a_password_change_kills_older_links(client, make_user):
    user = make_user("promoter")
    older = services.issue_password_link(user).removeprefix("http://ambassador.test")
    newer = services.issue_password_link(user).removeprefix("http://ambassador.test")
    db.session.commit()
    client.post(newer, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(older).status_code == 410


@pytest.mark.parametrize("token", ["nope", "x" * 5000])
def test_unknown_link_is_a_410_not_a_crash(client, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 410
    assert "This link is not valid" in text(response)


# --- sessions end at once ------------------------------------------------------------------

def test_password_reset_elsewhere_ends_other_sessions(client, other_client, make_user, login):
    user = login(make_user("marketer"))
    assert client.get("/dashboard").status_code == 200
    path = services.issue_password_link(user).removeprefix("http://ambassador.test")
    db.session.commit()
    other_client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert logged_in_as(other_client) == user.email
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_disabling_ends_open_sessions_immediately(client, other_client, make_user, login):
    admin = make_user("admin")
    user = login(make_user("marketer"))
    assert client.get("/dashboard").status_code == 200
    other_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = other_client.post(f"/admin/users/{user.id}/disable")
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 302
    assert logged_in_as(client) is None
    # Enabling again lets them log in, but does not revive the old session cookie.
    other_client.post(f"/admin/users/{user.id}/enable")
    db.session.expire_all()
    assert not db.session.get(User, user.id).disabled
    assert logged_in_as(client) is None
    login(user)
    assert logged_in_as(client) == user.email


# --- rate limits ---------------------------------------------------------------------------

@pytest.fixture
def limited_client(make_app):
    """A client of an app with the rate limiter on (TestingConfig turns it off)."""
    return make_app(RATELIMIT_ENABLED=True).test_client()


def test_login_is_rate_limited(limited_client):
    app = limited_client.application
    with app.app_context():
        services.create_user("pat@example.com", "promoter", password=PASSWORD)
        db.session.commit()
    for _ in range(10):
        response = limited_client.post("/login", data={"email": "pat@example.com",
                                                       "password": "guess-guess-guess"})
        assert response.status_code == 401
    response = limited_client.post("/login", data={"email": "pat@example.com",
                                                   "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert "Retry-After" in response.headers
    assert limited_client.get("/portal").status_code == 302  # not logged in
    assert limited_client.get("/login").status_code == 200  # the page itself still shows


def test_password_reset_is_rate_limited(limited_client):
    for _ in range(5):
        response = limited_client.post("/password/forgot", data={"email": "a@example.com"})
        assert response.status_code == 302
    assert limited_client.post("/password/forgot", data={"email": "a@example.com"}
                               ).status_code == 429
    for _ in range(5):
        assert limited_client.post("/password/reset/guess", data={}).status_code == 410
    assert limited_client.post("/password/reset/guess", data={}).status_code == 429


def test_tests_run_without_the_limiter_afterwards(client):
    for _ in range(12):
        assert client.post("/login", data={"email": "a@example.com", "password": "x"}
                           ).status_code == 401


def test_the_account_page_leads_to_each_email_setting_its_reader_has(client, login,
                                                                     make_user, make_promoter):
    login(make_promoter())
    mine = client.get("/account").get_data(as_text=True)
    assert 'href="/forum/settings"' in mine and "/dashboard/follow-ups/digest" not in mine
    client.post("/logout")
    login(make_user("marketer"))
    staff = client.get("/account").get_data(as_text=True)
    assert 'href="/forum/settings"' in staff and 'href="/dashboard/follow-ups/digest"' in staff
