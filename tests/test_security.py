"""security.py: the headers every page carries, per-view exceptions, cross-site refusals."""

import re
from pathlib import Path

import pytest
from flask import render_template_string

from ambassador import security
from ambassador.auth.access import public
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.utils import new_token

ROOT = Path(__file__).resolve().parent.parent
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}


def directives(response) -> dict[str, str]:
    """The response's CSP as {directive: value}."""
    policy = response.headers["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))


def assert_guarded(response) -> None:
    """The headers every page must carry."""
    csp = directives(response)
    assert re.fullmatch(r"'self' 'nonce-[\w-]{16,}'", csp["script-src"])
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- headers on every page ------------------------------------------------------------------

def test_every_kind_of_page_carries_the_security_headers(client, make_user, login):
    pages = [client.get("/login"), client.get("/password/forgot"), client.get("/no/such/page"),
             client.post("/login", data={"email": "x@example.com", "password": "wrong"})]
    login(make_user("admin"))
    pages += [client.get(url) for url in ("/dashboard", "/admin/users", "/admin/tokens",
                                          "/import/")]
    for response in pages:
        assert response.mimetype == "text/html"
        assert_guarded(response)
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_each_request_gets_its_own_nonce(client):
    first, second = (directives(client.get("/login"))["script-src"] for _ in range(2))
    assert first != second


def test_no_hsts_and_no_secure_cookie_over_plain_http(client, make_user, login):
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert "Strict-Transport-Security" not in response.headers
    login(make_user("marketer"))
    assert client.get_cookie("session").secure is False


def test_https_base_url_turns_on_hsts_and_secure_cookies(make_app):
    from ambassador.auth import services

    app = make_app(BASE_URL="https://ambassador.example")
    with app.app_context():
        services.create_user("ada@example.com", "admin", password="correct-horse-battery")
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": "ada@example.com",
                                           "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- caching --------------------------------------------------------------------------------

def test_pages_of_a_logged_in_user_are_never_stored(client, make_user, make_promoter, login):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(make_user("marketer"))
    for url in ("/dashboard", "/dashboard/accounts", "/import/", "/no/such/page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_the_promoter_portal_is_never_stored(client, make_promoter, login):
    login(make_promoter())
    assert client.get("/portal").headers["Cache-Control"] == "no-store"


def test_public_caching_chosen_by_a_view_is_kept(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "public, max-age=3600"


# --- pages whose address holds a secret -----------------------------------------------------

def test_token_pages_send_no_referrer_and_are_never_stored(client, make_user, make_response):
    from ambassador.auth import services
    from ambassador.portal import invitations

    user = make_user("promoter")
    reset = services.issue_password_link(user).rsplit("/", 1)[1]
    make_response(score=10, email="ayse@example.com", name="Ayşe")
    invitations.send_invitations()
    invitation = re.search(r"/welcome/([\w-]+)", _last_mail_body()).group(1)
    db.session.commit()
    for url, status in ((f"/password/reset/{reset}", 200), ("/password/reset/dead", 410),
                        (f"/welcome/{invitation}", 200), ("/welcome/unknown", 404)):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store", url
        assert_guarded(response)


def _last_mail_body() -> str:
    from ambassador.mail.models import OutboxMessage

    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return message.body_text


# --- per-view exceptions --------------------------------------------------------------------

@pytest.fixture
def demo_app(make_app):
    """An app with a few extra views using the per-view decorators."""
    app = make_app()

    @app.route("/t/embed")
    @public
    @security.frameable
    def embed():
        return "<p>widget</p>"

    @app.route("/t/secret/<token>")
    @public
    @security.token_in_url
    def secret(token):
        return "<p>secret</p>"

    @app.route("/t/inline")
    @public
    def inline():
        return render_template_string('<script nonce="{{ csp_nonce() }}">go()</script>')

    @app.route("/t/hook", methods=["POST"])
    @public
    @security.cross_site_allowed
    def hook():
        return "ok"

    return app


def test_the_embed_page_may_be_framed_and_nothing_else_changes(demo_app):
    response = demo_app.test_client().get("/t/embed")
    csp = directives(response)
    assert csp["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response.headers
    assert csp["object-src"] == "'none'" and "unsafe-inline" not in csp["script-src"]


def test_a_token_view_sets_no_referrer(demo_app):
    response = demo_app.test_client().get("/t/secret/abc")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_inline_script_runs_only_with_this_requests_nonce(demo_app):
    response = demo_app.test_client().get("/t/inline")
    nonce = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert f"'nonce-{nonce}'" in directives(response)["script-src"]


# --- no inline script or style in our templates --------------------------------------------

def test_templates_have_no_inline_handlers_or_scripts():
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:
            continue  # mails are not pages: mail clients need inline styles
        source = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=", source), path
        assert "javascript:" not in source, path
        for tag in re.findall(r"<script\b[^>]*>", source):
            # JSON-LD is a data block: browsers never run it, CSP does not apply
            data_block = 'type="application/ld+json"' in tag
            assert "src=" in tag or "csp_nonce()" in tag or data_block, (path, tag)
        assert not re.search(r"\sstyle\s*=", source), path  # style-src allows no attribute


def test_confirmations_use_the_static_script(client, make_user, login):
    from ambassador.auth.tokens import create_api_token

    login(make_user("admin"))
    other = make_user("marketer")
    create_api_token("Typeform")
    db.session.commit()
    users = client.get("/admin/users").get_data(as_text=True)
    tokens = client.get("/admin/tokens").get_data(as_text=True)
    assert 'data-confirm="Disable this account? Its open sessions end at once."' in users
    assert other.email in users
    assert 'data-confirm="Revoke this token? Tools using it will stop working."' in tokens
    assert "onsubmit" not in users + tokens
    assert re.search(r'<script src="/static/js/app.js\?v=[0-9a-f]{12}" defer></script>', tokens)
    with client.get("/static/js/app.js") as script:
        assert script.status_code == 200 and "data-confirm" in script.get_data(as_text=True)


def test_the_dashboard_renders_without_inline_styles(client, make_user, login, make_response):
    for score in (10, 9, 7, 3):
        make_response(score=score, company="Lumière Voyages")
    login(make_user("marketer"))
    for url in ("/dashboard", "/dashboard/accounts"):
        page = client.get(url).get_data(as_text=True)
        assert "<rect" in page and 'class="seg-fill seg-promoter"' in page
        assert not re.search(r"\sstyle\s*=", page), url


# --- cross-site requests (Fetch-Metadata) ---------------------------------------------------

def test_a_cross_site_post_is_refused_before_anything_changes(client, make_user, login):
    user = login(make_user("admin"))
    target = make_user("marketer")
    response = client.post(f"/admin/users/{target.id}/disable", headers=CROSS_SITE)
    assert response.status_code == 403
    assert "A page on another site cannot change anything here." in response.get_data(as_text=True)
    assert not db.session.get(User, target.id).disabled
    response = client.post("/logout", headers=CROSS_SITE)
    assert response.status_code == 403
    assert client.get("/dashboard").status_code == 200  # still logged in
    assert db.session.get(User, user.id).session_token == user.session_token


@pytest.mark.parametrize("site", ["same-origin", "same-site", "none", None])
def test_posts_from_this_site_or_typed_addresses_are_accepted(client, make_user, site):
    user = make_user("marketer")
    headers = {"Sec-Fetch-Site": site} if site else {}
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct-horse-battery"}, headers=headers)
    assert response.status_code == 302


def test_cross_site_links_still_open_pages(client):
    assert client.get("/login", headers=CROSS_SITE).status_code == 200


def test_a_cross_site_post_is_403_even_before_the_csrf_check(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    data = {"email": "a@example.com", "password": "x"}
    assert client.post("/login", data=data, headers=CROSS_SITE).status_code == 403
    assert client.post("/login", data=data).status_code == 400  # CSRF token missing


def test_the_bearer_token_api_accepts_cross_site_requests(client):
    from ambassador.auth.tokens import create_api_token

    _token, secret = create_api_token("Browser survey")
    db.session.commit()
    response = client.post("/api/v1/responses", json={"email": "a@example.com", "score": 9},
                           headers={**CROSS_SITE, "Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    assert client.post("/api/v1/responses", json={}, headers=CROSS_SITE).status_code == 401


def test_a_view_may_accept_cross_site_posts(demo_app):
    assert demo_app.test_client().post("/t/hook", headers=CROSS_SITE).status_code == 200


# --- login starts a new session -------------------------------------------------------------

def test_login_rotates_the_session_and_the_csrf_secret(client, make_user):
    user = make_user("marketer")
    client.get("/login")
    with client.session_transaction() as planted:
        planted["csrf_token"] = "known-to-the-attacker"
        planted["planted"] = new_token()
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct-horse-battery"})
    assert response.status_code == 302
    client.get("/dashboard")  # renders the logout form, hence a CSRF token
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"] != "known-to-the-attacker"
        assert session["_user_id"] == f"{user.id}:{user.session_token}"


def test_static_files_are_kept_by_their_fingerprint_and_asked_again_without_it(client):
    from ambassador.assets import fingerprint

    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert url, "the stylesheet's address carries its fingerprint"
    assert url.group(2) == fingerprint(client.application.static_folder, "css/app.css")
    with client.get(url.group(1)) as kept:
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab",
                  "/static/css/app.css?v="):
        with client.get(stale) as asked:  # an old page or a bookmark: revalidated each time
            assert asked.status_code == 200 and "immutable" not in asked.headers["Cache-Control"]
            assert "max-age" not in asked.headers["Cache-Control"]
    assert client.get("/static/../config.py?v=x").status_code == 404


def test_a_changed_static_file_gets_a_new_fingerprint(tmp_path):
    from ambassador.assets import fingerprint

    (tmp_path / "a.css").write_text("p{}")
    first = fingerprint(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("p{color:red}")
    assert fingerprint(str(tmp_path), "a.css") not in (None, first)
    assert fingerprint(str(tmp_path), "missing.css") is None
    assert fingerprint(str(tmp_path), "../a.css") is None and fingerprint(str(tmp_path), "") is None
