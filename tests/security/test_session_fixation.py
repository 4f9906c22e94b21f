"""Session fixation: a session planted in a victim's browser before login never becomes
the victim's logged-in session, and logging out ends every copy of it."""

from tests.conftest import PASSWORD


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _plant(client, value: str) -> None:
    client.set_cookie("session", value, domain="localhost")


def test_a_session_planted_before_login_is_not_the_one_after_it(app, make_user):
    user = make_user("promoter")
    attacker = app.test_client()
    with attacker.session_transaction() as pre_login:  # any pre-login session of the attacker
        pre_login["visited"] = True
    planted = _cookie(attacker)
    assert planted

    victim = app.test_client()
    _plant(victim, planted)
    assert victim.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302
    after = _cookie(victim)
    assert after and after != planted
    assert victim.get("/portal").status_code == 200

    # The attacker's copy of the planted cookie is still a logged-out visitor.
    _plant(attacker, planted)
    response = attacker.get("/portal")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_nothing_set_in_the_session_before_login_survives_it(client, make_user):
    user = make_user("marketer")
    with client.session_transaction() as planted:
        planted["_user_id"] = "999999:forged"
        planted["next_after_login"] = "https://evil.example/"
        planted["csrf_token"] = "known-to-the-attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as current:
        assert "next_after_login" not in current
        assert current.get("csrf_token") != "known-to-the-attacker"
        assert current["_user_id"] != "999999:forged"


def test_a_forged_user_id_in_the_cookie_logs_nobody_in(client, make_user):
    user = make_user("admin")
    with client.session_transaction() as forged:
        forged["_user_id"] = str(user.id)  # no session token: the identity is "id:token"
    assert client.get("/admin/users").status_code == 302


def test_a_cookie_copied_before_logout_is_dead_after_it(client, make_user, login, app):
    login(make_user("admin"))
    stolen = _cookie(client)
    assert client.get("/admin/users").status_code == 200
    client.post("/logout")
    other = app.test_client()
    _plant(other, stolen)
    assert other.get("/admin/users").status_code == 302
