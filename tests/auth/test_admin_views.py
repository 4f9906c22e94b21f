"""The admin's pages: people (/admin/users) and API tokens (/admin/tokens)."""

import re

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from ambassador.auth import tokens
from ambassador.auth.models import ApiToken, User
from ambassador.extensions import db
from ambassador.utils import hash_token, utcnow
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-password"


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(user: User) -> User:
    """The user as the database has it now (requests commit in their own session)."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin", email="boss@example.com", name="Boss"))


# --- who may come in -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["promoter", "marketer"])
def test_only_admins_manage_people_and_tokens(client, make_user, login, outbox, role):
    victim = make_user("admin", email="victim@example.com")
    token, secret = tokens.create_api_token("Typeform")
    db.session.commit()
    login(make_user(role))
    requests = [
        ("GET", "/admin/users", {}), ("GET", "/admin/tokens", {}),
        ("POST", "/admin/users/invite", {"email": "new@example.com", "role": "admin"}),
        ("POST", f"/admin/users/{victim.id}/role", {"role": "promoter"}),
        ("POST", f"/admin/users/{victim.id}/disable", {}),
        ("POST", "/admin/tokens", {"name": "Mine"}),
        ("POST", f"/admin/tokens/{token.id}/revoke", {}),
    ]
    for method, path, data in requests:
        response = client.open(path, method=method, data=data)
        assert response.status_code == 403, (method, path)
        assert "This page is not for you" in text(response)
    victim = fresh(victim)
    assert victim.role == "admin" and not victim.disabled
    assert user_count() == 2 and outbox() == []
    assert tokens.authenticate_api_token(secret) is not None
    assert [t.name for t in tokens.list_api_tokens()] == ["Typeform"]


def test_admin_sees_people_and_tokens_in_the_menu(client, admin):
    page = text(client.get("/dashboard"))
    assert 'href="/admin/users"' in page and 'href="/admin/tokens"' in page


def test_marketer_menu_has_no_admin_pages(client, make_user, login):
    login(make_user("marketer"))
    page = text(client.get("/dashboard"))
    assert "/admin/users" not in page and "/admin/tokens" not in page


# --- the people page -----------------------------------------------------------------------

def test_people_page_lists_and_searches(client, admin, make_user):
    make_user("marketer", email="margaux@example.com", name="Margaux")
    make_user("promoter", email="pat@example.org", name="Pat")
    page = text(client.get("/admin/users"))
    assert "3 people." in page
    assert all(e in page for e in ("margaux@example.com", "pat@example.org", "boss@example.com"))
    page = text(client.get("/admin/users", query_string={"q": "MARG"}))
    assert "margaux@example.com" in page and "pat@example.org" not in page
    assert "1 person matches this search." in page
    page = text(client.get("/admin/users", query_string={"role": "promoter"}))
    assert "pat@example.org" in page and "margaux@example.com" not in page
    page = text(client.get("/admin/users", query_string={"q": "nobody"}))
    assert "Nobody matches this search." in page


@pytest.mark.parametrize("query", [{"q": "x" * 10_000}, {"page": "abc"}, {"page": "-5"},
                                   {"page": "99999999999999999999"}, {"role": "<b>root</b>"},
                                   {"q": "%_\\"}])
def test_odd_search_input_is_harmless(client, admin, query):
    response = client.get("/admin/users", query_string=query)
    assert response.status_code == 200
    assert "<b>root</b>" not in text(response)


def test_search_text_and_names_are_escaped(client, admin, make_user):
    make_user("marketer", email="evil@example.com", name='<img src=x onerror="alert(1)">')
    page = text(client.get("/admin/users", query_string={"q": '"><script>alert(2)</script>'}))
    assert "<script>alert(2)" not in page
    page = text(client.get("/admin/users"))
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_invite_mails_a_set_password_link_on_base_url(client, make_user, outbox):
    admin = make_user("admin")
    client.post("/login", headers={"Host": "evil.example"},
                data={"email": admin.email, "password": PASSWORD})
    response = client.post("/admin/users/invite", headers={"Host": "evil.example"},
                           data={"email": " New@Example.com", "name": "Nina", "role": "marketer"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    page = text(client.get("/admin/users", headers={"Host": "evil.example"}))
    assert "Invitation sent to new@example.com." in page
    assert "invited" in page
    [mail] = outbox("new@example.com")
    assert "evil.example" not in mail.body_text + mail.body_html
    [link] = re.findall(r"http://ambassador\.test/password/reset/[\w-]+", mail.body_text)
    # The invitee follows the link in their own browser, chooses a password and is in.
    invitee = client.application.test_client()
    path = link.removeprefix("http://ambassador.test")
    assert "Welcome, Nina" in text(invitee.get(path))
    response = invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert invitee.get("/dashboard").status_code == 200


@pytest.mark.parametrize("data, message", [
    ({"email": "", "role": "marketer"}, "Enter an email address."),
    ({"email": "nope", "role": "marketer"}, "is not a valid email address"),
    ({"email": "x" * 10_000 + "@example.com", "role": "marketer"}, "at most 254 characters"),
    ({"email": "ok@example.com", "role": "superuser"}, "Unknown role: choose one of"),
    ({"email": "ok@example.com", "role": "marketer", "name": "n" * 1000}, "at most 255"),
])
def test_invite_bad_input_is_a_400_with_a_message(client, admin, outbox, data, message):
    response = client.post("/admin/users/invite", data=data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "The invitation was not sent" in page
    assert user_count() == 1 and outbox() == []


def test_double_submitted_invitation_creates_one_account(client, admin, outbox):
    data = {"email": "new@example.com", "name": "<script>x</script>", "role": "promoter"}
    assert client.post("/admin/users/invite", data=data).status_code == 303
    response = client.post("/admin/users/invite", data=data)
    assert response.status_code == 409
    assert "There is already an account for new@example.com." in text(response)
    assert user_count() == 2 and len(outbox()) == 1
    page = text(client.get("/admin/users"))
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_change_role_takes_effect_in_open_sessions(client, admin, make_user, login, app):
    user = make_user("marketer")
    their_browser = app.test_client()
    their_browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert their_browser.get("/dashboard").status_code == 200
    response = client.post(f"/admin/users/{user.id}/role",
                           data={"role": "promoter", "next": "/admin/users?q=marketer"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users?q=marketer"
    assert f"{user.email} is now promoter." in text(client.get("/admin/users"))
    assert fresh(user).role == "promoter"
    assert their_browser.get("/dashboard").status_code == 403


def test_change_role_refuses_an_unknown_role(client, admin, make_user):
    user = make_user("marketer")
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "root"})
    assert response.status_code == 400
    assert "Unknown role: choose one of promoter, marketer, admin." in text(response)
    assert fresh(user).role == "marketer"


def test_the_last_admin_cannot_step_down(client, admin):
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "marketer"})
    assert response.status_code == 409
    assert "This is the last admin" in text(response)
    assert fresh(admin).role == "admin"


def test_an_admin_who_steps_down_lands_on_their_new_home(client, admin, make_user):
    make_user("admin")
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "marketer"})
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert client.get("/admin/users").status_code == 403


def test_disable_and_enable(client, admin, make_user):
    user = make_user("promoter")
    response = client.post(f"/admin/users/{user.id}/disable", data={"next": "//evil.com"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    page = text(client.get("/admin/users"))
    assert f"{user.email} is disabled." in page and "badge-off" in page
    assert fresh(user).disabled
    assert client.post(f"/admin/users/{user.id}/enable").status_code == 303
    assert not fresh(user).disabled


def test_admin_cannot_disable_themselves(client, admin, make_user):
    make_user("admin")
    response = client.post(f"/admin/users/{admin.id}/disable")
    assert response.status_code == 409
    assert "You cannot disable your own account." in text(response)
    assert not fresh(admin).disabled
    assert client.get("/admin/users").status_code == 200


@pytest.mark.parametrize("path", ["/admin/users/999999/role", "/admin/users/999999/disable",
                                  "/admin/users/1/explode", "/admin/tokens/999999/revoke"])
def test_unknown_targets_are_404(client, admin, path):
    assert client.post(path, data={"role": "admin"}).status_code == 404


def test_posts_without_the_csrf_token_are_refused(client, admin, make_user, app, monkeypatch):
    user = make_user("promoter")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/admin/users/{user.id}/disable")
    assert response.status_code == 400
    assert "This form had expired" in text(response)
    assert not fresh(user).disabled
    page = text(client.get("/admin/users"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(f"/admin/users/{user.id}/disable", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert fresh(user).disabled


# --- the API tokens page -------------------------------------------------------------------

def test_new_token_is_shown_once_and_stored_as_a_hash(client, admin):
    response = client.post("/admin/tokens", data={"name": "Typeform"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<pre class="secret" id="new-token">([^<]+)</pre>', text(response))[1]
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hash_token(secret) and token.name == "Typeform"
    page = text(client.get("/admin/tokens"))
    assert "Typeform" in page and f"{secret[:8]}…" in page
    assert secret not in page
    assert tokens.authenticate_api_token(secret) is not None


@pytest.mark.parametrize("name, status, message", [
    ("", 400, "Give the token a name"),
    ("x" * 101, 400, "at most 100 characters"),
    ("x" * 10_000, 400, "at most 100 characters"),
    ("Typeform", 409, "There is already a live token named “Typeform”"),
])
def test_token_bad_input(client, admin, name, status, message):
    tokens.create_api_token("Typeform")
    db.session.commit()
    response = client.post("/admin/tokens", data={"name": name})
    assert response.status_code == status
    assert message in text(response)
    assert 'id="new-token"' not in text(response)
    assert len(tokens.list_api_tokens()) == 1


def test_token_names_are_escaped(client, admin):
    client.post("/admin/tokens", data={"name": "<script>alert(1)</script>"})
    page = text(client.get("/admin/tokens"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_revoke_token(client, admin):
    token, secret = tokens.create_api_token("Typeform")
    db.session.commit()
    response = client.post(f"/admin/tokens/{token.id}/revoke")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/tokens"
    page = text(client.get("/admin/tokens"))
    today = format_date(utcnow(), "medium", locale="en")  # "Dec 1, 2026"
    assert "Token “Typeform” is revoked." in page and f"revoked {today}" in page
    db.session.expire_all()
    assert tokens.authenticate_api_token(secret) is None
